"""The preview provider: a local animatic of every model node, free and offline.

It honours what the real model would: duration to the frame, frame size, start and end frames,
camera move, loop, and wears a slate (shot name, the whole prompt, model, camera, timecode) on
its display picture while handing on a clean plate, so a film can be timed and cut before
anything is paid for. Rendering happens in a worker thread at submit time.
"""

from __future__ import annotations

import asyncio
import os
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
        # Renders waiting to be fetched, by job; two nodes with the same request share a job
        # id, so each keeps its own file.
        self._done: dict[str, list[Path]] = {}

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
        # The job id comes from the request key, not the run order: two builds of the same
        # file write the same lock, so a teammate's rebuild leaves git nothing to merge.
        job = f"preview-{request.key[:12]}"
        base = self.workdir or Path(tempfile.gettempdir())
        base.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(prefix=f"{job}-", suffix=".mp4", dir=base)
        os.close(handle)
        dst = Path(name)
        try:
            await asyncio.to_thread(self.ffmpeg.render_preview, self.spec(request), dst)
        except BaseException:
            dst.unlink(missing_ok=True)
            raise
        self._done.setdefault(job, []).append(dst)
        return job

    async def poll(self, job_id: str) -> JobStatus:
        return JobStatus("done", 1.0, "done")

    async def fetch(self, job_id: str, request: Request, workdir: Path) -> Fetched:
        paths = self._done[job_id]
        path = paths.pop()
        if not paths:
            del self._done[job_id]
        return Fetched(path)

    async def close(self) -> None:
        for paths in self._done.values():
            for path in paths:
                path.unlink(missing_ok=True)
        self._done.clear()
