"""Leases: which machine is making a paid node right now, kept in the remote as `leases/K.json`.

Before a paid submission for node key K, a build creates `leases/K.json` with a conditional
create (`conditional.py`): who holds it (host, pid, build id), since when, a heartbeat, and the
job id once the provider gave one. The holder rewrites it every `ttl / 4` seconds with
`If-Match` on the ETag it last wrote; each write changes a counter, so each has a new ETag.

A lease is *stale*, and may be taken over with `If-Match` on its stale ETag, when:
- its ETag has not changed for `ttl` seconds of the reader's own clock (no clock skew between
  machines matters: only the reader's monotonic clock is read);
- its holder ran on this host and that process is gone (a killed build is taken over at once);
- its holder marked it `abandoned` (an interrupted build whose job may still run);
- its heartbeat is older than `max(10 * ttl, 600)` s by the wall clock (yesterday's lease).

The host name a lease shows is STORYBOARD_HOST when set (CI runners name themselves), else
the machine's. `gone` is the stricter test `storyboard gc` uses: only a holder certainly dead.
"""

from __future__ import annotations

import json
import os
import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime

from storyboard.paths import is_digest
from storyboard.remote.conditional import Cells

DEFAULT_TTL = 60.0  # seconds without a heartbeat before a lease may be taken over
FOLDER = "leases"


def lease_ttl() -> float:
    """STORYBOARD_LEASE_TTL (seconds), else 60."""
    try:
        ttl = float(os.environ.get("STORYBOARD_LEASE_TTL") or DEFAULT_TTL)
    except ValueError:
        return DEFAULT_TTL
    return ttl if 0.2 <= ttl <= 86_400 else DEFAULT_TTL


def host_name() -> str:
    return (os.environ.get("STORYBOARD_HOST") or socket.gethostname() or "a machine")[:100]


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True  # someone else's process: alive as far as we can tell
    return True


def iso(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class Lease:
    key: str
    node: str
    host: str
    pid: int
    build: str  # one id per build process: two builds on one host are still two holders
    since: float  # epoch seconds, the holder's clock
    heartbeat: float
    beat: int = 0  # bumped by every write: S3 ETags are content hashes, each write differs
    job: str | None = None
    provider: str = ""
    abandoned: bool = False  # interrupted while its job may still run: take over at once

    def data(self) -> bytes:
        return json.dumps(asdict(self), sort_keys=True).encode("utf-8")

    @classmethod
    def parse(cls, data: bytes, key: str) -> Lease | None:
        """A lease from the remote, or None when it is not one storyboard wrote for `key`."""
        try:
            raw = json.loads(data)
            lease = cls(**{k: v for k, v in raw.items() if k in cls.__dataclass_fields__})
        except (ValueError, TypeError, AttributeError):
            return None
        ok = (lease.key == key and isinstance(lease.host, str) and isinstance(lease.pid, int)
              and isinstance(lease.since, int | float) and isinstance(lease.node, str)
              and isinstance(lease.heartbeat, int | float)
              and (lease.job is None or isinstance(lease.job, str)))
        return lease if ok else None

    def holder(self) -> str:
        return f"{self.host} (pid {self.pid})"


@dataclass
class Held:
    """A lease this build holds, and the ETag of its last write."""

    lease: Lease
    etag: str


class Leases:
    """The leases of one remote, as seen by one build."""

    def __init__(self, cells: Cells, ttl: float | None = None, *,
                 host: str | None = None, clock: Callable[[], float] = time.time,
                 mono: Callable[[], float] = time.monotonic,
                 alive: Callable[[int], bool] = pid_alive) -> None:
        self.cells = cells
        self.ttl = ttl if ttl is not None else lease_ttl()
        self.host = host or host_name()
        self.pid = os.getpid()
        self.build = uuid.uuid4().hex[:12]
        self.clock = clock
        self.mono = mono
        self.alive = alive
        self._seen: dict[str, tuple[str, float]] = {}  # key -> (ETag, when first seen)

    @staticmethod
    def name(key: str) -> str:
        return f"{FOLDER}/{key}.json"

    def _new(self, key: str, node: str, provider: str, job: str | None = None) -> Lease:
        now = self.clock()
        return Lease(key, node, self.host, self.pid, self.build, now, now, 0, job, provider)

    def read(self, key: str) -> tuple[Lease, str] | None:
        """The lease of `key` and its ETag; a damaged one reads as abandoned (taken over)."""
        got = self.cells.read(self.name(key))
        if got is None:
            return None
        data, etag = got
        lease = Lease.parse(data, key)
        if lease is None:
            lease = Lease(key, "?", "?", 0, "?", 0.0, 0.0, abandoned=True)
        return lease, etag

    def acquire(self, key: str, node: str, provider: str) -> Held | None:
        """Create the lease of `key`; None when one exists (someone holds it, or held it)."""
        lease = self._new(key, node, provider)
        etag = self.cells.create(self.name(key), lease.data())
        return None if etag is None else Held(lease, etag)

    def take_over(self, key: str, stale: Lease, etag: str, node: str, provider: str
                  ) -> Held | None:
        """Replace a stale lease (If-Match on its ETag), keeping its job id to adopt."""
        lease = self._new(key, node, provider, stale.job)
        new = self.cells.replace(self.name(key), lease.data(), etag)
        return None if new is None else Held(lease, new)

    def _write(self, held: Held, lease: Lease) -> bool:
        etag = self.cells.replace(self.name(lease.key), lease.data(), held.etag)
        if etag is None:
            return False
        held.lease, held.etag = lease, etag
        return True

    def beat(self, held: Held) -> bool:
        """Refresh the heartbeat; False when the lease was taken over meanwhile."""
        old = held.lease
        return self._write(held, replace(old, heartbeat=self.clock(), beat=old.beat + 1))

    def set_job(self, held: Held, job: str) -> bool:
        old = held.lease
        return self._write(held, replace(old, job=job, heartbeat=self.clock(),
                                         beat=old.beat + 1))

    def abandon(self, held: Held) -> bool:
        old = held.lease
        return self._write(held, replace(old, abandoned=True, beat=old.beat + 1))

    def release(self, held: Held) -> bool:
        return self.cells.delete(self.name(held.lease.key), held.etag)

    def stale(self, lease: Lease, etag: str) -> bool:
        """Whether `lease` (read with `etag`) may be taken over now (see the module text)."""
        if lease.abandoned or self.gone(lease):
            return True
        first = self._seen.get(lease.key)
        now = self.mono()
        if first is None or first[0] != etag:
            self._seen[lease.key] = (etag, now)
            return False
        return now - first[1] > self.ttl

    def gone(self, lease: Lease) -> bool:
        """Certainly dead: abandoned, its process on this host is gone, or silent for long."""
        if lease.abandoned:
            return True
        if lease.host == self.host and lease.build != self.build and not self.alive(lease.pid):
            return True
        return self.clock() - lease.heartbeat > max(10 * self.ttl, 600.0)

    def all(self) -> list[tuple[Lease, str]]:
        out = []
        for name in self.cells.names(FOLDER):
            key = name.rsplit("/", 1)[-1].removesuffix(".json")
            if not is_digest(key):
                continue
            got = self.read(key)
            if got is not None:
                out.append(got)
        return out
