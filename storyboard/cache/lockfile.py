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
import re
import shutil
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from storyboard.cache import lockmemo, lockyaml
from storyboard.errors import LockError, StoreError, UnsafePath
from storyboard.paths import is_digest, read_bounded, write_atomic

LOCK_SCHEMA = 1
HISTORY_CAP = 20  # earlier keys kept per node: the newest by the time they were made
HISTORY_FIELDS = ("key", "output", "take", "provider", "model", "job", "cost", "time")
MAX_LOCK_BYTES = 64 * 1024 * 1024  # far above any real film's lock; bounds a hostile one
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# libyaml's emitter writes the same bytes as PyYAML's pure one except for a carriage return,
# NEL and characters beyond the BMP (it escapes them): those few blocks take the pure path, so
# a lock's bytes never depend on whether PyYAML was built with libyaml.
_FAST_DUMPER: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_RESOLVERS = yaml.SafeDumper.yaml_implicit_resolvers  # how PyYAML would read a plain text
# A line git's merge starts with a conflict marker (any of splitlines' line breaks before it).
_CONFLICT = re.compile(r"(?:\A|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029])(?:<<<<<<<|>>>>>>>) ")
_DIFFERS = re.compile(r"\\(r|u0085|ud[89ab])", re.IGNORECASE)  # in JSON's ASCII escapes


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
    def from_dict(cls, data: object) -> Record:
        """A record from parsed data; ValueError saying what is wrong when it is not one (a
        lock or index entry is untrusted: its `output` names the object that is read and, when
        corrupt, deleted, so it must be a digest, never a path)."""
        if not isinstance(data, dict):
            raise ValueError(f"is {type(data).__name__}, not a mapping")
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        for name in ("key", "output"):
            if not is_digest(known.get(name)):
                raise ValueError(f"'{name}' is {_short(known.get(name))}, not a content digest")
        for name in ("provider", "kind", "time", "model", "job"):
            if known.get(name) is not None and not isinstance(known[name], str):
                raise ValueError(f"'{name}' is {_short(known[name])}, not text")
        for name in ("provider", "kind"):
            known.setdefault(name, "")
        cost, take = known.get("cost", 0.0), known.get("take", 1)
        if isinstance(cost, bool) or not isinstance(cost, int | float) or not cost >= 0:
            raise ValueError(f"'cost' is {_short(cost)}, not a number of credits")
        if isinstance(take, bool) or not isinstance(take, int):
            raise ValueError(f"'take' is {_short(take)}, not a whole number")
        if not isinstance(known.get("fields", {}), dict):
            raise ValueError("'fields' is not a mapping")
        inputs = known.get("inputs", {})
        if not isinstance(inputs, dict) or not all(is_digest(v) for v in inputs.values()):
            raise ValueError("'inputs' is not a mapping of node ids to digests")
        return cls(**known)


_RECORD_FIELDS = tuple(Record.__dataclass_fields__)


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


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
        self._lock._dirty = self._lock._dirty or old != rec


class LockFile:
    """The lock, read as untrusted input: an entry that is not a valid record is dropped and
    named in `damage` (with its line), and a file that is not YAML at all reads as empty; the
    project layer reports that once, sets the damaged copy aside and rewrites the lock from what
    could be read (`salvage`). Only conflict markers from a git merge stay an error: taking a
    side (or the merge driver) loses nothing, rebuilding would."""

    def __init__(self, path: Path, memo: Path | None = None) -> None:
        self.path = path
        self.memo = memo  # where the JSON memo of the lock goes (lockmemo.py); None: no memo
        self.nodes: dict[str, Record] = _Nodes(self)
        self.history: dict[str, list[Record]] = {}
        self.damage: list[str] = []  # "storyboard.lock:12: node 'x': ..." for each dropped part
        self._blocks: dict[tuple[str, str], tuple[Any, str]] = {}  # render memo: value, text
        self._unseeded: tuple[dict[str, Any], lockmemo.Spans, str] | None = None  # `_seed`'s
        self._keys: dict[str, Record] = {}  # key -> record: `find` costs the same at any size
        self._text = ""
        self._dirty = False  # changed since read: only then does `save` render and write
        self._read_whole = False  # read from the file without damage
        self._read(path)
        self._dirty = False

    def _read(self, path: Path) -> None:
        try:
            raw = read_bounded(path, MAX_LOCK_BYTES) if path.exists() else None
        except (OSError, UnsafePath) as exc:
            raise LockError(f"{path} cannot be read ({getattr(exc, 'strerror', None) or exc}); "
                             "restore it from git or delete it") from None
        if raw is None:
            return
        text = raw.decode("utf-8", "replace")
        if ("<<<<<<< " in text or ">>>>>>> " in text) and _CONFLICT.search(text):
            raise LockError(f"{path} has git conflict markers; take one side (git checkout "
                             "--theirs -- storyboard.lock) and build, and set up the merge driver "
                             "(README: storyboard.lock in git)")
        hit = lockmemo.read(self.memo, text) if self.memo is not None else None
        if hit is not None:
            self._unseeded = (hit[0], hit[1], text)  # seeded when first rendered: a command
            self._load(hit[0], text)  # that only reads the lock never renders it
            self._read_whole = not self.damage
            return
        try:
            data = yaml.load(text, Loader=_LOADER) or {}
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
            self.damage.append(f"{where}: not valid YAML ({getattr(exc, 'problem', '') or exc})")
            return
        schema = data.get("schema") if isinstance(data, dict) else None
        if isinstance(schema, int) and schema != LOCK_SCHEMA:  # another release's: keep it
            raise LockError(f"{path} is not a storyboard lock of schema {LOCK_SCHEMA} (it says "
                            f"schema {schema}); use the storyboard release that wrote it, or "
                            "restore it from git")
        if not isinstance(data, dict) or schema != LOCK_SCHEMA:
            self.damage.append(f"{path}:1: not a storyboard lock of schema {LOCK_SCHEMA}")
            return
        self._load(data, text)
        self._read_whole = not self.damage
        if self.memo is not None and self._read_whole:
            rendered, data, spans = self._render()  # seeds the render memo as well
            if rendered == text:  # exactly what storyboard writes: remember it as JSON
                lockmemo.write(self.memo, text, data, spans)

    def _seed(self, data: dict[str, Any], spans: lockmemo.Spans, text: str) -> None:
        """The render memo from the memo file: each block as it stands in `text`."""
        for section, part in (("n", "nodes"), ("h", "history")):
            values, found = data.get(part), spans.get(section)
            if not isinstance(values, dict) or not isinstance(found, dict):
                continue
            for node_id, span in found.items():
                block = text[span[0]:span[1]] if isinstance(span, list) and len(span) == 2 \
                    and all(isinstance(i, int) for i in span) else ""
                if node_id in values and block.startswith(f"  {node_id}:"):
                    self._blocks[(section, node_id)] = (values[node_id], block)

    def _load(self, data: dict[str, Any], text: str) -> None:
        self._text = text
        nodes, history = data.get("nodes") or {}, data.get("history") or {}
        for section, value in (("nodes", nodes), ("history", history)):
            if not isinstance(value, dict):
                self.damage.append(f"{self.path}:{_line(text, section + ':')}: '{section}' is "
                                   f"{type(value).__name__}, not a mapping")
        for node_id, rec in (nodes.items() if isinstance(nodes, dict) else ()):
            try:
                dict.__setitem__(self.nodes, str(node_id), Record.from_dict(rec))
            except (ValueError, TypeError) as exc:
                self._damaged(node_id, exc)
        for node_id, entries in (history.items() if isinstance(history, dict) else ()):
            current = self.nodes.get(str(node_id))
            for entry in entries if isinstance(entries, list) else [entries]:
                if isinstance(entry, dict):  # a copy: the render memo holds the read data
                    entry = {"provider": current.provider if current else "",
                             "kind": current.kind if current else "", **entry}
                try:
                    self.remember(str(node_id), Record.from_dict(entry))
                except (ValueError, TypeError) as exc:
                    self._damaged(node_id, exc, "history of ")
        # Current records win over history entries of the same key, as `find` promised.
        self._keys.update((r.key, r) for r in self.nodes.values())

    def _damaged(self, node_id: object, exc: Exception, part: str = "") -> None:
        line = _line(self._text, f"  {node_id}:")
        self.damage.append(f"{self.path}:{line}: {part}node {str(node_id)[:80]!r}: {exc}")

    def salvage(self, aside: Path) -> Path | None:
        """After damage: keep the damaged file in `aside` and write the lock from what could be
        read, so the damage is reported once. Returns where the damaged copy went."""
        if not self.damage or not self.path.is_file():
            return None
        aside.mkdir(parents=True, exist_ok=True)
        kept = aside / f"{self.path.name}.{now_stamp()}"
        shutil.copyfile(self.path, kept)
        self.save()
        return kept

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
        self._dirty = True
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
        entries = self.history.get(node_id)
        if entries and any(r.key == key for r in entries):
            self.history[node_id] = [r for r in entries if r.key != key]
            self._dirty = True

    def _history_of(self, node_id: str) -> list[Record]:
        current = self.nodes.get(node_id)
        entries = [r for r in self.history.get(node_id, [])
                   if current is None or r.key != current.key]
        return sorted(entries, key=lambda r: (r.time, r.key))

    # -- writing ----------------------------------------------------------------------------
    def render(self) -> str:
        return self._render()[0]

    def _render(self) -> tuple[str, dict[str, Any], lockmemo.Spans]:
        """The text, the data it holds (what reading it gives) and where each block lies."""
        if self._unseeded is not None:
            self._seed(*self._unseeded)
            self._unseeded = None
        parts = [f"schema: {LOCK_SCHEMA}\n"]
        parts.append("\nnodes:\n" if self.nodes else "\nnodes: {}\n")
        size = len(parts[0]) + len(parts[1])
        nodes: dict[str, Any] = {}
        history: dict[str, Any] = {}
        spans: lockmemo.Spans = {"n": {}, "h": {}}
        for node_id in sorted(self.nodes):
            value = nodes[node_id] = _clean(_as_dict(self.nodes[node_id]))
            block = self._block("n", node_id, value)
            spans["n"][node_id] = [size + 1, size + 1 + len(block)]
            parts.append("\n" + block)
            size += 1 + len(block)
        ids = sorted(set(self.nodes) | {i for i, h in self.history.items() if h})
        parts.append("\nhistory:\n" if ids else "\nhistory: {}\n")
        size += len(parts[-1])
        for node_id in ids:
            # Every node has an entry, `[]` when empty: a branch that gives a node its first
            # history entry edits that line instead of inserting where another branch might.
            entries = history[node_id] = [
                _clean({k: getattr(r, k) for k in HISTORY_FIELDS})
                for r in self._history_of(node_id)]
            block = self._block("h", node_id, entries)
            spans["h"][node_id] = [size + 1, size + 1 + len(block)]
            parts.append("\n" + block)
            size += 1 + len(block)
        data = {"schema": LOCK_SCHEMA, "nodes": nodes, "history": history}
        return "".join(parts), data, spans

    def _block(self, section: str, node_id: str, value: Any) -> str:
        memo = self._blocks.get((section, node_id))
        if memo is not None and memo[0] == value:
            return memo[1]
        try:
            text = lockyaml.block(node_id, value, _RESOLVERS)
        except lockyaml.Unusual:
            sig = json.dumps(value, sort_keys=True)
            slow = _DIFFERS.search(sig) or _DIFFERS.search(json.dumps(node_id))
            text = yaml.dump({node_id: value}, Dumper=yaml.SafeDumper if slow else _FAST_DUMPER,
                             sort_keys=True, allow_unicode=True, default_flow_style=False,
                             width=1 << 30)
        text = "".join("  " + line for line in text.splitlines(keepends=True))
        self._blocks[(section, node_id)] = (value, text)
        return text

    def save(self) -> None:
        if not self._dirty and self._read_whole and self.path.is_file():
            return  # the same facts as read: the same bytes, nothing to render
        text, data, spans = self._render()
        if self.path.is_file() and self.path.read_text("utf-8") == text:
            self._remember(text, data, spans)
            return
        try:
            write_atomic(self.path, text.encode("utf-8"), durable=True)
        except OSError as exc:
            raise StoreError(f"cannot write {self.path}: {exc.strerror}; the previous lock is "
                             "intact") from None
        self._remember(text, data, spans)

    def _remember(self, text: str, data: dict[str, Any], spans: lockmemo.Spans) -> None:
        """The file now holds exactly `text`: unchanged until the next change, and memoised."""
        self._dirty, self._read_whole = False, True
        if self.memo is not None:
            lockmemo.write(self.memo, text, data, spans)


def _as_dict(rec: Record) -> dict[str, Any]:
    """A record's fields, shallow: `asdict` deep-copies every value, 5,000 times per lock."""
    return {k: getattr(rec, k) for k in _RECORD_FIELDS}


def _clean(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v not in (None, {}, "")}


def _line(text: str, start: str) -> int:
    """The 1-based line where `start` begins a line (1 when it cannot be found)."""
    for i, line in enumerate(text.splitlines(), 1):
        if line.startswith(start):
            return i
    return 1


def now_stamp() -> str:
    return time.strftime("%Y%m%dT%H%M%S", time.gmtime()) + f"-{os.getpid()}"
