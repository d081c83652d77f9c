"""The engine's seam to a team: who makes a paid node when several machines build at once.

Before a paid submission the engine asks its `Coordinator` to `claim` the request: the answer
is a teammate's finished `record` (use it, submit nothing), a `job` to adopt (a dead holder's),
a time from which to look for a job a dead holder may have submitted without saying so, or
nothing (this build makes it). `started` tells the team the job id; `made` publishes the
finished record (and its output) at once; `ended` lets go of a claim whose node failed, saying
whether a job may still run for it; `close` ends the run. A build without a remote uses `Alone`,
which says yes to everything. The implementation with leases is `storyboard.remote.team`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from storyboard.cache import Record
from storyboard.providers.base import Request


@dataclass(frozen=True)
class Claim:
    record: Record | None = None  # a teammate made it: use this output, submit nothing
    job: str | None = None  # adopt this job (its holder is gone): poll it, do not submit
    recover_since: str | None = None  # a gone holder may have submitted after this ISO time


class Coordinator(Protocol):
    async def claim(self, request: Request) -> Claim: ...

    async def started(self, request: Request, job: str) -> None: ...

    async def made(self, record: Record) -> None: ...

    async def ended(self, request: Request, settled: bool) -> None:
        """The node failed; `settled`: no job runs for it any more (nothing to adopt)."""
        ...

    async def close(self) -> None: ...


class Alone:
    """No team: every claim is this build's."""

    async def claim(self, request: Request) -> Claim:
        return Claim()

    async def started(self, request: Request, job: str) -> None:
        return None

    async def made(self, record: Record) -> None:
        return None

    async def ended(self, request: Request, settled: bool) -> None:
        return None

    async def close(self) -> None:
        return None
