"""Status: the one answer to "is this node cached, does it run, and why", per node.

`Statuses.of(node, digests)` computes the node's key from its input digests (None while an
input is unknown), looks the key up (run index, lock, history, remote), and says why it is
stale (`cache.why_stale`). `Project.plan`, `status`, `why`, the review page and the engine all
read it, so what the plan promises is what the build does. The provider's `name` (not the
string it was loaded with) goes into every key, as the engine records it.

A `Statuses` lives for one command: an output it found is remembered by key, so the engine
does not re-read what the plan just verified (nothing leaves the store during a build).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from storyboard.cache import Reason, Record, node_key, why_stale
from storyboard.engine.events import PlanStatus
from storyboard.engine.workspace import Workspace
from storyboard.graph import Graph, Node
from storyboard.refs import ref

LOCAL = "local"  # the provider name recorded for frames, local loops and cuts
State = PlanStatus  # what a plan row shows is the status itself


@dataclass(frozen=True)
class NodeStatus:
    node: str
    state: State  # cached: an output for `key` is here; blocked: an input is not known yet
    reasons: tuple[Reason, ...]  # empty when cached
    key: str | None  # None while blocked
    record: Record | None  # the stored output when cached

    @property
    def output(self) -> str | None:
        return self.record.output if self.record is not None else None


def node_request_key(node: Node, provider: str, digests: Mapping[str, str]) -> str:
    """The key of any node, given the digests of its inputs and the provider's name."""
    # Only the inputs' digests: `digests` may hold every node's so far (a plan's does), and
    # copying it per node made a plan quadratic.
    mine = {i: digests[i] for i in node.inputs}
    if node.kind == "cut":
        return node_key("cut", LOCAL, None, cut_body(node), mine)
    if node.kind in ("frame", "local_loop"):
        return node_key(node.kind, LOCAL, None, node.body, mine)
    return node_key(node.kind, provider, node.model_id, node.body, mine, node.take)


def cut_body(node: Node) -> dict[str, Any]:
    """What a cut's output depends on, inputs as references (as a model node's body)."""
    assert node.cut is not None
    c = node.cut
    return {
        "segments": [{"clip": ref(s.node), "in": s.trim_in, "out": s.trim_out,
                      "transition": s.transition, "transition_duration": s.transition_duration}
                     for s in c.segments],
        "width": c.width, "height": c.height, "fps": c.fps, "fit": c.fit,
        "audio": ({"asset": ref(c.audio.node), "volume": c.audio.volume,
                   "fade_in": c.audio.fade_in, "fade_out": c.audio.fade_out,
                   "start": c.audio.start} if c.audio else None),
        "clip_audio": c.clip_audio,
        "renderer": 1,
    }


class Statuses:
    """Status of the nodes of one graph, for one command and one provider name."""

    def __init__(self, graph: Graph, ws: Workspace, provider: str) -> None:
        self.graph = graph
        self.ws = ws
        self.provider = provider  # `Provider.name`: what keys and the lock record
        self._found: dict[str, Record] = {}

    def recorded_provider(self, node: Node) -> str:
        """The provider name a node's record carries: ours for model nodes, else local."""
        return self.provider if node.runs_model else LOCAL

    def of(self, node_id: str, digests: Mapping[str, str]) -> NodeStatus:
        """The status of `node_id` given the digests known so far (inputs not in `digests`
        still have to run). May hash a file or ask the remote: the engine calls it from a
        worker thread when `quick` cannot answer."""
        status = self._status(node_id, digests, quick=False)
        assert status is not None
        return status

    def quick(self, node_id: str, digests: Mapping[str, str]) -> NodeStatus | None:
        """`of`, when memory and a stat or two answer it (what a fresh build meets at every
        node): cheap enough for the event loop, where a hop to a thread and back costs more
        than the answer. None when a file must be hashed or the remote asked: call `of`."""
        return self._status(node_id, digests, quick=True)

    def _status(self, node_id: str, digests: Mapping[str, str], quick: bool
                ) -> NodeStatus | None:
        node = self.graph.nodes[node_id]
        ready = all(i in digests for i in node.inputs)
        key = node_request_key(node, self.provider, digests) if ready else None
        rec = None
        if key is not None and quick and key not in self._found:
            answered, rec = self.ws.lookup_quick(key)
            if not answered:
                return None
            if rec is not None:
                self._found[key] = rec
        elif key is not None:
            rec = self._find(key)
        if rec is not None:  # cached: no reasons (why_stale's first answer), nothing copied
            return NodeStatus(node_id, "cached", (), key, rec)
        reasons = why_stale(
            key=key, cached=False, previous=self.ws.lock.nodes.get(node_id),
            provider=self.recorded_provider(node), fields=dict(node.fields), take=node.take,
            inputs={i: digests.get(i) for i in node.inputs},
            labels={i: self.graph.nodes[i].label for i in node.inputs},
        )
        return NodeStatus(node_id, "to run" if ready else "blocked", tuple(reasons), key, None)

    def _find(self, key: str) -> Record | None:
        rec = self._found.get(key)
        if rec is None:
            rec = self.ws.lookup(key)
            if rec is not None:
                self._found[key] = rec
        return rec
