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
import os
from pathlib import Path
from typing import Any

from storyboard.hashing import hash_text

Spans = dict[str, dict[str, list[int]]]  # section ("n"odes, "h"istory) -> node id -> [start, end]
MAX_MEMO_BYTES = 256 * 1024 * 1024


def read(memo: Path, text: str) -> tuple[dict[str, Any], Spans] | None:
    """The data and spans the memo holds for exactly `text`, else None (absent, stale or not
    one of ours: a memo is only ever an optimisation)."""
    try:
        if memo.stat().st_size > MAX_MEMO_BYTES:
            return None
        found = json.loads(memo.read_bytes())
    except (OSError, ValueError):
        return None
    if not isinstance(found, dict) or found.get("sha256") != hash_text(text):
        return None
    data, spans = found.get("data"), found.get("spans")
    if not isinstance(data, dict) or not isinstance(spans, dict):
        return None
    return data, spans


def write(memo: Path, text: str, data: dict[str, Any], spans: Spans) -> None:
    """Atomically; a memo that cannot be written costs only speed."""
    tmp = memo.with_name(f".{memo.name}.tmp{os.getpid()}")
    try:
        memo.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(json.dumps({"sha256": hash_text(text), "data": data, "spans": spans},
                                  separators=(",", ":")), "utf-8")
        os.replace(tmp, memo)
    except (OSError, TypeError, ValueError):
        tmp.unlink(missing_ok=True)
