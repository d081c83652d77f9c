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


def make(project: Any) -> FlakyProvider:
    return FlakyProvider(project.ws.ffmpeg, project.ws.work / "tmp")
