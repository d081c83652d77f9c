"""Helpers for the Scenario provider tests: `expect` (which also checks that no raised error
ever shows the API key or secret), a recording sleep, and requests as the engine builds them."""

from __future__ import annotations

import asyncio
import base64
import hashlib
from collections.abc import Awaitable
from pathlib import Path
from typing import Any, TypeVar

from storyboard.graph import ModelData, Node
from storyboard.providers.base import InputFile, Request

E = TypeVar("E", bound=BaseException)


KEY, SECRET = "test-key", "test-secret"
FORBIDDEN = (KEY, SECRET, base64.b64encode(f"{KEY}:{SECRET}".encode()).decode())
FLASH = "model_luma-ray-flash-2-540p"


def assert_clean(exc: BaseException) -> None:
    """Neither the key, the secret nor the Basic token in the error or anything it chains."""
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        e = todo.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        text = " ".join([str(e), repr(e), *(repr(a) for a in e.args)])
        for secret in FORBIDDEN:
            assert secret not in text, f"{type(e).__name__} shows a credential: {text}"
        todo += [e.__cause__, e.__context__]


async def expect(kind: type[E], aw: Awaitable[Any]) -> E:
    try:
        await aw
    except kind as exc:
        assert_clean(exc)
        return exc
    raise AssertionError(f"expected {kind.__name__}")


class Sleeps:
    """An injectable sleep that records what it was asked and barely waits."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)
        await asyncio.sleep(min(seconds, 0.01))


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""


def flash_request(prompt: str, image: Path | None = None, key: str = "k1") -> Request:
    """A ray-flash-2 540p generation, optionally starting on an image, as the engine sends it."""
    body: dict[str, Any] = {"prompt": prompt, "duration": 5, "aspectRatio": "16:9"}
    inputs = {}
    if image is not None:
        body["image"] = {"$ref": "asset:photo"}
        inputs["asset:photo"] = InputFile("asset:photo", image, digest(image), "image")
    node = Node(id="shot:test", kind="generate", label="test", media="video", shot="test",
                payload=ModelData(FLASH, "ray-flash-2-540p", body, {}),
                inputs=tuple(inputs), roles={"start_frame": "asset:photo"} if image else {},
                duration=5.0, width=960, height=540)
    return Request(node, key, body, inputs)
