"""`why_stale`: the reasons a node would run, as data, cheapest check first.

Reasons compare what the lock recorded for the node with what the file asks for now:
field by field (old value -> new value, a word diff when long), input by input, plus provider,
take and a missing or corrupt output; for a cut, entry by entry (added, removed, moved,
trimmed, transitions), the music and the output settings. An empty list means the node is up
to date.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

from storyboard.cache.lockfile import Record
from storyboard.cache.textdiff import change_text, diff_text


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
    if previous.kind == "cut":
        # A lock written before cuts recorded their fields has none: nothing to compare.
        reasons += cut_changes(previous.fields, fields) if previous.fields else []
    else:
        for name in sorted(set(previous.fields) | set(fields)):
            if name in ("take", "source"):
                continue
            old, new = previous.fields.get(name), fields.get(name)
            if old != new:
                reasons.append(Reason("field changed", f"{name} changed: "
                                      f"{change_text(old, new)}", name, old, new))
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


def _entry_text(entry: dict[str, Any]) -> str:
    bits = [str(entry.get("clip"))]
    if entry.get("trim"):
        bits.append(f"trim {entry['trim']}")
    if entry.get("transition"):
        bits.append(f"{entry['transition']} in")
    return ", ".join(bits)


def cut_changes(old: dict[str, Any], new: dict[str, Any]) -> list[Reason]:
    """What changed in a cut (`graph/cutfields.py` fields): entries added, removed or moved,
    trims and transitions of the entries both have, the music and the output settings."""
    reasons: list[Reason] = []
    before: list[dict[str, Any]] = list(old.get("entries") or [])
    after: list[dict[str, Any]] = list(new.get("entries") or [])
    a = [str(e.get("clip")) for e in before]
    b = [str(e.get("clip")) for e in after]
    removed: list[tuple[int, dict[str, Any]]] = []
    added: list[tuple[int, dict[str, Any]]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            for i, j in zip(range(i1, i2), range(j1, j2), strict=True):
                for part in ("trim", "transition"):
                    was, now = before[i].get(part), after[j].get(part)
                    if was != now:
                        none = "none" if part == "trim" else "cut"
                        reasons.append(Reason(
                            "cut changed", f"entry {j + 1} {b[j]}: {part} {was or none} -> "
                            f"{now or none}", f"entries[{j}].{part}", was, now))
            continue
        removed += [(i, before[i]) for i in range(i1, i2)]
        added += [(j, after[j]) for j in range(j1, j2)]
    for i, entry in removed:
        moved = next((p for p in added if p[1].get("clip") == entry.get("clip")), None)
        if moved is not None:
            added.remove(moved)
            reasons.append(Reason("cut changed", f"entry {entry.get('clip')} moved from "
                                  f"{i + 1} to {moved[0] + 1}", "entries", i + 1, moved[0] + 1))
        else:
            reasons.append(Reason("cut changed", f"entry {i + 1} removed: {_entry_text(entry)}",
                                  "entries", _entry_text(entry), None))
    for j, entry in added:
        reasons.append(Reason("cut changed", f"entry {j + 1} added: {_entry_text(entry)}",
                              "entries", None, _entry_text(entry)))
    for name in ("music", "frame", "clip_audio", "output"):
        was, now = old.get(name), new.get(name)
        if was != now:
            # Sentences of settings: a word diff shows the one that changed.
            text = (diff_text(was, now) if isinstance(was, str) and isinstance(now, str)
                    else change_text(was, now))
            reasons.append(Reason("cut changed", f"{name.replace('_', ' ')} changed: {text}",
                                  name, was, now))
    return reasons
