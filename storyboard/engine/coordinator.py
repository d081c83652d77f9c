"""The engine's seam to a team: who makes a paid node when several machines build at once.

Holding one of its job slots, the engine asks its `Coordinator` to `claim` a paid request,
which never waits: the answer is a teammate's finished `record` (use it, submit nothing), a
`job` to adopt (a dead holder's), a time from which to look for a job a dead holder may have
submitted without saying so, `busy` (a teammate is making it), or nothing (this build makes it,
now). On `busy` the engine gives its slot back and `wait`s, holding no slot, until the
teammate's record appears (used) or its claim ends or goes stale (then it takes a slot and
claims again). So a machine holds claims only for jobs it is sending or has running, and
machines share a build's ready nodes instead of the first one claiming them all.

`started` tells the team the job id; `made` publishes the finished record (and its output) at
once; `ended` lets go of a claim whose node failed, saying whether a job may still run for it;
`close` ends the run. A build without a remote uses `Alone`, which says yes to everything. The
implementation with leases is `storyboard.team`.
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
    busy: bool = False  # a teammate is making it: `wait` (holding no slot), then claim again


class Coordinator(Protocol):
    async def claim(self, request: Request) -> Claim:
        """Without waiting: a record, or this build's claim (to make or adopt), or busy."""
        ...

    async def wait(self, request: Request) -> Record | None:
        """After a busy claim: the teammate's record, or None when its claim is let go or
        stale (claim again). Raises `NodeFailed` when the teammate's job fails."""
        ...

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

    async def wait(self, request: Request) -> Record | None:
        return None

    async def started(self, request: Request, job: str) -> None:
        return None

    async def made(self, record: Record) -> None:
        return None

    async def ended(self, request: Request, settled: bool) -> None:
        return None

    async def close(self) -> None:
        return None
