"""`push` and `pull`: copy the cache objects a lock names to or from a remote, in parallel.

Pull first asks the local store (the stat cache answers without reading a byte), so a pull
with nothing missing never contacts the remote. Every pulled object is hashed on the way in and
kept only if it matches its name. Progress goes to a callback, one `Transfer` per object.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import Literal

from storyboard.cache import ObjectStore
from storyboard.errors import StoryboardError
from storyboard.remote.backend import Remote

Direction = Literal["push", "pull"]
TransferState = Literal["sent", "received", "missing", "corrupt", "failed"]
DEFAULT_JOBS = 8


@dataclass(frozen=True)
class Transfer:
    """One object finished moving (or failed to): a progress event."""

    direction: Direction
    digest: str
    state: TransferState
    size: int
    done: int  # objects finished so far, this one included
    total: int  # objects that had to move
    error: str = ""


@dataclass
class TransferReport:
    direction: Direction
    url: str
    named: int = 0  # objects the lock names
    present: int = 0  # already where they had to be
    moved: list[str] = field(default_factory=list)
    bytes: int = 0
    missing: list[str] = field(default_factory=list)  # pull: not on the remote; push: not here
    corrupt: list[str] = field(default_factory=list)  # the copy read is damaged (pull: remote's,
    # push: the local one, which is then not uploaded)
    failed: list[tuple[str, str]] = field(default_factory=list)
    elapsed: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.corrupt and not self.failed


Progress = Callable[[Transfer], None]


def pull(store: ObjectStore, remote: Remote, digests: Iterable[str], *, jobs: int = DEFAULT_JOBS,
         progress: Progress | None = None) -> TransferReport:
    """Fetch every named object missing from `store`; verify each before keeping it."""
    start = time.perf_counter()
    named = sorted(set(digests))
    report = TransferReport("pull", remote.url, named=len(named))
    need = [d for d in named if not store.has(d)]
    report.present = len(named) - len(need)
    if need:
        remote.check()
        _run(need, lambda d: _pull_one(store, remote, d), report, jobs, progress)
    store.stat.save()
    report.elapsed = time.perf_counter() - start
    return report


def push(store: ObjectStore, remote: Remote, digests: Iterable[str], *, jobs: int = DEFAULT_JOBS,
         force: bool = False, progress: Progress | None = None) -> TransferReport:
    """Upload every named object the remote lacks (or holds at the wrong size; all with
    `force`). Objects missing from the local cache are listed, not an error."""
    start = time.perf_counter()
    named = sorted(set(digests))
    report = TransferReport("push", remote.url, named=len(named))
    remote.check(create=True)
    remote.clean_temps()  # what an upload killed mid-way left (ours or a teammate's)
    there = {} if force else remote.listing()
    todo = []
    for d in named:
        if not force and d in there and _size(store, d) == there[d]:
            report.present += 1
        elif not store.has(d):
            report.missing.append(d)
        else:
            todo.append(d)
    _run(todo, lambda d: _push_one(store, remote, d), report, jobs, progress)
    store.stat.save()
    report.elapsed = time.perf_counter() - start
    return report


def _size(store: ObjectStore, digest: str) -> int:
    try:
        return store.path(digest).stat().st_size
    except OSError:
        return -1


def _pull_one(store: ObjectStore, remote: Remote, digest: str) -> tuple[TransferState, int]:
    store.tmp.mkdir(parents=True, exist_ok=True)
    tmp = store.tmp / f"pull-{uuid.uuid4().hex}"
    try:
        got = remote.download(digest, tmp)
        if got is None:
            return "missing", 0
        size = tmp.stat().st_size
        if got != digest:
            return "corrupt", size
        store.adopt(tmp, digest)
        return "received", size
    finally:
        tmp.unlink(missing_ok=True)


def _push_one(store: ObjectStore, remote: Remote, digest: str) -> tuple[TransferState, int]:
    """Upload one object if the local copy still hashes to its name: a copy damaged on disk
    (even with its mtime restored) never reaches the team under a digest it does not have."""
    got = remote.upload(store.path(digest), digest)
    if got != digest:
        return "corrupt", _size(store, digest)
    return "sent", _size(store, digest)


def _run(todo: list[str], one: Callable[[str], tuple[TransferState, int]],
         report: TransferReport, jobs: int, progress: Progress | None) -> None:
    """Move `todo` on a thread pool; report each object from this thread as it finishes."""
    if not todo:
        return
    done = 0
    with ThreadPoolExecutor(max_workers=max(1, min(jobs, len(todo)))) as pool:
        futures = {pool.submit(one, d): d for d in todo}
        for fut in as_completed(futures):
            d = futures[fut]
            done += 1
            error = ""
            try:
                state, size = fut.result()
            except (StoryboardError, OSError) as exc:
                state, size, error = "failed", 0, " ".join(str(exc).split())
            if state in ("sent", "received"):
                report.moved.append(d)
                report.bytes += size
            elif state == "missing":
                report.missing.append(d)
            elif state == "corrupt":
                report.corrupt.append(d)
                error = ("the remote copy does not match its digest; not used"
                         if report.direction == "pull" else "the local copy does not match "
                         "its digest; not uploaded (rebuild it: `storyboard build`)")
            else:
                report.failed.append((d, error))
            if progress is not None:
                progress(Transfer(report.direction, d, state, size, done, len(todo), error))
    report.moved.sort()
    report.missing.sort()
    report.corrupt.sort()
    report.failed.sort()
