"""A provider of our own that fails every request whose prompt says FAIL: for failure tests.

Loaded through the documented plugin form `--provider flaky:make`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from storyboard.errors import JobFailed
from storyboard.providers.base import Fetched, JobStatus, Request
from storyboard.providers.preview import PreviewProvider


class FlakyProvider(PreviewProvider):
    name = "preview"  # shares keys with preview: the failing node simply never gets an output

    async def submit(self, request: Request) -> str:
        if "FAIL" in str(request.node.fields.get("prompt", "")):
            raise JobFailed("the model refused this prompt", hint="remove FAIL from it")
        return await super().submit(request)

    async def poll(self, job_id: str) -> JobStatus:
        return await super().poll(job_id)

    async def fetch(self, job_id: str, request: Request, workdir: Path) -> Fetched:
        return await super().fetch(job_id, request, workdir)


class GatedProvider(PreviewProvider):
    """The preview, but only the first job ever finishes: the others run until Ctrl-C. A test
    that interrupts a build is then sure the build is still running when its signal lands,
    however busy the machine. Held in `poll`, which an interrupt stops, not in `submit`, which
    the engine lets finish (a submission is never cut in half)."""

    name = "preview"  # shares keys with preview: the next build reuses what was made

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self._sent = 0

    async def submit(self, request: Request) -> str:
        self._sent += 1
        return await super().submit(request) if self._sent == 1 else f"held-{self._sent}"

    async def poll(self, job_id: str) -> JobStatus:
        if job_id.startswith("held-"):
            return JobStatus("running", 0.5, "held for Ctrl-C")
        return await super().poll(job_id)


def gated(project: Any) -> GatedProvider:
    return GatedProvider(project.ws.ffmpeg, project.ws.work / "tmp")


def make(project: Any) -> FlakyProvider:
    return FlakyProvider(project.ws.ffmpeg, project.ws.work / "tmp")
