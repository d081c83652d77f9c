"""The `Provider` protocol: submit, poll, fetch, kept apart so the engine can journal between them.

A provider turns one model node's `Request` into an output file. The preview provider renders
locally and answers at once; a remote provider returns a job id from `submit` that the engine
records before it polls, so a crash never pays for the same job twice.

The whole contract is declared here, so mypy checks every provider, plugins included:
`open`/`close` bracket one command (a provider's HTTP pool lives for the whole build), and the
`Recoverable` part (`claim`, `find_job`, `take_notices`) lets the engine recover a paid job
whose submission outcome was lost. `BaseProvider` gives no-op defaults for both, so a simple
provider only writes `estimate`, `submit`, `poll` and `fetch`.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, Protocol, runtime_checkable

from storyboard.graph import Node

JobState = Literal["queued", "running", "done", "failed"]


@dataclass(frozen=True)
class InputFile:
    node: str
    path: Path
    digest: str
    media: str  # image | video | audio


@dataclass(frozen=True)
class Request:
    """What a provider is asked, exactly: the node's body plus the files behind its inputs."""

    node: Node
    key: str
    body: dict[str, Any]
    inputs: dict[str, InputFile] = field(default_factory=dict)

    def role(self, name: str) -> InputFile | None:
        node_id = self.node.roles.get(name)
        return self.inputs.get(node_id) if node_id else None


@dataclass(frozen=True)
class JobStatus:
    state: JobState
    progress: float | None = None  # 0..1 when the provider says
    stage: str = ""  # the provider's own word: queued, in-progress, finalizing...
    error: str = ""
    hint: str = ""
    trace_id: str = ""


@dataclass(frozen=True)
class Fetched:
    path: Path  # a file the engine moves into the store
    cost: float = 0.0
    asset_id: str | None = None


@dataclass(frozen=True)
class Intent:
    """What the journal records before a paid submission leaves, so that any later build can
    find the job it may have made: the model, a digest of the request as sent, and when the
    provider's server saw it (its own clock) and how long after that a job may still appear."""

    model: str | None = None
    digest: str | None = None
    server_time: str | None = None  # ISO, the server's clock; None when unknown
    window: float = 0.0  # seconds after `server_time` within which the submission may land


@dataclass(frozen=True)
class Lookup:
    """What looking for a lost submission's job found: the job, or none. With none, `certain`
    says no job can still appear; when not certain, `wait` is how long until it is."""

    job: str | None = None
    certain: bool = True
    wait: float = 0.0


@runtime_checkable
class Recoverable(Protocol):
    """What the engine asks of a provider to never pay twice for one request."""

    def claim(self, job_ids: Iterable[str]) -> None:
        """Job ids other nodes or takes already own: recovery must never adopt one."""
        ...

    async def prepare(self, request: Request) -> Intent:
        """Get `request` ready to send (e.g. upload its inputs) and say what to journal."""
        ...

    async def find_job(self, request: Request, intent: Intent, created_iso: str,
                       exclude: Collection[str] = ()) -> Lookup:
        """Look for the job an interrupted submission of `request` made (its intent journaled
        at `created_iso`, our clock, with what `prepare` said)."""
        ...

    def take_notices(self) -> list[str]:
        """What the user should hear since the last call (e.g. a recovered job), then forget
        it."""
        ...


@runtime_checkable
class Provider(Recoverable, Protocol):
    """Runs model nodes. `name` is part of every key it makes, so it must not change."""

    name: str
    paid: bool
    poll_interval: float

    async def open(self) -> None:
        """Called once per command before any other call (e.g. open an HTTP pool)."""
        ...

    async def close(self) -> None:
        """Called once per command after the last call, even after a failure."""
        ...

    async def estimate(self, request: Request) -> float | None:
        """Cost in credits, without running anything (None when unknown)."""
        ...

    async def submit(self, request: Request) -> str:
        """Start the job; return its id. Must not be retried when the outcome is unknown."""
        ...

    async def poll(self, job_id: str) -> JobStatus: ...

    async def fetch(self, job_id: str, request: Request, workdir: Path) -> Fetched: ...


class BaseProvider:
    """No-op lifecycle and recovery: a provider whose jobs cannot be lost (a local renderer,
    a plugin without a job listing) subclasses this and writes the four job methods.
    `async with provider:` opens and closes it."""

    name: str
    paid: bool = False
    poll_interval: float = 0.0

    async def open(self) -> None:
        return None

    async def close(self) -> None:
        return None

    def claim(self, job_ids: Iterable[str]) -> None:
        return None

    async def prepare(self, request: Request) -> Intent:
        return Intent(model=request.node.model_id)

    async def find_job(self, request: Request, intent: Intent, created_iso: str,
                       exclude: Collection[str] = ()) -> Lookup:
        return Lookup()

    def take_notices(self) -> list[str]:
        return []

    async def __aenter__(self) -> BaseProvider:
        await self.open()
        return self

    async def __aexit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.close()
