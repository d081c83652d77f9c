"""The preview provider: a local animatic of every model node, free and offline.

It honours what the real model would: duration to the frame, frame size, start and end frames,
camera move, loop, and captions the prompt and the shot name, so a film can be timed and cut
before anything is paid for. Rendering happens in a worker thread at submit time.
"""

from __future__ import annotations

import asyncio
import itertools
import tempfile
from pathlib import Path

from storyboard.media import Ffmpeg, PreviewSpec
from storyboard.providers.base import BaseProvider, Fetched, JobStatus, Request


class PreviewProvider(BaseProvider):
    name = "preview"
    paid = False
    poll_interval = 0.0

    def __init__(self, ffmpeg: Ffmpeg | None = None, workdir: Path | None = None) -> None:
        self.ffmpeg = ffmpeg or Ffmpeg()
        self.workdir = workdir
        self._done: dict[str, Path] = {}
        self._ids = itertools.count(1)

    async def estimate(self, request: Request) -> float | None:
        return 0.0

    def spec(self, request: Request) -> PreviewSpec:
        node = request.node
        start = request.role("start_frame")
        end = request.role("end_frame")
        source = request.role("source")
        kind = node.kind if node.kind in ("generate", "loop", "edit", "reframe") else "generate"
        duration = node.duration or 5.0
        return PreviewSpec(
            kind=kind,
            duration=duration,
            width=node.width or 1280,
            height=node.height or 720,
            fps=24,
            title=node.label,
            prompt=str(node.fields.get("prompt", "")),
            model=node.model or "",
            start_image=start.path if start else None,
            end_image=end.path if end else None,
            source_video=source.path if source else None,
            camera=tuple(node.fields.get("camera") or ()),
            loop=node.kind == "loop" or bool(node.fields.get("loop")),
            seed=request.key,
        )

    async def submit(self, request: Request) -> str:
        job = f"preview-{next(self._ids)}"
        base = self.workdir or Path(tempfile.gettempdir())
        base.mkdir(parents=True, exist_ok=True)
        dst = base / f"{job}-{request.key[:16]}.mp4"
        await asyncio.to_thread(self.ffmpeg.render_preview, self.spec(request), dst)
        self._done[job] = dst
        return job

    async def poll(self, job_id: str) -> JobStatus:
        return JobStatus("done", 1.0, "done")

    async def fetch(self, job_id: str, request: Request, workdir: Path) -> Fetched:
        return Fetched(self._done.pop(job_id))

    async def close(self) -> None:
        for path in self._done.values():
            path.unlink(missing_ok=True)
        self._done.clear()
