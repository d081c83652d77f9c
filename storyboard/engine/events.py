"""Events of a plan and a build, and the `Reporter` protocol that receives them.

The engine never prints: it calls a reporter. The CLI supplies a rich live view, plain lines
for logs, or JSON lines (`--json`); Python users may pass their own. Results are values.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

ResultStatus = Literal["done", "cached", "failed", "skipped"]
PlanStatus = Literal["cached", "to run", "blocked"]


@dataclass(frozen=True)
class NodeResult:
    node: str
    label: str
    kind: str
    status: ResultStatus
    output: str | None = None  # content digest
    cost: float = 0.0
    job: str | None = None
    error: str = ""
    elapsed: float = 0.0
    refused: bool = False  # refused by --max-cost before anything was sent
    notes: tuple[str, ...] = ()  # how it was made, worth a warning (a clip a cut re-encoded)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class PlannedNode:
    node: str
    label: str
    kind: str
    model: str | None
    provider: str
    status: PlanStatus
    reasons: tuple[Any, ...] = ()  # cache.Reason values
    key: str | None = None
    estimate: float | None = None  # credits; None when unknown
    paid_before: float = 0.0  # what the cached output cost when it was made

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["reasons"] = [r.as_dict() for r in self.reasons]
        return d


@dataclass(frozen=True)
class Plan:
    nodes: tuple[PlannedNode, ...]
    provider: str

    @property
    def to_run(self) -> list[PlannedNode]:
        return [n for n in self.nodes if n.status != "cached"]

    @property
    def estimate(self) -> float:
        return sum(n.estimate or 0.0 for n in self.to_run)

    @property
    def unpriced(self) -> list[PlannedNode]:
        """Paid nodes to run whose price is unknown until their inputs exist."""
        return [n for n in self.to_run if n.estimate is None and n.model is not None]

    @property
    def paid_before(self) -> float:
        return sum(n.paid_before for n in self.nodes if n.status == "cached")


@dataclass
class Summary:
    results: list[NodeResult] = field(default_factory=list)
    elapsed: float = 0.0
    interrupted: bool = False

    def count(self, status: ResultStatus) -> int:
        return sum(1 for r in self.results if r.status == status)

    @property
    def spent(self) -> float:
        return sum(r.cost for r in self.results if r.status == "done")

    @property
    def failed(self) -> list[NodeResult]:
        return [r for r in self.results if r.status == "failed"]

    @property
    def refused(self) -> list[NodeResult]:
        return [r for r in self.results if r.refused]

    def as_dict(self) -> dict[str, Any]:
        return {
            "done": self.count("done"), "cached": self.count("cached"),
            "failed": self.count("failed"), "skipped": self.count("skipped"),
            "spent": self.spent, "elapsed": round(self.elapsed, 3),
            "interrupted": self.interrupted, "refused": len(self.refused),
            "failures": [{"node": r.node, "label": r.label, "error": r.error}
                         for r in self.failed],
        }


class Reporter:
    """Receives events; every method is a no-op here so implementations override what they show."""

    def plan(self, plan: Plan) -> None: ...

    def node_started(self, node: str, label: str, kind: str, stage: str = "running") -> None: ...

    def node_cached(self, result: NodeResult) -> None: ...

    def job_progress(self, node: str, label: str, stage: str, progress: float | None) -> None: ...

    def node_done(self, result: NodeResult) -> None: ...

    def warning(self, text: str) -> None: ...

    def note(self, text: str) -> None:
        """What is about to take seconds before any node shows (uploads, dry-run prices)."""

    def run_done(self, summary: Summary) -> None: ...


class RecordingReporter(Reporter):
    """Keeps every event as (name, payload): for tests and for Python users."""

    def __init__(self) -> None:
        self.events: list[tuple[str, Any]] = []

    def plan(self, plan: Plan) -> None:
        self.events.append(("plan", plan))

    def node_started(self, node: str, label: str, kind: str, stage: str = "running") -> None:
        self.events.append(("node_started", node))

    def node_cached(self, result: NodeResult) -> None:
        self.events.append(("node_cached", result))

    def job_progress(self, node: str, label: str, stage: str, progress: float | None) -> None:
        self.events.append(("job_progress", (node, stage, progress)))

    def node_done(self, result: NodeResult) -> None:
        self.events.append(("node_done", result))

    def warning(self, text: str) -> None:
        self.events.append(("warning", text))

    def note(self, text: str) -> None:
        self.events.append(("note", text))

    def run_done(self, summary: Summary) -> None:
        self.events.append(("run_done", summary))
