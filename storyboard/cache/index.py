"""The run index: every key ever built in this working copy -> its `Record`.

The lock names what the current file uses; the index also remembers other takes, other
profiles and earlier prompts, so going back to any of them runs nothing. One small JSON file
per key, written atomically, so parallel node completions never contend.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict
from pathlib import Path

from storyboard.cache.lockfile import Record


class RunIndex:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.json"

    def get(self, key: str) -> Record | None:
        p = self._path(key)
        try:
            return Record.from_dict(json.loads(p.read_text("utf-8")))
        except (OSError, ValueError, TypeError):
            return None

    def put(self, rec: Record) -> None:
        p = self._path(rec.key)
        p.parent.mkdir(parents=True, exist_ok=True)
        tmp = p.with_suffix(f".tmp{os.getpid()}")
        tmp.write_text(json.dumps(asdict(rec), sort_keys=True), "utf-8")
        os.replace(tmp, p)

    def all(self) -> list[Record]:
        out = []
        for p in sorted(self.root.glob("*/*.json")):
            try:
                out.append(Record.from_dict(json.loads(p.read_text("utf-8"))))
            except (OSError, ValueError, TypeError):
                continue
        return out
