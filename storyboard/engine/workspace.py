"""`Workspace`: everything on disk one project's commands read and write, opened once.

The project folder, `.storyboard/` (stat cache, object store, run index, journal), the lock,
the ffmpeg runner and, during a build, a remote cache to read missing outputs through.
`lookup` answers "is an output for this key here?"; deciding cached-or-run is `status.py`'s.
The lock is read, and media/ imported, on first use: `validate` needs neither.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from storyboard.cache import LockFile, ObjectStore, Record, RunIndex, StatCache
from storyboard.engine.journal import Journal
from storyboard.errors import BusyError, StoreError, UnsafePath
from storyboard.paths import inside

if TYPE_CHECKING:
    from storyboard.media import Ffmpeg

LOCK_MEMO = "lock-memo.json"  # the lock as JSON, valid while the lock's text is unchanged


# The folders under `.storyboard/` whose entries storyboard writes or deletes.
OWN_FOLDERS = ("", "cache", "cache/objects", "cache/tmp", "index", "journal", "tmp")


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
    lock_path: Path
    journal: Journal
    warn: Callable[[str], None] = lambda _m: None
    remote: ReadThrough | None = None  # a shared cache to fetch missing outputs from
    _lock: LockFile | None = field(default=None, repr=False)
    _ffmpeg: Ffmpeg | None = field(default=None, repr=False)

    @classmethod
    def open(cls, root: Path, lock_path: Path, ffmpeg: Ffmpeg | None = None,
             warn: Callable[[str], None] = lambda _m: None) -> Workspace:
        work = root / ".storyboard"
        _check_work(root, work)
        stat = StatCache(work / "stat-cache.json")
        ws = cls(
            root=root, work=work, stat=stat,
            store=ObjectStore(work / "cache", stat, warn),
            index=RunIndex(work / "index", warn),
            lock_path=lock_path,
            journal=Journal(work / "journal"),
            warn=warn, _ffmpeg=ffmpeg,
        )
        if stat.damage:
            warn(stat.damage)
            stat.save()
        return ws

    @property
    def lock(self) -> LockFile:
        """The lock, read (and, when damaged, reported and rewritten) on first use."""
        if self._lock is None:
            self._lock = LockFile(self.lock_path, self.work / LOCK_MEMO)
            self._heal(self._lock)
        return self._lock

    @lock.setter
    def lock(self, lock: LockFile) -> None:
        self._lock = lock

    @property
    def ffmpeg(self) -> Ffmpeg:
        if self._ffmpeg is None:
            from storyboard.media import Ffmpeg
            from storyboard.media.memo import ProbeMemo

            # Probes kept between commands: a rebuilt cut probes no clip it probed before.
            self._ffmpeg = Ffmpeg(memo=ProbeMemo(self.work / "probe-memo.json"))
        return self._ffmpeg

    def _heal(self, lock: LockFile) -> None:
        """Say once what was damaged in the lock, and rewrite it from what could be read (the
        damaged lock is kept under .storyboard/damaged/)."""
        damage, warn = lock.damage, self.warn
        if not damage:
            return
        shown = damage[:5] + ([f"... and {len(damage) - 5} more"] if len(damage) > 5 else [])
        try:
            kept = lock.salvage(self.work / "damaged")
        except (OSError, StoreError) as exc:
            warn("; ".join(shown) + f"; it could not be rewritten ({exc}): fix or delete it")
            return
        warn("; ".join(shown) + f"; the lock was rewritten from the {len(lock.nodes)} "
             f"entries that could be read (the damaged copy is {kept}); outputs it no longer "
             "names are found again by key from the cache when the build runs")

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

    def lookup_quick(self, key: str) -> tuple[bool, Record | None]:
        """`lookup` when memory and a stat or two can answer it, as on the event loop: (True,
        the record or None). (False, None) when the answer needs a file hashed or the remote
        asked: call `lookup` in a worker thread."""
        found = [r for r in (self.lock.find(key), self.index.get(key)) if r is not None]
        for rec in found:  # in `lookup`'s order: the lock's, then the index's
            known = self.store.known(rec.output)
            if known is None:
                return False, None
            if known:
                return True, rec
        return not found or self.remote is None, None

    @contextmanager
    def build_lock(self, wait: bool, command: str) -> Iterator[None]:
        """Hold this project's build lock (one build, or a gc, at a time): a gc never deletes
        the temp files and new objects of a build that is running. On leaving, the remote is
        dropped and the stat cache saved."""
        import filelock  # imported here: commands that run nothing never need it

        self.work.mkdir(parents=True, exist_ok=True)
        lock = filelock.FileLock(str(self.work / "build.lock"), timeout=-1 if wait else 0)
        try:
            lock.acquire()
        except filelock.Timeout:
            hint = " (or run `storyboard build --wait`)" if command == "build" else ""
            raise BusyError(f"another storyboard build is running in {self.root.resolve()}; "
                            f"wait for it to finish before this {command}{hint}") from None
        try:
            yield
        finally:
            self.remote = None
            self.index.close()
            self.stat.save()
            lock.release()

    def tmp(self) -> Path:
        """A scratch folder under `.storyboard/` (same disk as the store: outputs move in)."""
        p = self.work / "tmp"
        p.mkdir(parents=True, exist_ok=True)
        return p


class Scratch:
    """Folders for providers to download into, reused across the nodes of one run: making and
    removing a temporary folder per node, or even listing one, cost milliseconds of system time
    on a busy disk (5,000 nodes: seconds). One fetch at a time uses a folder; after a fetch that
    succeeded (its file moved into the store) the folder goes to the next one unlisted, so a
    provider names what it writes by job id (both of ours do); after a failure it is removed.
    `close` removes them all (a kill leaves them to the next build's cleaning)."""

    def __init__(self, parent: Path) -> None:
        self.parent = parent
        self._free: list[Path] = []
        self._made: list[Path] = []

    @contextmanager
    def folder(self) -> Iterator[Path]:
        if self._free:
            path = self._free.pop()
        else:
            path = Path(tempfile.mkdtemp(prefix="fetch-", dir=self.parent))
            self._made.append(path)
        try:
            yield path
        except BaseException:
            self._made.remove(path)  # whatever a failed fetch left never reaches another node
            shutil.rmtree(path, ignore_errors=True)
            raise
        self._free.append(path)

    def close(self) -> None:
        for path in self._made:
            shutil.rmtree(path, ignore_errors=True)
        self._made.clear()
        self._free.clear()


def _check_work(root: Path, work: Path) -> None:
    """`.storyboard/` must be a folder of this project (or absent): never a file, and never a
    link that would make cache writes and deletes land elsewhere."""
    if work.is_symlink() and not inside(root, work):
        raise UnsafePath(f"{work} is a link leading outside the project; storyboard writes and "
                         "deletes in it (remove the link; storyboard makes the folder)")
    if work.exists() and not work.is_dir():
        raise UnsafePath(f"{work} is a file, not storyboard's working folder (move or delete "
                         "it; storyboard makes the folder)")
    # storyboard never makes a link in its own folders: one there came with a clone and would
    # steer a write (the run index, the journal, a cache object) to any file the user owns.
    for folder in OWN_FOLDERS:
        try:
            entries = list(os.scandir(work / folder))
        except (FileNotFoundError, NotADirectoryError):
            continue
        except OSError as exc:
            raise UnsafePath(f"{work / folder} cannot be read ({exc.strerror}); delete "
                             f"{work} (it is only a cache) and run again") from None
        for entry in entries:
            if entry.is_symlink():
                raise UnsafePath(f"{entry.path} is a link; storyboard never makes links in "
                                 f"{work} and never writes through one (delete the link, or "
                                 f"the whole {work.name}/ folder: it is only a cache)")
