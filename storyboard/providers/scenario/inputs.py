"""A request's input files as Scenario assets: each file uploaded once per content digest, ever.

`scenario-assets.json` (a `JsonMap`) remembers which asset holds which digest between builds;
an asset deleted on Scenario's side is uploaded again. `provider.py` asks for the body as sent.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from storyboard.errors import ProviderError, Rejected
from storyboard.providers.base import InputFile, Request
from storyboard.providers.scenario.client import ScenarioClient, sniff_mime
from storyboard.providers.scenario.records import JsonMap, as_text
from storyboard.refs import map_refs, refs_in

ASSETS_FILE = "scenario-assets.json"
_EXTENSIONS = {"image/png": ".png", "image/jpeg": ".jpg", "image/webp": ".webp",
               "video/mp4": ".mp4", "video/quicktime": ".mov", "video/webm": ".webm",
               "audio/mpeg": ".mp3", "audio/mp4": ".m4a", "audio/wav": ".wav",
               "audio/ogg": ".ogg", "audio/flac": ".flac"}


class LoopLocks:
    """Named asyncio locks for the running loop: planning and building run in separate event
    loops, and a lock must not cross them."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._locks: dict[str, asyncio.Lock] = {}

    def __call__(self, name: str) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            self._loop, self._locks = loop, {}
        lock = self._locks.get(name)
        if lock is None:
            lock = self._locks[name] = asyncio.Lock()
        return lock


class Inputs:
    def __init__(self, client: ScenarioClient, work: Path, locks: LoopLocks) -> None:
        self.client = client
        self.assets: JsonMap[str] = JsonMap(work / ASSETS_FILE, as_text)  # digest -> asset id
        self.verified: set[str] = set()  # asset ids seen alive in this process
        self._lock = locks

    def remember(self, digest: str, asset_id: str) -> None:
        """A result already on Scenario: downstream nodes reuse it instead of uploading."""
        self.assets.put(digest, asset_id)
        self.verified.add(asset_id)

    async def asset_for(self, inp: InputFile, *, upload: bool) -> str | None:
        """The asset id holding this file: remembered, else uploaded (when allowed)."""
        async with self._lock(f"digest:{inp.digest}"):
            known = self.assets.get(inp.digest)
            if known is not None:
                if known in self.verified:
                    return known
                try:
                    await self.client.asset(known)
                    self.verified.add(known)
                    return known
                except Rejected as exc:
                    if exc.status != 404:
                        raise
                    self.assets.drop(inp.digest)  # deleted on Scenario's side: upload again
            if not upload:
                return None
            asset_id = await self._upload(inp)
            self.remember(inp.digest, asset_id)
            return asset_id

    async def _upload(self, inp: InputFile) -> str:
        head = await asyncio.to_thread(_head, inp.path)
        mime = sniff_mime(head)
        name = inp.path.name if inp.path.suffix else \
            f"{inp.digest[:16]}{_EXTENSIONS.get(mime or '', '')}"
        if inp.media == "image":
            return await self.client.upload_image(inp.path, name)
        kind = inp.media if inp.media in ("video", "audio") else "video"
        if mime is None or not mime.startswith(f"{kind}/"):
            mime = "video/mp4" if kind == "video" else "audio/mpeg"
        return await self.client.upload_file(inp.path, kind, mime, name=name)

    @staticmethod
    def missing(request: Request) -> list[str]:
        """Inputs whose file does not exist yet (an upstream node is not built)."""
        out = []
        for node_id in refs_in(request.body):
            inp = request.inputs.get(node_id)
            if inp is None or not inp.digest or not inp.path.is_file():
                out.append(node_id)
        return out

    async def body(self, request: Request, *, upload: bool) -> dict[str, Any] | None:
        """The body as sent: every {"$ref"} replaced by an asset id (None when an input has
        no asset and `upload` is False)."""
        missing = self.missing(request)
        if missing:
            raise ProviderError(f"{request.node.label}: input {', '.join(missing)} has no file "
                                "yet; build it first")
        refs = sorted(set(refs_in(request.body)))
        ids = await asyncio.gather(*(self.asset_for(request.inputs[r], upload=upload)
                                     for r in refs))
        if any(i is None for i in ids):
            return None
        mapping = {r: str(i) for r, i in zip(refs, ids, strict=True)}
        replaced = map_refs(request.body, mapping.__getitem__)
        assert isinstance(replaced, dict)
        return replaced


def _head(path: Path) -> bytes:
    with path.open("rb") as f:
        return f.read(64)
