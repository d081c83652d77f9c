"""The no-op stamp: what a fully successful build read and wrote, by stat signature.

Like ninja's log, it lets `storyboard build` answer "nothing to do" without loading the
graph: when the storyboard file's bytes, the lock, every asset, every output object and every
render still have the signatures they had at the end of the last successful build with the same
options, nothing can have changed. Any difference falls back to the full build.
Checking it imports the standard library's lightest modules only: the storyboard file is hashed
(with `storyboard.hashing`) only when it was written too close to the stamp for its signature to
prove its bytes (git's "racy" case), which a no-op of an edited-long-ago project never is.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import time
from pathlib import Path

TYPE_CHECKING = False  # typing itself is a module a no-op need not import
if TYPE_CHECKING:
    from typing import Any

STAMP_NAME = "noop-stamp.json"
STAMP_SCHEMA = 1
MAX_STAMP_BYTES = 256 * 1024 * 1024  # a real stamp is ~200 bytes a shot; bounds a planted one
# Command lines already parsed in this folder, so a repeated `storyboard build` skips importing
# and running click (a third of a no-op's own time): click's parse depends on the arguments
# alone (no option reads the environment), so remembering it changes nothing it decides.
LINES_NAME = "noop-lines.json"
MAX_LINES = 8
MAX_LINES_BYTES = 64 * 1024  # a planted file is refused unread; eight lines are ~2 KB
# A storyboard file whose timestamps are this much older than the stamp cannot have been
# rewritten since without changing them (two seconds covers file systems that keep whole
# seconds); a younger one is hashed.
SETTLED_NS = 2_000_000_000
# What `build` parsed: the file as given, profile, provider, targets.
Parsed = tuple[str, str | None, str | None, list[str]]


class Stamp:
    """What the stamp tells a no-op build to print."""

    __slots__ = ("counts", "renders")

    def __init__(self, counts: dict[str, int], renders: list[str]) -> None:
        self.counts = counts
        self.renders = renders


def _sig(path: Path | str) -> list[int] | None:
    try:
        st = os.stat(path)  # a str from the stamp as it is: 5,000 Path objects cost 0.1 s
    except OSError:
        return None
    # ctime too: restoring a file's mtime after changing it (touch -r) cannot restore it.
    return [st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns]


def _text_digest(path: Path) -> str | None:
    from storyboard.hashing import hash_file  # only when the signature cannot answer

    try:
        return hash_file(path)
    except OSError:
        return None


def options_key(file: Path, profile: str | None, provider: str | None,
                targets: list[str] | tuple[str, ...], version: str) -> dict[str, Any]:
    return {"file": str(file.resolve()), "profile": profile, "provider": provider,
            "targets": sorted(targets), "version": version}


def _path(work: Path) -> Path:
    return work / STAMP_NAME


def clear(work: Path) -> None:
    _path(work).unlink(missing_ok=True)


def write(work: Path, key: dict[str, Any], file: Path, watched: list[Path],
          counts: dict[str, int], renders: list[str]) -> None:
    """Record the signatures after a fully successful build (best effort: only a speed-up)."""
    from storyboard.paths import write_atomic

    recorded = time.time_ns()  # before the stats: an earlier time only makes more doubt
    doc = {
        "schema": STAMP_SCHEMA, "key": key, "recorded": recorded,
        "text": _text_digest(file), "text_sig": _sig(file),
        "watched": {str(p): _sig(p) for p in watched}, "counts": counts, "renders": renders,
    }
    with contextlib.suppress(OSError):  # only a speed-up: the next build hashes instead
        write_atomic(_path(work), json.dumps(doc, sort_keys=True).encode("utf-8"))


def _same_text(doc: dict[str, Any], file: Path) -> bool:
    """True when the storyboard file still has the bytes the stamp saw: by its signature when
    its timestamps are settled well before the stamp was written, else by hashing it."""
    sig, recorded = _sig(file), doc.get("recorded")
    if (sig is not None and sig == doc.get("text_sig") and isinstance(recorded, int)
            and max(sig[1], sig[3]) < recorded - SETTLED_NS):
        return True
    return doc.get("text") is not None and doc.get("text") == _text_digest(file)


def _line(cwd: str, argv: list[str], version: str) -> dict[str, Any]:
    return {"cwd": cwd, "argv": argv, "version": version}


def _lines(path: Path) -> list[dict[str, Any]]:
    """The remembered lines, or none when the file is absent, too big, not ours or damaged
    (it is only a speed-up: whatever is wrong with it, click parses instead)."""
    try:
        doc = json.loads(_read_small(path, MAX_LINES_BYTES))
    except (OSError, ValueError):
        return []
    lines = doc.get("lines") if isinstance(doc, dict) else None
    return [x for x in lines if isinstance(x, dict)][:MAX_LINES] if isinstance(lines, list) else []


def _read_small(path: Path, limit: int) -> bytes:
    """The bytes of a regular file of at most `limit` bytes, never through a link; OSError
    for anything else. `paths.read_bounded` decides this for the rest of storyboard; the fast
    path keeps its own copy of the rule because importing `paths` (and with it `errors` and
    dataclasses) would cost a sixth of a no-op build. A planted FIFO must not hang a build:
    the open does not wait for a writer, and the fstat refuses what is not a regular file."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_size > limit:
            raise OSError(f"{path}: not a regular file of at most {limit} bytes")
        data = os.read(fd, st.st_size + 1)  # not `limit`: os.read allocates what it may read
    finally:
        os.close(fd)
    if len(data) > limit:
        raise OSError(f"{path}: larger than {limit} bytes")
    return data


def _parsed(x: dict[str, Any]) -> Parsed | None:
    """The entry's parse when every field has the type click gives it, else None."""
    got = x.get("parsed")
    if not (isinstance(got, list) and len(got) == 4):
        return None
    file, profile, provider, targets = got
    if (isinstance(file, str) and all(v is None or isinstance(v, str) for v in (profile, provider))
            and isinstance(targets, list) and all(isinstance(t, str) for t in targets)):
        return file, profile, provider, targets
    return None


def recall(argv: list[str], version: str) -> Parsed | None:
    """What `build` parsed from exactly these arguments in this folder before, else None."""
    want = _line(os.getcwd(), argv, version)
    for x in _lines(Path(".storyboard") / LINES_NAME):
        if all(x.get(k) == v for k, v in want.items()):
            return _parsed(x)
    return None


def learn(root: Path, argv: list[str], version: str, parsed: Parsed) -> None:
    """Remember a parse that led to a valid stamp, in the project run from this folder."""
    with contextlib.suppress(OSError):  # only a speed-up, like the stamp itself
        if not os.path.samefile(root, "."):
            return  # `recall` looks in this folder's .storyboard only
        from storyboard.paths import write_atomic

        path = root / ".storyboard" / LINES_NAME
        line = _line(os.getcwd(), argv, version)
        kept = [x for x in _lines(path) if any(x.get(k) != v for k, v in line.items())]
        doc = {"lines": [{**line, "parsed": list(parsed)}, *kept][:MAX_LINES]}
        write_atomic(path, json.dumps(doc).encode("utf-8"))


def check(work: Path, key: dict[str, Any], file: Path) -> Stamp | None:
    """The stamp when nothing changed since it was written with these options, else None."""
    try:
        doc = json.loads(_read_small(_path(work), MAX_STAMP_BYTES))
    except (OSError, ValueError):
        return None
    if not isinstance(doc, dict) or doc.get("schema") != STAMP_SCHEMA or doc.get("key") != key:
        return None
    if not _same_text(doc, file):
        return None
    for path, sig in (doc.get("watched") or {}).items():
        if sig is None or _sig(path) != sig:
            return None
    return Stamp(dict(doc.get("counts") or {}), list(doc.get("renders") or []))
