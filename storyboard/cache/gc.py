"""`gc`: remove cache objects nothing names, and temp files that dead processes left behind.

An object is kept when the lock (current nodes or history), the run index (every key built in
this working copy, on any branch) or the journal names it. Files younger than `grace` seconds
are kept too: a build running right now may have stored an object it has not recorded yet.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from storyboard.cache.index import RunIndex
from storyboard.cache.lockfile import LockFile
from storyboard.cache.store import ObjectStore
from storyboard.errors import UnsafePath
from storyboard.paths import inside, is_digest, remove_object

DEFAULT_GRACE = 600.0  # seconds
ATOMIC_TMP = re.compile(r"\.tmp\d+$")  # `with_suffix(f".tmp{pid}")` in index, journal, stat


@dataclass
class GcReport:
    dry_run: bool
    kept: int = 0  # objects something names
    recent: int = 0  # unnamed but younger than the grace period
    objects: list[tuple[str, int]] = field(default_factory=list)  # (digest, size) removed
    temps: list[tuple[str, int]] = field(default_factory=list)  # (path, size) removed

    @property
    def freed(self) -> int:
        return sum(s for _, s in self.objects) + sum(s for _, s in self.temps)


def named_objects(lock: LockFile, index: RunIndex, journal_outputs: Iterable[str]) -> set[str]:
    named = lock.outputs()
    for rec in index.all():
        named.add(rec.output)
        named.update(rec.inputs.values())
    named.update(journal_outputs)
    return named


def collect(store: ObjectStore, named: set[str], work: Path, lock_path: Path, *,
            dry_run: bool = False, grace: float = DEFAULT_GRACE,
            now: float | None = None) -> GcReport:
    """Remove (or with `dry_run` only list) unnamed objects and orphan temp files."""
    cutoff = (time.time() if now is None else now) - grace
    report = GcReport(dry_run)
    if store.objects.is_dir():
        for p in sorted(store.objects.glob("*/*")):
            try:
                st = p.stat()
            except OSError:
                continue
            if not p.is_file() or not is_digest(p.name):
                continue  # only objects named by their digest are ever deleted
            if p.name in named:
                report.kept += 1
            elif st.st_mtime > cutoff:
                report.recent += 1
            else:
                report.objects.append((p.name, st.st_size))
                if not dry_run:
                    store.stat.entries.pop(str(p.resolve()), None)
                    store.stat.dirty = True
                    try:
                        remove_object(store.objects, p.name)
                    except (OSError, UnsafePath):
                        report.objects.pop()  # not removed: not reported as freed
    for path, size in orphan_temps(work, lock_path, cutoff):
        report.temps.append((str(path), size))
        if not dry_run:
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
    if not dry_run:
        store.stat.save()
    return report


def orphan_temps(work: Path, lock_path: Path, cutoff: float) -> list[tuple[Path, int]]:
    """Temp files and folders older than `cutoff`: everything in the cache's and the engine's
    temp folders, and the `NAME.tmp<pid>` files of interrupted atomic writes (index, journal,
    stat cache, lock). Nothing else in the project folder is touched."""
    candidates: list[Path] = []
    for folder in (work / "cache" / "tmp", work / "tmp"):
        if folder.is_dir() and not folder.is_symlink() and inside(work, folder):
            candidates += folder.iterdir()
    for pattern in ("index/*/*.tmp*", "journal/*.tmp*", "*.tmp*"):
        candidates += [p for p in work.glob(pattern) if ATOMIC_TMP.search(p.name)]
    lock_tmp = re.compile(rf"^\.{re.escape(lock_path.name)}\.tmp\d+$")
    if lock_path.parent.is_dir():
        candidates += [p for p in lock_path.parent.iterdir() if lock_tmp.match(p.name)]
    found = []
    for p in sorted(set(candidates)):
        if not inside(lock_path.parent, p.parent):
            continue  # a linked folder leading elsewhere: nothing there is ours to delete
        try:
            st = p.lstat()
        except OSError:
            continue
        if st.st_mtime <= cutoff:
            found.append((p, _size(p) if p.is_dir() else st.st_size))
    return found


def _size(folder: Path) -> int:
    total = 0
    for dirpath, _dirs, files in os.walk(folder):
        for f in files:
            try:
                total += (Path(dirpath) / f).lstat().st_size
            except OSError:
                continue
    return total
