"""What the review page shows, as plain data gathered from a loaded `Project`.

Offline and free: the lock says what was made (provider, model, job, cost, take), the object
store whether it is still here, and `Project.status()` whether it is up to date and why not.
`page.py` renders these views; `site.py` puts the files next to the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from storyboard.cache import Reason
from storyboard.cache.lockfile import Record
from storyboard.graph import Node

if TYPE_CHECKING:  # annotations only: Project calls into this module
    from storyboard.history import ShotTakes
    from storyboard.project import Project, StatusLine

State = Literal["up to date", "stale", "not built"]


@dataclass(frozen=True)
class Why:
    """One reason a node is stale; `where` names the step of a multi-step shot ("" else)."""

    where: str
    reason: Reason


@dataclass(frozen=True)
class StepView:
    node: str
    label: str
    kind: str
    model: str | None
    prompt: str
    state: State
    reasons: tuple[Why, ...]
    record: Record | None


@dataclass(frozen=True)
class ShotView:
    name: str
    node: str  # the node whose output is the shot (its last step)
    kind: str
    model: str | None
    prompt: str  # what the file asks for now
    built_prompt: str | None  # what made the output shown (differs from `prompt` when stale)
    state: State
    reasons: tuple[Why, ...]
    output: str | None  # digest of the newest output made (older than the spec when stale)
    record: Record | None
    cost: float  # every step's
    duration: float | None
    width: int | None
    height: int | None
    steps: tuple[StepView, ...]
    takes: ShotTakes | None  # every take known (None for a shot with no model node)

    @property
    def built_takes(self) -> int:
        return sum(1 for t in self.takes.takes if t.built) if self.takes else 0


@dataclass(frozen=True)
class EntryView:
    """One entry of a cut, repeats expanded."""

    shot: str  # shot name, or asset name for a video asset
    node: str
    asset: str | None  # a video asset's file, relative to the project folder
    trim_in: float
    trim_out: float | None
    transition: str
    transition_duration: float


@dataclass(frozen=True)
class CutView:
    name: str
    node: str
    path: str  # the render, relative to the project folder
    state: State
    reasons: tuple[Why, ...]
    output: str | None
    record: Record | None
    duration: float | None
    width: int
    height: int
    fps: float
    fit: str
    audio: str  # the music bed, in words ("" for none)
    entries: tuple[EntryView, ...]


@dataclass(frozen=True)
class Review:
    title: str
    file: str
    shots: tuple[ShotView, ...]
    cuts: tuple[CutView, ...]
    dot: str
    mermaid: str
    edges: tuple[tuple[str, str], ...]  # labels, input -> consumer

    def shot(self, name: str) -> ShotView | None:
        return next((s for s in self.shots if s.name == name), None)


def collect(project: Project) -> Review:
    targets = [*project.board.shots, *project.board.cuts]
    lines = {s.node: s for s in project.status(targets)}
    graph = project.graph
    shots = [_shot(project, name, lines) for name in project.board.shots]
    cuts = [_cut(project, node, lines) for node in graph.cuts()]
    edges = tuple((graph.nodes[a].label, graph.nodes[b].label) for a, b in sorted(graph.g.edges))
    return Review(
        title=project.board.name, file=str(project.file), shots=tuple(shots), cuts=tuple(cuts),
        dot=project.graph_text("dot"), mermaid=project.graph_text("mermaid"), edges=edges,
    )


def _state(line: StatusLine | None, rec: Record | None) -> State:
    if rec is None:
        return "not built"
    return "up to date" if line is not None and line.state == "up to date" else "stale"


def _reasons(line: StatusLine | None, where: str = "") -> tuple[Why, ...]:
    return tuple(Why(where, r) for r in line.reasons) if line is not None else ()


def _prompt(node: Node) -> str:
    value: Any = node.fields.get("prompt", "")
    return str(value) if value else ""


def _shot(project: Project, name: str, lines: dict[str, StatusLine]) -> ShotView:
    graph = project.graph
    final = graph.shot_node(name)
    assert final is not None  # every shot has at least one step
    nodes = [n for n in graph.nodes.values() if n.shot == name and n.kind != "frame"]
    steps = []
    for node in nodes:
        rec = project.built(node.id)
        line = lines.get(node.id)
        steps.append(StepView(node.id, node.label, node.kind, node.model, _prompt(node),
                              _state(line, rec), _reasons(line, node.label), rec))
    last = graph.nodes[final]
    rec = project.built(final)
    state: State = _state(lines.get(final), rec)
    if state == "up to date" and any(s.state != "up to date" for s in steps):
        state = "stale"
    many = len(steps) > 1
    reasons = tuple(Why(w.where if many else "", w.reason) for s in steps for w in s.reasons)
    built_prompt = None
    if rec is not None:
        made_by = rec.fields.get("prompt")
        built_prompt = str(made_by) if made_by else None
    return ShotView(
        name=name, node=final, kind=last.kind, model=last.model, prompt=_prompt(last),
        built_prompt=built_prompt, state=state, reasons=reasons,
        output=rec.output if rec else None, record=rec,
        cost=sum(s.record.cost for s in steps if s.record), duration=last.duration,
        width=last.width, height=last.height, steps=tuple(steps),
        takes=project.takes(name) if last.runs_model else None,
    )


def _cut(project: Project, node: Node, lines: dict[str, StatusLine]) -> CutView:
    plan = node.cut
    assert plan is not None
    rec = project.built(node.id)
    line = lines.get(node.id)
    graph = project.graph
    entries = tuple(
        EntryView(graph.nodes[s.node].shot or graph.nodes[s.node].name, s.node,
                  graph.nodes[s.node].path, s.trim_in, s.trim_out, s.transition,
                  s.transition_duration)
        for s in plan.segments
    )
    audio = ""
    if plan.audio is not None:
        a = plan.audio
        audio = (f"{graph.nodes[a.node].label} from {a.start:g}s, volume {a.volume:g}, "
                 f"fade in {a.fade_in:g}s, fade out {a.fade_out:g}s")
    return CutView(
        name=node.name, node=node.id, path=plan.output, state=_state(line, rec),
        reasons=_reasons(line), output=rec.output if rec else None, record=rec,
        duration=plan.duration, width=plan.width, height=plan.height, fps=plan.fps,
        fit=plan.fit, audio=audio, entries=entries,
    )
