"""The submission journal: paid work never happens twice.

Before a paid submission the engine writes an *intent* (fsynced); right after the response it
records the job id; only then does it poll. When the output is safely in the store the entry is
marked done. A restarted build finds recorded jobs and resumes polling; an intent without a job
id (the process died mid-request) is resolved by asking the provider to find the job.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from storyboard.errors import StoreError

EntryState = Literal["intent", "submitted", "done"]


@dataclass
class Entry:
    key: str
    node: str
    provider: str
    state: EntryState
    created: str  # ISO time of the intent, used to look for lost jobs
    job: str | None = None
    output: str | None = None


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class Journal:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        return self.root / f"{key}.json"

    def get(self, key: str) -> Entry | None:
        try:
            data = json.loads(self._path(key).read_text("utf-8"))
            return Entry(**data)
        except (OSError, ValueError, TypeError):
            return None

    def _write(self, entry: Entry) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        p = self._path(entry.key)
        tmp = p.with_suffix(f".tmp{os.getpid()}")
        try:
            with tmp.open("w", encoding="utf-8") as f:
                json.dump(asdict(entry), f, sort_keys=True)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, p)
            dir_fd = os.open(self.root, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise StoreError(f"cannot write the journal at {self.root}: {exc.strerror}") from None

    def intent(self, key: str, node: str, provider: str) -> Entry:
        entry = Entry(key=key, node=node, provider=provider, state="intent", created=now_iso())
        self._write(entry)
        return entry

    def submitted(self, entry: Entry, job: str) -> Entry:
        entry.job = job
        entry.state = "submitted"
        self._write(entry)
        return entry

    def done(self, entry: Entry, output: str) -> None:
        entry.state = "done"
        entry.output = output
        self._write(entry)

    def forget(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def entries(self) -> list[Entry]:
        out = []
        for p in sorted(self.root.glob("*.json")):
            e = self.get(p.stem)
            if e is not None:
                out.append(e)
        return out
