"""The `Provider` protocol: submit, poll, fetch, kept apart so the engine can journal between them.

A provider turns one model node's `Request` into an output file. The preview provider renders
locally and answers at once; a remote provider returns a job id from `submit` that the engine
records before it polls, so a crash never pays for the same job twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

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


class Provider(Protocol):
    name: str
    paid: bool
    poll_interval: float

    async def estimate(self, request: Request) -> float | None:
        """Cost in credits, without running anything (None when unknown)."""
        ...

    async def submit(self, request: Request) -> str:
        """Start the job; return its id. Must not be retried when the outcome is unknown."""
        ...

    async def poll(self, job_id: str) -> JobStatus: ...

    async def fetch(self, job_id: str, request: Request, workdir: Path) -> Fetched: ...

    async def close(self) -> None: ...
