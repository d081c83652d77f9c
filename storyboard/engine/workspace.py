"""`Workspace`: everything on disk one project's commands read and write, opened once.

The project folder, `.storyboard/` (stat cache, object store, run index, journal), the lock,
the ffmpeg runner and, during a build, a remote cache to read missing outputs through.
`lookup` answers "is an output for this key here?"; deciding cached-or-run is `status.py`'s.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from storyboard.cache import LockFile, ObjectStore, Record, RunIndex, StatCache
from storyboard.engine.journal import Journal
from storyboard.media import Ffmpeg


class ReadThrough(Protocol):
    """A remote cache (storyboard.remote.Remote): put a verified copy of an object in the store."""

    def fetch(self, digest: str, store: ObjectStore) -> bool: ...


@dataclass
class Workspace:
    """Everything on disk a build reads and writes, for one project."""

    root: Path  # the project folder
    work: Path  # .storyboard/
    stat: StatCache
    store: ObjectStore
    index: RunIndex
    lock: LockFile
    journal: Journal
    ffmpeg: Ffmpeg
    remote: ReadThrough | None = None  # a shared cache to fetch missing outputs from

    @classmethod
    def open(cls, root: Path, lock_path: Path, ffmpeg: Ffmpeg | None = None,
             warn: Callable[[str], None] = lambda _m: None) -> Workspace:
        work = root / ".storyboard"
        stat = StatCache(work / "stat-cache.json")
        return cls(
            root=root, work=work, stat=stat,
            store=ObjectStore(work / "cache", stat, warn),
            index=RunIndex(work / "index"),
            lock=LockFile(lock_path),
            journal=Journal(work / "journal"),
            ffmpeg=ffmpeg or Ffmpeg(),
        )

    def lookup(self, key: str) -> Record | None:
        """A stored output for `key`: from the lock or its history (already in memory: a
        built project reads nothing more), else from the run index (other takes, a build the
        lock was not written for); an output missing here is read through the remote."""
        found = [r for r in (self.lock.find(key),) if r is not None]
        for rec in found:
            if self.store.has(rec.output):
                return rec
        indexed = self.index.get(key)
        if indexed is not None and all(indexed.output != r.output for r in found):
            if self.store.has(indexed.output):
                return indexed
            found.append(indexed)
        for rec in found:
            if self.remote is not None and self.remote.fetch(rec.output, self.store):
                return rec
        return None

    def tmp(self) -> Path:
        """A scratch folder under `.storyboard/` (same disk as the store: outputs move in)."""
        p = self.work / "tmp"
        p.mkdir(parents=True, exist_ok=True)
        return p
