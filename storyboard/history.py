"""`shot_takes`: every take of a shot that this working copy knows, offline and free.

Sources: the lock (the node's current record and its history: every key ever locked for it)
and the run index (every key built here), looked up by the keys the shot's current request has
at each take number under each provider. For each: the take, the prompt that made it (when the
lock or the index recorded it), model, provider, cost, when, and whether its output is in the
local cache. `storyboard takes` prints it; the review page shows the takes side by side.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from storyboard.cache import Record
from storyboard.cache.textdiff import diff_text
from storyboard.engine import PlannedNode, node_request_key
from storyboard.errors import Problem, SpecError
from storyboard.graph.nodes import ModelData
from storyboard.spec import suggest

if TYPE_CHECKING:  # annotations only: `Project.takes` calls into this module
    from storyboard.project import Project

PROVIDERS = ("preview", "scenario")  # besides the ones the records name


@dataclass(frozen=True)
class Take:
    key: str
    take: int
    prompt: str | None  # what made it; None when neither the lock nor the index recorded it
    model: str | None
    provider: str
    cost: float
    time: str  # when it was made ("" when not built)
    output: str  # its digest ("" when not built)
    present: bool  # the output is in the local cache
    current: bool  # what the file asks for now
    locked: bool  # the lock's current record (the last built for the file)
    built: bool = True  # False: the take the file asks for, not built yet

    def as_dict(self) -> dict[str, object]:
        return {"key": self.key, "take": self.take, "prompt": self.prompt, "model": self.model,
                "provider": self.provider, "cost": self.cost, "time": self.time,
                "output": self.output, "present": self.present, "current": self.current,
                "locked": self.locked, "built": self.built}


@dataclass(frozen=True)
class ShotTakes:
    shot: str
    node: str  # the node whose output is the shot (its last step)
    label: str
    prompt: str  # the prompt the file asks for now
    takes: tuple[Take, ...]  # by take number, then time

    @property
    def current(self) -> Take | None:
        return next((t for t in self.takes if t.current), None)

    def prompt_diff(self, take: Take) -> str | None:
        """A take's prompt as a word diff against the file's (None: the same, or unknown)."""
        if take.prompt is None or take.prompt == self.prompt:
            return None
        return diff_text(take.prompt, self.prompt)


def shot_takes(project: Project, shot: str, provider: str | None = None) -> ShotTakes:
    if shot not in project.board.shots:
        raise SpecError([Problem(
            f"no shot named '{shot}'", file=str(project.file), code="unknown-target",
            hint=suggest(shot, list(project.board.shots)) or "run `storyboard plan` to list them",
        )])
    node_id = project.graph.shot_node(shot)
    assert node_id is not None
    node = project.graph.nodes[node_id]
    ws = project.ws
    plan = project.plan([shot], provider, estimate=False)
    row = next(r for r in plan.nodes if r.node == node_id)
    prompt = str(node.fields.get("prompt") or "")

    known: dict[str, tuple[Record, bool]] = {}  # key -> (record, locked)
    locked = ws.lock.nodes.get(node_id)
    if locked is not None:
        known[locked.key] = (locked, True)
    for rec in ws.lock.history.get(node_id, []):
        known.setdefault(rec.key, (rec, False))

    # The keys this request has at every take number: finds takes the index remembers and
    # tells which takes were made from the prompt the file has now.
    digests = _input_digests(project, plan.nodes, node.inputs)
    same_request: set[str] = set()
    if digests is not None and isinstance(node.payload, ModelData):
        providers = {row.provider, *PROVIDERS, *(r.provider for r, _ in known.values())}
        top = max([node.take, *(r.take for r, _ in known.values())])
        for name in sorted(providers):
            for take in range(1, top + 1):
                again = replace(node, payload=replace(node.payload, take=take))
                key = node_request_key(again, name, digests)
                same_request.add(key)
                if key not in known and (found := ws.index.get(key)) is not None:
                    known[key] = (found, False)

    takes = []
    for key, (rec, is_locked) in known.items():
        made_by = rec.fields.get("prompt") if rec.fields else None
        if made_by is None and (indexed := ws.index.get(key)) is not None:
            made_by = indexed.fields.get("prompt")
        if made_by is None and key in same_request:
            made_by = prompt
        takes.append(Take(
            key=key, take=rec.take, prompt=None if made_by is None else str(made_by),
            model=rec.model, provider=rec.provider, cost=rec.cost, time=rec.time,
            output=rec.output, present=ws.store.has(rec.output), current=key == row.key,
            locked=is_locked))
    if row.key is not None and row.key not in known:
        takes.append(Take(key=row.key, take=node.take, prompt=prompt, model=node.model_id,
                          provider=row.provider, cost=0.0, time="", output="", present=False,
                          current=True, locked=False, built=False))
    takes.sort(key=lambda t: (t.take, not t.built, t.time, t.key))  # the one to build last
    return ShotTakes(shot, node_id, node.label, prompt, tuple(takes))


def _input_digests(project: Project, rows: tuple[PlannedNode, ...], inputs: tuple[str, ...]
                   ) -> dict[str, str] | None:
    """The digests of the node's inputs as the plan found them; None while one is missing."""
    keys = {r.node: r.key for r in rows}
    digests: dict[str, str] = {}
    for node_id in inputs:
        node = project.graph.nodes[node_id]
        if node.kind == "asset":
            assert node.path is not None
            digests[node_id] = project.ws.stat.digest(project.root / node.path)
            continue
        key = keys.get(node_id)
        rec = project.ws.lookup(key) if key else None
        if rec is None:
            return None
        digests[node_id] = rec.output
    return digests
