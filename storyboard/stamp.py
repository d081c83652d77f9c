"""The no-op stamp: what a fully successful build read and wrote, by stat signature.

Like ninja's log, it lets `storyboard build` answer "nothing to do" without loading the
graph: when the storyboard file's bytes, the lock, every asset, every output object and every
render still have the signatures they had at the end of the last successful build with the same
options, nothing can have changed. Any difference falls back to the full build.
Stdlib only (with the stdlib-only `storyboard.hashing`), so checking it costs no heavy imports.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from storyboard.hashing import hash_file
from storyboard.paths import write_atomic

STAMP_NAME = "noop-stamp.json"
STAMP_SCHEMA = 1


@dataclass(frozen=True)
class Stamp:
    counts: dict[str, int]
    renders: list[str]


def _sig(path: Path | str) -> list[int] | None:
    try:
        st = os.stat(path)  # a str from the stamp as it is: 5,000 Path objects cost 0.1 s
    except OSError:
        return None
    # ctime too: restoring a file's mtime after changing it (touch -r) cannot restore it.
    return [st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns]


def _text_digest(path: Path) -> str | None:
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
    doc = {
        "schema": STAMP_SCHEMA, "key": key, "text": _text_digest(file),
        "watched": {str(p): _sig(p) for p in watched}, "counts": counts, "renders": renders,
    }
    with contextlib.suppress(OSError):  # only a speed-up: the next build hashes instead
        write_atomic(_path(work), json.dumps(doc, sort_keys=True).encode("utf-8"))


def check(work: Path, key: dict[str, Any], file: Path) -> Stamp | None:
    """The stamp when nothing changed since it was written with these options, else None."""
    try:
        doc = json.loads(_path(work).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(doc, dict) or doc.get("schema") != STAMP_SCHEMA or doc.get("key") != key:
        return None
    if doc.get("text") != _text_digest(file):
        return None
    for path, sig in (doc.get("watched") or {}).items():
        if sig is None or _sig(path) != sig:
            return None
    return Stamp(dict(doc.get("counts") or {}), list(doc.get("renders") or []))
