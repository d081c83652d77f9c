"""A memo of the lock as read, beside the cache: the lock's data as JSON, keyed by the SHA-256 of
the lock's text, and where each entry's block lies in that text.

PyYAML builds a 5,000-node lock in Python in seconds, on every command that reads it; JSON reads
the same data in milliseconds. The memo is written with the lock (or after a lock read by YAML
turned out to be exactly what storyboard writes), and it is used only when the lock's text
hashes to its key, so an edited, merged or checked-out lock is read by YAML again. The spans
seed the render memo: a build that changes one node re-emits one block, not every block.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from storyboard.errors import UnsafePath
from storyboard.hashing import hash_text
from storyboard.paths import read_bounded, write_atomic

Spans = dict[str, dict[str, list[int]]]  # section ("n"odes, "h"istory) -> node id -> [start, end]
MAX_MEMO_BYTES = 256 * 1024 * 1024


def read(memo: Path, text: str) -> tuple[dict[str, Any], Spans] | None:
    """The data and spans the memo holds for exactly `text`, else None (absent, stale or not
    one of ours: a memo is only ever an optimisation)."""
    try:  # bounded, regular files only, no link followed: the memo sits in a cloned cache
        found = json.loads(read_bounded(memo, MAX_MEMO_BYTES, follow=False))
    except (OSError, ValueError, UnsafePath):
        return None
    if not isinstance(found, dict) or found.get("sha256") != hash_text(text):
        return None
    data, spans = found.get("data"), found.get("spans")
    if not isinstance(data, dict) or not isinstance(spans, dict):
        return None
    return data, spans


def write(memo: Path, text: str, data: dict[str, Any], spans: Spans) -> None:
    """Atomically; a memo that cannot be written costs only speed."""
    try:  # write_atomic never writes through a link a clone planted
        memo.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(memo, json.dumps({"sha256": hash_text(text), "data": data, "spans": spans},
                                      separators=(",", ":")).encode("utf-8"))
    except (OSError, TypeError, ValueError, UnsafePath):
        pass
