"""Small JSON maps the Scenario provider keeps under `.storyboard/` between builds.

`scenario-assets.json` maps a file's content digest to the Scenario asset holding it (so a file
is uploaded once, ever); `scenario-estimates.json` maps a request key to its dry-run cost (so
re-planning is free); `scenario-overdue.json` maps a request key to its job that passed the
deadline (so a rebuild resumes it instead of paying again). None holds credentials or URLs.
Writes are atomic (temp file + rename) and merge with what is on disk, so two commands never
erase each other's entries.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Generic, TypeVar

from storyboard.errors import StoreError
from storyboard.paths import write_atomic

V = TypeVar("V")


def as_text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def as_number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


class JsonMap(Generic[V]):
    def __init__(self, file: Path, parse: Callable[[object], V | None]) -> None:
        self.file = file
        self.parse = parse
        self._data: dict[str, V] = self._read()

    def _read(self) -> dict[str, V]:
        try:
            raw = json.loads(self.file.read_text("utf-8"))
        except (OSError, ValueError):
            return {}  # missing or damaged: it only costs an upload or a dry run again
        entries = raw.get("entries") if isinstance(raw, dict) else None
        out: dict[str, V] = {}
        if isinstance(entries, dict):
            for k, v in entries.items():
                value = self.parse(v)
                if value is not None:
                    out[str(k)] = value
        return out

    def get(self, key: str) -> V | None:
        return self._data.get(key)

    def values(self) -> list[V]:
        return list(self._data.values())

    def put(self, key: str, value: V) -> None:
        self._data = {**self._read(), **self._data, key: value}
        self._write()

    def drop(self, key: str) -> None:
        merged = {**self._read(), **self._data}
        merged.pop(key, None)
        self._data = merged
        self._write()

    def _write(self) -> None:
        try:
            self.file.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(self.file, json.dumps({"schema": 1, "entries": self._data},
                                               sort_keys=True, indent=0).encode("utf-8"))
        except OSError as exc:
            raise StoreError(f"cannot write {self.file}: {exc.strerror}") from None
