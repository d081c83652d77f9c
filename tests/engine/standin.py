"""A provider that runs no model and needs no ffmpeg: each job "renders" a few bytes.

Behaviour comes from the prompt, so tests read like what they pin: a prompt holding FAIL fails
its job, REJECT is refused at submission, SLOW stays running for a few polls (and, with
AFTER-FAIL, until another job has failed: orders a --fail-fast test without a clock), BUG
raises an unexpected exception. Paid or free, with a fixed price per job; it counts what it was
asked.
Loaded by the CLI tests as `--provider standin:make` (its `name` is "stand-in", not the string
that loads it, on purpose).
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Collection, Iterable
from pathlib import Path
from typing import Any

from storyboard.errors import Rejected
from storyboard.providers import (
    BaseProvider,
    Fetched,
    Intent,
    JobStatus,
    Lookup,
    Provider,
    Request,
)


class StandIn(BaseProvider):
    name = "stand-in"
    poll_interval = 0.0

    def __init__(self, *, paid: bool = False, price: float | None = 1.0,
                 found: str | None = None) -> None:
        self.paid = paid
        self.price = price
        self.found = found  # what find_job answers: a job an interrupted build left
        self.submitted: list[str] = []  # node ids, in submission order
        self.estimated: list[str] = []
        self.polls: dict[str, int] = {}
        self.claimed: set[str] = set()
        self.opened = self.closed = 0
        self.loops: set[int] = set()  # the event loops it was called in
        self.failed = 0
        self._jobs: dict[str, Request] = {}
        self._ids = itertools.count(1)
        self._notices: list[str] = []

    def _seen(self) -> None:
        self.loops.add(id(asyncio.get_running_loop()))

    async def open(self) -> None:
        self._seen()
        self.opened += 1

    async def close(self) -> None:
        self._seen()
        self.closed += 1

    async def estimate(self, request: Request) -> float | None:
        self._seen()
        self.estimated.append(request.node.id)
        return self.price

    async def submit(self, request: Request) -> str:
        self._seen()
        prompt = str(request.node.fields.get("prompt", ""))
        if "REJECT" in prompt:
            raise Rejected("the service refused this request", "remove REJECT", status=422)
        if "BUG" in prompt:
            raise ZeroDivisionError("a bug in the provider")
        self.submitted.append(request.node.id)
        job = f"job-{next(self._ids)}"
        self._jobs[job] = request
        return job

    async def poll(self, job_id: str) -> JobStatus:
        self._seen()
        n = self.polls[job_id] = self.polls.get(job_id, 0) + 1
        request = self._jobs.get(job_id)
        prompt = str(request.node.fields.get("prompt", "")) if request else ""
        if "FAIL" in prompt and "AFTER-FAIL" not in prompt:
            self.failed += 1
            return JobStatus("failed", error="the model refused this prompt", hint="rephrase",
                             trace_id="t-1")
        waiting = "AFTER-FAIL" in prompt and not self.failed and n < 10_000  # bounded
        if "SLOW" in prompt and (n < 3 or waiting):
            return JobStatus("running", None, "in-progress")
        return JobStatus("done", 1.0, "done")

    async def fetch(self, job_id: str, request: Request, workdir: Path) -> Fetched:
        self._seen()
        out = workdir / f"{job_id}.bin"
        out.write_bytes(f"{request.key}:{request.node.id}".encode())
        return Fetched(out, self.price or 0.0)

    def claim(self, job_ids: Iterable[str]) -> None:
        self.claimed.update(job_ids)

    async def find_job(self, request: Request, intent: Intent, created_iso: str,
                       exclude: Collection[str] = ()) -> Lookup:
        if self.found is not None:
            self._jobs[self.found] = request
            self._notices.append(f"{request.node.label}: found {self.found}")
        return Lookup(self.found)

    def take_notices(self) -> list[str]:
        taken, self._notices = self._notices, []
        return taken


def make(project: Any) -> Provider:
    """The plugin factory: `--provider standin:make`."""
    return StandIn()


def make_paid(project: Any) -> Provider:
    """`--provider standin:make_paid`: 1 credit a job."""
    return StandIn(paid=True)
