"""Content digests of files, and the stat cache that lets a no-op build hash nothing.

A file's digest is remembered with its (size, mtime_ns, inode, ctime_ns); while those match,
the file is not read again. ctime is in the signature because it cannot be set back: a cache
object changed with its mtime restored (touch -r) is re-hashed before it is trusted. An entry
is "racy" (git's term) when the file's ctime or mtime is within the file system's timestamp
granularity of the moment the entry was recorded: a rewrite in that same tick, same size, mtime
restored, leaves every field of the signature as it was, so such an entry is re-hashed before it
is trusted (and re-recorded, so it is trusted once the tick has passed). The cache
is one JSON file under `.storyboard/`, loaded once per command; a damaged one is reported once
(`damage`) and rebuilt, costing only re-hashing.
"""

from __future__ import annotations

import json
import os
import stat
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from storyboard.errors import StoreError, UnsafePath
from storyboard.hashing import hash_file
from storyboard.paths import is_digest, read_bounded, write_atomic

MAX_STAT_BYTES = 256 * 1024 * 1024  # a real stat cache is far smaller; bounds a hostile one
# How close to the recording time a file's timestamps make its entry doubtful. Nanosecond file
# systems stamp from the kernel's coarse clock (one jiffy, at most 10 ms, behind); file systems
# that keep whole seconds (ext3, HFS+) or two (FAT) show it as timestamps that are whole seconds.
FINE_MARGIN_NS = 50_000_000
COARSE_MARGIN_NS = 2_000_000_000


def now_ns() -> int:
    """The recording clock; a test replaces it to say "this entry was recorded much later"."""
    return time.time_ns()


def racy(st: os.stat_result, recorded_ns: int) -> bool:
    """True when the file could have been rewritten after `recorded_ns` without its stat
    signature showing it: its timestamps fall within one granularity of the recording."""
    coarse = st.st_mtime_ns % 1_000_000_000 == 0 and st.st_ctime_ns % 1_000_000_000 == 0
    margin = COARSE_MARGIN_NS if coarse else FINE_MARGIN_NS
    return max(st.st_mtime_ns, st.st_ctime_ns) >= recorded_ns - margin


class StatCache:
    """path -> [size, mtime_ns, inode, ctime_ns, recorded_ns, digest], plus small facts (probe
    results) per digest."""

    def __init__(self, file: Path, clock: Callable[[], int] | None = None) -> None:
        self.file = file
        self.clock = clock or now_ns
        self.entries: dict[str, list[Any]] = {}
        self.facts: dict[str, dict[str, Any]] = {}
        self.dirty = False
        self.damage = ""  # why the file on disk was not used ("" when it was, or is absent)
        self.hashed = 0  # how many files were actually read: a no-op build keeps this at 0
        self._dirs: dict[str, str] = {}  # folder as given -> with every link followed
        if file.exists() or file.is_symlink():
            self._read()

    def _read(self) -> None:
        try:
            data = json.loads(read_bounded(self.file, MAX_STAT_BYTES, follow=False))
            entries, facts = data["entries"], data["facts"]
            if not isinstance(entries, dict) or not isinstance(facts, dict):
                raise ValueError("'entries' and 'facts' must be mappings")
            self.entries = {k: v for k, v in entries.items() if _good_entry(v)}
            self.facts = {k: v for k, v in facts.items() if isinstance(v, dict)}
        except (OSError, ValueError, TypeError, KeyError, UnsafePath) as exc:
            # Only a cache: rebuilt by hashing again; saved at once so this is said once.
            self.damage = (f"{self.file}: damaged ({' '.join(str(exc).split())[:200]}); it is "
                           "rebuilt (files are hashed again)")
            self.entries, self.facts, self.dirty = {}, {}, True

    @staticmethod
    def _sig(st: os.stat_result) -> list[int]:
        return [st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns]

    @staticmethod
    def _trusted(hit: list[Any], st: os.stat_result) -> bool:
        return hit[:4] == StatCache._sig(st) and not racy(st, hit[4])

    def _look(self, path: Path | str) -> tuple[str, os.stat_result]:
        """The entry key (the path with every link followed) and the file's stat. A folder is
        resolved once per command, not once per file: `resolve` stats every component of the
        path, 5,000 objects times eight. A file that is itself a link is resolved in full."""
        st = os.lstat(path)
        if stat.S_ISLNK(st.st_mode):
            return str(Path(path).resolve()), os.stat(path)
        parent, name = os.path.split(path)
        if name in ("", ".", ".."):
            return str(Path(path).resolve()), st
        if not os.path.isabs(parent):  # as seen from the working folder of this moment
            parent = os.path.join(os.getcwd(), parent)
        real = self._dirs.get(parent)
        if real is None:
            real = self._dirs[parent] = str(Path(parent).resolve())
        return os.path.join(real, name), st

    def digest(self, path: Path) -> str:
        try:
            recorded = self.clock()  # before the stat: an earlier time only makes more doubt
            key, st = self._look(path)
            hit = self.entries.get(key)
            if hit is not None and self._trusted(hit, st):
                return str(hit[-1])
            digest = hash_file(path)
        except (OSError, RuntimeError) as exc:  # RuntimeError: a symlink loop (Python 3.11)
            raise StoreError(f"cannot read {path}: {getattr(exc, 'strerror', None) or exc}"
                             ) from None
        self.hashed += 1
        self.entries[key] = [*self._sig(st), recorded, digest]
        self.dirty = True
        return digest

    def remember(self, path: Path, digest: str) -> None:
        """Record a digest we already know (we just wrote the file)."""
        recorded = self.clock()
        key, st = self._look(path)
        self.entries[key] = [*self._sig(st), recorded, digest]
        self.dirty = True

    def unchanged(self, path: Path | str, digest: str) -> bool:
        """True when `path` still has the stat signature it had when it hashed to `digest`
        (a string path costs no `Path`: the store asks this for every output a plan finds)."""
        try:
            key, st = self._look(path)
        except (OSError, RuntimeError):
            return False
        hit = self.entries.get(key)
        return hit is not None and self._trusted(hit, st) and hit[-1] == digest

    def holds(self, path: str, digest: str) -> bool | None:
        """Whether the file at `path` holds `digest`, with one lstat when its entry is trusted
        and one more read when it must be hashed again (a racy entry: the first plan after a
        build meets 5,000): True or False, and None when there is no regular file there. False
        also when it cannot be read."""
        recorded = self.clock()  # before the stat, as in `digest`
        looked = self._regular(path)
        if looked is None:
            return None
        key, st = looked
        hit = self.entries.get(key)
        if hit is not None and self._trusted(hit, st):
            return bool(hit[-1] == digest)
        try:
            found = hash_file(path)
        except (OSError, RuntimeError, UnsafePath):
            return False
        self.hashed += 1
        self.entries[key] = [*self._sig(st), recorded, found]
        self.dirty = True
        return found == digest

    def knows(self, path: str, digest: str) -> bool | None:
        """`holds` without reading the file: False when there is no regular file at `path`,
        True when its trusted entry says `digest`, None when only hashing it can tell (no
        trusted entry, or one naming other content)."""
        looked = self._regular(path)
        if looked is None:
            return False
        hit = self.entries.get(looked[0])
        return True if hit is not None and self._trusted(hit, looked[1]) and \
            hit[-1] == digest else None

    def _regular(self, path: str) -> tuple[str, os.stat_result] | None:
        """`_look` for a regular file; None when there is none (or it cannot be looked at)."""
        try:
            key, st = self._look(path)
        except (OSError, RuntimeError):
            return None
        return (key, st) if stat.S_ISREG(st.st_mode) else None

    def save(self) -> None:
        if not self.dirty:
            return
        try:
            self.file.parent.mkdir(parents=True, exist_ok=True)
            if self.file.is_dir() and not self.file.is_symlink():
                return  # a folder in its place: keep working without a stat cache
            write_atomic(self.file, json.dumps({"entries": self.entries, "facts": self.facts}
                                               ).encode("utf-8"))
        except OSError:
            # Only a cache: failing to save it (a full disk) costs re-hashing next time.
            return
        self.dirty = False


def _good_entry(v: Any) -> bool:
    # An entry of an older layout (five fields, no recording time) is dropped: re-hashed once.
    return (isinstance(v, list) and len(v) == 6 and is_digest(v[-1])
            and all(isinstance(n, int) and not isinstance(n, bool) for n in v[:-1]))
