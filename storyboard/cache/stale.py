"""`why_stale`: the reasons a node would run, as data, cheapest check first.

Reasons compare what the lock recorded for the node with what the file asks for now:
field by field (old value -> new value), input by input, plus provider, take and a missing or
corrupt output. An empty list means the node is up to date.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from storyboard.cache.lockfile import Record


@dataclass(frozen=True)
class Reason:
    code: str  # new | output missing | field changed | input changed | provider changed | ...
    text: str
    field: str = ""
    old: Any = None
    new: Any = None

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "text": self.text, "field": self.field,
                "old": self.old, "new": self.new}


def _short(v: Any) -> str:
    text = repr(v)
    return text if len(text) <= 60 else text[:57] + "..."


def why_stale(*, key: str | None, cached: bool, previous: Record | None, provider: str,
              fields: dict[str, Any], take: int, inputs: dict[str, str | None],
              labels: dict[str, str] | None = None) -> list[Reason]:
    """Why a node with this `key` is not up to date (empty when it is).

    `previous` is the lock's record for the node; `inputs` maps input node ids to their
    digests (None while an input still has to run).
    """
    if cached:
        return []
    labels = labels or {}
    waiting = [Reason("input pending", f"waits for {labels.get(i, i)}", i)
               for i, d in sorted(inputs.items()) if d is None]
    if previous is None:
        return [Reason("new", "new: never built"), *waiting]
    if key is not None and previous.key == key:
        return [Reason("output missing", "output missing from the cache (made elsewhere? "
                       "`storyboard pull` fetches it)")]
    reasons: list[Reason] = []
    if previous.provider != provider:
        reasons.append(Reason("provider changed", f"provider {previous.provider} -> {provider}",
                              "provider", previous.provider, provider))
    if previous.take != take:
        reasons.append(Reason("take changed", f"take {previous.take} -> {take}", "take",
                              previous.take, take))
    for name in sorted(set(previous.fields) | set(fields)):
        if name in ("take", "source"):
            continue
        old, new = previous.fields.get(name), fields.get(name)
        if old != new:
            reasons.append(Reason("field changed", f"{name} changed: {_short(old)} -> "
                                  f"{_short(new)}", name, old, new))
    for node_id, digest in sorted(inputs.items()):
        label = labels.get(node_id, node_id)
        old_digest = previous.inputs.get(node_id)
        if digest is None:
            reasons.append(Reason("input pending", f"input {label} runs first", node_id))
        elif old_digest is None:
            reasons.append(Reason("input changed", f"input {label} is new", node_id))
        elif old_digest != digest:
            reasons.append(Reason("input changed", f"input {label} changed", node_id,
                                  old_digest[:12], digest[:12]))
    if not reasons:
        reasons.append(Reason("request changed", "the request changed"))
    return reasons
