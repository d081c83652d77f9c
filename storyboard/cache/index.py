"""The run index: every key ever built in this working copy -> its `Record`.

The lock names what the current file uses; the index also remembers other takes, other
profiles and earlier prompts, so going back to any of them runs nothing. It is also where a
build records each node the moment it finishes (the lock is written once, at the end of the
build): one JSON line appended per record to `runs.jsonl`, so a `kill -9` at any moment loses
no finished node, and recording costs the same at the 5,000th node as at the first. The log is
read once per command, on the first lookup; a line the kill cut short is skipped, the last
line for a key wins. Per-key files of earlier releases are folded into the log once.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

from storyboard.cache.lockfile import Record
from storyboard.errors import UnsafePath
from storyboard.paths import open_append, read_bounded

_FIELDS = tuple(Record.__dataclass_fields__)
MAX_LOG_BYTES = 512 * 1024 * 1024  # ~1M records: far past any project, short of OOM

LOG_NAME = "runs.jsonl"


class RunIndex:
    def __init__(self, root: Path, warn: Callable[[str], None] = lambda _m: None) -> None:
        self.root = root
        self.warn = warn
        self.log = root / LOG_NAME
        self._records: dict[str, Record] | None = None  # read on first use
        self._fd: int | None = None  # the log, open for appending from the first put to close

    def _load(self) -> dict[str, Record]:
        if self._records is None:
            records: dict[str, Record] = {}
            try:
                data = read_bounded(self.log, MAX_LOG_BYTES, follow=False)
            except FileNotFoundError:
                data = b""
            except (OSError, UnsafePath) as exc:
                self.warn(f"{self.log}: cannot read the run index ({exc}); builds still work, "
                          "but nodes it alone remembered count as not built")
                data = b""
            for line in data.splitlines():
                rec = _parse(line)
                if rec is not None:
                    records[rec.key] = rec
            self._records = records
            self._fold_legacy()
        return self._records

    def _fold_legacy(self) -> None:
        """Move per-key files (`ab/<key>.json`, earlier releases) into the log, once."""
        if not self.root.is_dir():
            return
        legacy = sorted(self.root.glob("*/*.json"))
        found = [r for p in legacy if (r := _parse(_read(p))) is not None]
        for rec in found:
            if self._records is not None and rec.key not in self._records:
                self.put(rec)
        for p in legacy:
            p.unlink(missing_ok=True)

    def get(self, key: str) -> Record | None:
        return self._load().get(key)

    def put(self, rec: Record) -> None:
        """Append `rec` (one write of one line: atomic against a kill of this process)."""
        records = self._load()
        # Shallow: `asdict` deep-copies every value; json only reads them.
        data = {k: getattr(rec, k) for k in _FIELDS}
        line = json.dumps(data, sort_keys=True, separators=(",", ":")) + "\n"
        if self._fd is None:
            # Opened once per command, not per record (5,000 opens, stats and closes a build).
            self.root.mkdir(parents=True, exist_ok=True)
            fd = open_append(self.log)  # never through a link a clone planted
            try:
                if _ends_mid_line(fd):
                    line = "\n" + line  # a kill cut the last line short: start a fresh one
            except OSError:
                os.close(fd)
                raise
            self._fd = fd
        os.write(self._fd, line.encode("utf-8"))
        records[rec.key] = rec

    def close(self) -> None:
        """Close the log (the next put opens it again)."""
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.close(fd)

    def all(self) -> list[Record]:
        return sorted(self._load().values(), key=lambda r: r.key)


def _read(path: Path) -> bytes:
    try:  # a legacy entry may be anything a clone put there: never follow, never read past 1 MB
        return read_bounded(path, 1024 * 1024, follow=False)
    except (OSError, UnsafePath):
        return b""


def _parse(line: bytes) -> Record | None:
    try:
        data = json.loads(line)
        return Record.from_dict(data) if isinstance(data, dict) else None
    except (ValueError, TypeError):
        return None


def _ends_mid_line(fd: int) -> bool:
    size = os.fstat(fd).st_size
    return size > 0 and os.pread(fd, 1, size - 1) != b"\n"
