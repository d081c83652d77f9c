"""`storyboard.lock`: what was made, per node, and every earlier output; written here only.

YAML, `schema: 1` first; `nodes` (the current record of each node) and `history` (the earlier
keys of each node: other takes, profiles, prompts), both sorted by node id, keys sorted within
entries, one value per line and a blank line between entries, so two branches that touch
different shots change hunks that never touch and git merges them. Writing the same facts twice
gives the same bytes. A build writes it once, at its end (or when interrupted), atomically;
each node is recorded as it finishes in the run index (`index.py`), from which the next build
rebuilds the lock after a kill.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from storyboard.errors import StoreError

LOCK_SCHEMA = 1
HISTORY_CAP = 20  # earlier keys kept per node: the newest by the time they were made
HISTORY_FIELDS = ("key", "output", "take", "provider", "model", "job", "cost", "time")
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass
class Record:
    """One node's output: what was asked, what came back, who made it and what it cost."""

    key: str
    output: str
    provider: str
    kind: str
    model: str | None = None
    job: str | None = None
    cost: float = 0.0
    time: str = ""
    take: int = 1
    fields: dict[str, Any] = field(default_factory=dict)
    inputs: dict[str, str] = field(default_factory=dict)  # input node id -> content digest

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Record:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)


class _Nodes(dict[str, Record]):
    """The current records; replacing a node's record with another key keeps the old one in
    the history (the engine just assigns `lock.nodes[id] = rec`)."""

    def __init__(self, lock: LockFile) -> None:
        super().__init__()
        self._lock = lock

    def __setitem__(self, node_id: str, rec: Record) -> None:
        old = self.get(node_id)
        if old is not None and old.key != rec.key:
            self._lock.remember(node_id, old)
        self._lock.forget(node_id, rec.key)  # the current key is not also history
        super().__setitem__(node_id, rec)
        self._lock._keys[rec.key] = rec


class LockFile:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.nodes: dict[str, Record] = _Nodes(self)
        self.history: dict[str, list[Record]] = {}
        self._blocks: dict[tuple[str, str], tuple[str, str]] = {}  # render memo
        self._keys: dict[str, Record] = {}  # key -> record: `find` costs the same at any size
        if path.is_file():
            try:
                data = yaml.load(path.read_text("utf-8"), Loader=_LOADER) or {}
            except (OSError, yaml.YAMLError) as exc:
                raise StoreError(f"{path} cannot be read ({exc}); if a git merge left conflict "
                                 "markers in it, take one side (git checkout --theirs -- "
                                 "storyboard.lock) and build, and set up the merge driver "
                                 "(README: storyboard.lock in git); else restore it from git or "
                                 "delete it") from None
            if not isinstance(data, dict) or data.get("schema") != LOCK_SCHEMA:
                raise StoreError(f"{path} is not a storyboard lock of schema {LOCK_SCHEMA}; "
                                 "restore it from git or delete it")
            self._load(data)

    def _load(self, data: dict[str, Any]) -> None:
        for node_id, rec in (data.get("nodes") or {}).items():
            if isinstance(rec, dict):
                dict.__setitem__(self.nodes, str(node_id), Record.from_dict(rec))
        for node_id, entries in (data.get("history") or {}).items():
            current = self.nodes.get(str(node_id))
            for entry in entries or []:
                if isinstance(entry, dict) and "key" in entry and "output" in entry:
                    entry.setdefault("provider", current.provider if current else "")
                    entry.setdefault("kind", current.kind if current else "")
                    self.remember(str(node_id), Record.from_dict(entry))
        # Current records win over history entries of the same key, as `find` promised.
        self._keys.update((r.key, r) for r in self.nodes.values())

    # -- reading ----------------------------------------------------------------------------
    def by_key(self) -> dict[str, Record]:
        return {r.key: r for r in self.nodes.values()}

    def find(self, key: str) -> Record | None:
        """The record for `key`: a current node, else any node's history."""
        return self._keys.get(key)

    def outputs(self) -> set[str]:
        """Every object digest the lock names: current outputs and the history's."""
        named = {r.output for r in self.nodes.values()}
        named |= {r.output for entries in self.history.values() for r in entries}
        return named

    # -- history ----------------------------------------------------------------------------
    def remember(self, node_id: str, rec: Record) -> None:
        """Keep `rec` in `node_id`'s history: deduplicated by key, capped per node."""
        entries = [r for r in self.history.get(node_id, []) if r.key != rec.key]
        kept = replace(rec, fields={}, inputs={})
        entries.append(kept)
        entries.sort(key=lambda r: (r.time, r.key))  # oldest first, as in the file
        self.history[node_id] = entries[-HISTORY_CAP:]
        self._keys.setdefault(rec.key, kept)
        for dropped in entries[:-HISTORY_CAP]:
            if self._scan(dropped.key) is None:  # rare: a node past its history cap
                self._keys.pop(dropped.key, None)

    def _scan(self, key: str) -> Record | None:
        for rec in self.nodes.values():
            if rec.key == key:
                return rec
        for entries in self.history.values():
            for rec in entries:
                if rec.key == key:
                    return rec
        return None

    def forget(self, node_id: str, key: str) -> None:
        if node_id in self.history:
            self.history[node_id] = [r for r in self.history[node_id] if r.key != key]

    def _history_of(self, node_id: str) -> list[Record]:
        current = self.nodes.get(node_id)
        entries = [r for r in self.history.get(node_id, [])
                   if current is None or r.key != current.key]
        return sorted(entries, key=lambda r: (r.time, r.key))

    # -- writing ----------------------------------------------------------------------------
    def render(self) -> str:
        parts = [f"schema: {LOCK_SCHEMA}\n"]
        parts.append("\nnodes:\n" if self.nodes else "\nnodes: {}\n")
        for node_id in sorted(self.nodes):
            parts.append("\n" + self._block("n", node_id, _clean(asdict(self.nodes[node_id]))))
        ids = sorted(set(self.nodes) | {i for i, h in self.history.items() if h})
        parts.append("\nhistory:\n" if ids else "\nhistory: {}\n")
        for node_id in ids:
            # Every node has an entry, `[]` when empty: a branch that gives a node its first
            # history entry edits that line instead of inserting where another branch might.
            entries = [_clean({k: getattr(r, k) for k in HISTORY_FIELDS})
                       for r in self._history_of(node_id)]
            parts.append("\n" + self._block("h", node_id, entries))
        return "".join(parts)

    def _block(self, section: str, node_id: str, value: Any) -> str:
        sig = json.dumps(value, sort_keys=True)
        memo = self._blocks.get((section, node_id))
        if memo is not None and memo[0] == sig:
            return memo[1]
        text = yaml.safe_dump({node_id: value}, sort_keys=True, allow_unicode=True,
                              default_flow_style=False, width=1 << 30)
        text = "".join("  " + line for line in text.splitlines(keepends=True))
        self._blocks[(section, node_id)] = (sig, text)
        return text

    def save(self) -> None:
        text = self.render()
        if self.path.is_file() and self.path.read_text("utf-8") == text:
            return
        tmp = self.path.with_name(f".{self.path.name}.tmp{os.getpid()}")
        try:
            with tmp.open("w", encoding="utf-8") as f:
                f.write(text)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise StoreError(f"cannot write {self.path}: {exc.strerror}; the previous lock is "
                             "intact") from None


def _clean(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v not in (None, {}, "")}
