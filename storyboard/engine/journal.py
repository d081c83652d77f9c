"""The submission journal: paid work never happens twice.

Before a paid submission the engine writes an *intent* (fsynced): the node, the model, a digest
of the request as sent, and the provider's server time with the window within which the
submission may still create a job. Right after the response it records the job id; only then
does it poll. When the output is safely in the store the entry is
marked done. A restarted build finds recorded jobs and resumes polling; an intent without a job
id (the process died mid-request) is resolved by asking the provider to find the job. An entry
that exists but cannot be read is `JournalDamaged`, never "no entry": its node may already
have a paid job, so it is blocked until someone looks.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from storyboard.errors import JournalDamaged, StoreError, UnsafePath
from storyboard.paths import read_bounded, write_atomic
from storyboard.providers.base import Intent

MAX_ENTRY_BYTES = 64 * 1024

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
    # What the provider said before sending (`Intent`); absent in entries of older builds.
    model: str | None = None
    digest: str | None = None
    server_time: str | None = None
    window: float = 0.0

    def intent(self) -> Intent:
        return Intent(self.model, self.digest, self.server_time, self.window)


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class Journal:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        return self.root / f"{key}.json"

    def get(self, key: str) -> Entry | None:
        """The entry for `key`, None when there is none; JournalDamaged when one exists but
        cannot be read."""
        p = self._path(key)
        try:
            data = json.loads(read_bounded(p, MAX_ENTRY_BYTES, follow=False))
            entry = Entry(**data)
            if entry.state not in ("intent", "submitted", "done") or entry.key != key:
                raise ValueError(f"state {entry.state!r} for key {str(entry.key)[:16]!r}")
            texts = (entry.created, entry.node, entry.provider)
            optional = (entry.job, entry.output, entry.model, entry.digest, entry.server_time)
            if (not all(isinstance(v, str) for v in texts)
                    or not all(v is None or isinstance(v, str) for v in optional)
                    or isinstance(entry.window, bool)
                    or not isinstance(entry.window, int | float)):
                raise ValueError("a field has the wrong type")
            return entry
        except FileNotFoundError:
            return None
        except (OSError, ValueError, TypeError, UnsafePath) as exc:
            raise JournalDamaged(
                f"the submission journal entry {p} is damaged ({' '.join(str(exc).split())[:160]}"
                "); a paid job may already exist for this node, so it is not submitted again: "
                "check the provider's job list (a finished job's output can be fetched by a "
                "build once the entry names it), then delete the entry to submit anew") from None

    def _write(self, entry: Entry) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        p = self._path(entry.key)
        try:  # a fresh temp, never through a link a clone planted, fsynced with its folder
            write_atomic(p, json.dumps(asdict(entry), sort_keys=True).encode(), durable=True)
        except OSError as exc:
            raise StoreError(f"cannot write the journal at {self.root}: {exc.strerror}") from None

    def intent(self, key: str, node: str, provider: str, what: Intent | None = None) -> Entry:
        what = what or Intent()
        entry = Entry(key=key, node=node, provider=provider, state="intent", created=now_iso(),
                      model=what.model, digest=what.digest, server_time=what.server_time,
                      window=what.window)
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
            try:
                e = self.get(p.stem)
            except JournalDamaged:
                continue  # its node reports it when it runs
            if e is not None:
                out.append(e)
        return out
