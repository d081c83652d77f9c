"""Many machines, one bill: the engine's `Coordinator` for a build with a remote.

When one of its job slots is free for paid node key K, the build looks in the remote for a
finished record (`index/K.json`, whose output object it fetches, verified), else takes the
lease `leases/K.json` (`lease.py`) and submits at once: a build never holds a lease for a job
still queued behind its own slots, so a teammate started later finds those nodes free and
makes them. Finding a live lease it submits nothing: it gives the slot back and waits, polling
the holder's job with its own credentials when the lease names one (progress: "waiting for
HOST's job ..."), until the holder publishes the record, the job fails, the lease is let go or
goes stale (then, with a slot again, it claims anew: takes the lease over and adopts the job,
or looks for a job the holder sent without saying) or `wait` runs out.

The holder refreshes its lease while it works, writes the job id into it, and publishes the
output object and the record the moment the node is made, then lets the lease go. Before
planning, `pull_records` copies the team's records into the local run index, so what a teammate
made is cached here too. Nothing here prints: waits show through the reporter.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from storyboard.cache import ObjectStore, Record, RunIndex
from storyboard.engine.coordinator import Alone, Claim, Coordinator
from storyboard.engine.events import Reporter
from storyboard.errors import NodeFailed, ProviderError, RemoteError, StoryboardError
from storyboard.paths import is_digest
from storyboard.providers.base import Provider, Request
from storyboard.remote.backend import Remote
from storyboard.remote.conditional import Cells, cells
from storyboard.remote.lease import Held, Lease, Leases, iso

INDEX = "index"
DEFAULT_WAIT = 3600.0  # seconds a build waits on one teammate's job before it gives up
SOON = 0.5  # seconds between looks at a teammate's job this build can poll, beside the polls


def record_name(key: str) -> str:
    return f"{INDEX}/{key}.json"


def read_record(c: Cells, key: str) -> Record | None:
    got = c.read(record_name(key))
    if got is None:
        return None
    try:
        rec = Record.from_dict(json.loads(got[0]))
    except (ValueError, TypeError):
        return None  # not a record storyboard wrote: as if absent (it is made again)
    return rec if rec.key == key else None


def pull_records(remote: Remote, index: RunIndex) -> int:
    """Copy the team's records the local run index lacks into it; how many came."""
    c = cells(remote)
    n = 0
    for name in c.names(INDEX):
        key = name.rsplit("/", 1)[-1].removesuffix(".json")
        if is_digest(key) and index.get(key) is None and (rec := read_record(c, key)):
            index.put(rec)
            n += 1
    return n


def coordinator(remote: object, store: ObjectStore, index: RunIndex, provider: Provider,
                reporter: Reporter) -> Coordinator:
    """A `Team` for a paid build with a remote (its records pulled first), else `Alone`."""
    if not isinstance(remote, Remote) or not provider.paid:
        return Alone()
    try:
        c = cells(remote)
        pull_records(remote, index)
    except StoryboardError as exc:
        reporter.warning(f"{exc}; building without coordinating with other machines")
        return Alone()
    return Team(remote, c, store, provider, reporter)


class Team:
    """Leases and published records on one remote, for one build."""

    def __init__(self, remote: Remote, c: Cells, store: ObjectStore, provider: Provider,
                 reporter: Reporter, *, leases: Leases | None = None, wait: float = DEFAULT_WAIT,
                 sleep: Callable[[float], Any] = asyncio.sleep,
                 mono: Callable[[], float] = time.monotonic) -> None:
        self.remote = remote
        self.cells = c
        self.store = store
        self.provider = provider
        self.reporter = reporter
        self.leases = leases or Leases(c)
        self.patience = wait  # seconds one node waits on a live teammate, in all
        self.sleep = sleep
        self.mono = mono
        self.held: dict[str, Held] = {}
        self._beats: dict[str, asyncio.Task[None]] = {}
        self._writes = asyncio.Lock()  # one lease write at a time: each needs the last ETag
        self._busy: dict[str, Lease] = {}  # key -> the teammate's lease its last claim found
        self._since: dict[str, float] = {}  # key -> when this build began waiting for it
        self._shown: set[str] = set()  # keys whose wait the reporter has been told of

    @property
    def interval(self) -> float:
        return max(0.05, min(self.leases.ttl / 4, 5.0))

    # -- claiming ----------------------------------------------------------------------------
    async def claim(self, request: Request) -> Claim:
        """Asked holding a job slot, so it never waits: a lease is taken only for a job this
        build sends now (or adopts), never for one queued behind its own slots."""
        key, node = request.key, request.node
        while True:
            rec = await asyncio.to_thread(self._made, key)
            if rec is not None:
                return self._settle(key, Claim(record=rec))
            held = await asyncio.to_thread(self.leases.acquire, key, node.id, self.provider.name)
            if held is not None:
                return self._settle(key, await self._holding(held) or Claim())
            got = await asyncio.to_thread(self.leases.read, key)
            if got is None:
                continue  # let go meanwhile: look for its record, then try again
            lease, etag = got
            if not self.leases.stale(lease, etag):
                self._busy[key] = lease
                return Claim(busy=True)
            held = await asyncio.to_thread(self.leases.take_over, key, lease, etag, node.id,
                                           self.provider.name)
            if held is None:
                continue  # another machine took it over first
            if made := await self._holding(held):
                return self._settle(key, made)
            self.reporter.warning(
                f"{node.label}: {lease.holder()} stopped holding it; taking over"
                + (f" its job {lease.job}" if lease.job else
                   " (looking for a job it may have sent first)"))
            return self._settle(key, Claim(job=lease.job,
                                           recover_since=None if lease.job else iso(lease.since)))

    def _settle(self, key: str, claim: Claim) -> Claim:
        self._busy.pop(key, None)
        self._since.pop(key, None)
        return claim

    async def wait(self, request: Request) -> Record | None:
        """Wait, holding no slot, on the teammate whose lease made the last claim busy: its
        record, or None once the lease is let go or stale (the caller claims again, which
        takes a stale lease over). Bounded by `patience` from the first wait for the node."""
        key, node = request.key, request.node
        lease = self._busy.pop(key, None)
        start = self._since.setdefault(key, self.mono())
        while True:
            if lease is not None:
                if key not in self._shown:
                    self._shown.add(key)
                    self.reporter.node_started(node.id, node.label, node.kind,
                                               f"waiting for {lease.host}'s job")
                seen = await self._watch(request, lease)
                if self.mono() - start > self.patience:
                    raise NodeFailed(f"waited {self.patience:g} s for {lease.holder()}'s job "
                                     f"{lease.job or '(not sent yet)'} and it is still "
                                     "running; build again later (its result is shared when "
                                     "it ends)", lease.job)
                # A job this build can poll is watched at the provider's pace (Scenario's
                # polls share one listing a round), so its record is taken within a round of
                # being published, not an interval later; an unseen one, as the lease ages.
                await self.sleep(min(SOON, self.interval) if seen else self.interval)
            rec = await asyncio.to_thread(self._made, key)
            if rec is not None:
                self._since.pop(key, None)
                return rec
            got = await asyncio.to_thread(self.leases.read, key)
            if got is None or self.leases.stale(*got):
                return None  # free, or its holder is gone: claim it (under a slot)
            lease = got[0]

    async def _holding(self, held: Held) -> Claim | None:
        """Hold a lease just taken, unless the record appeared meanwhile: a holder publishes
        before it lets go, so a lease found free after a look for the record may be free
        because the record is now there. Then the lease goes back and the record is used."""
        rec = await asyncio.to_thread(self._made, held.lease.key)
        if rec is None:
            self._hold(held)
            return None
        await asyncio.to_thread(self.leases.release, held)
        return Claim(record=rec)

    def _made(self, key: str) -> Record | None:
        """The team's record of `key` when its output is (now) in the local store."""
        rec = read_record(self.cells, key)
        if rec is None:
            return None
        return rec if self.store.has(rec.output) or self.remote.fetch(rec.output, self.store) \
            else None

    async def _watch(self, request: Request, lease: Lease) -> bool:
        """Show the holder's job, polled with this build's own credentials when it can;
        whether it could."""
        node = request.node
        what = f"waiting for {lease.host}'s job {lease.job}" if lease.job else \
            f"waiting for {lease.host}'s submission"
        progress, status = None, None
        if lease.job:
            try:
                status = await self.provider.poll(lease.job)
            except ProviderError:
                status = None  # not visible to these credentials: wait for the remote
            if status is not None and status.state == "failed":
                raise NodeFailed(f"{lease.holder()}'s job {lease.job} for it failed: "
                                 f"{status.error or 'no reason given'}", lease.job)
            if status is not None:
                what += f" ({status.stage or status.state})"
                progress = status.progress
        self.reporter.job_progress(node.id, node.label, what, progress)
        return status is not None

    # -- holding ----------------------------------------------------------------------------
    def _hold(self, held: Held) -> None:
        key = held.lease.key
        self.held[key] = held
        self._beats[key] = asyncio.create_task(self._beat(key), name=f"lease {key[:12]}")

    async def _beat(self, key: str) -> None:
        while True:
            await self.sleep(self.interval)
            held = self.held.get(key)
            if held is None:
                return
            try:
                async with self._writes:
                    ok = await asyncio.to_thread(self.leases.beat, held)
            except StoryboardError as exc:
                self.reporter.warning(f"could not refresh a lease on {self.remote.url}: {exc}")
                continue
            if not ok:
                self.held.pop(key, None)
                return  # taken over: the taker adopts our job; nothing more to refresh

    async def _let_go(self, key: str, how: Callable[[Held], bool]) -> None:
        try:
            async with self._writes:
                # Holding the write lock, the heartbeat is asleep or queued, never mid-write
                # (a cancelled thread would still write, and our ETag would be stale).
                task = self._beats.pop(key, None)
                if task is not None:
                    task.cancel()
                held = self.held.pop(key, None)
                if held is not None:
                    await asyncio.to_thread(how, held)
        except StoryboardError as exc:
            self.reporter.warning(f"could not let go of a lease on {self.remote.url}: {exc} "
                                  f"(it goes stale in {self.leases.ttl:g} s)")

    async def started(self, request: Request, job: str) -> None:
        held = self.held.get(request.key)
        if held is None:
            return
        try:
            async with self._writes:
                await asyncio.to_thread(self.leases.set_job, held, job)
        except StoryboardError as exc:
            self.reporter.warning(f"{request.node.label}: could not record job {job} in its "
                                  f"lease: {exc}")

    async def made(self, record: Record) -> None:
        """Publish the output and its record, then let the lease go (in that order: a waiter
        that finds no lease finds the record)."""
        if record.key not in self.held:
            return  # a teammate's record (already shared), or our lease was taken over
        try:
            await asyncio.to_thread(self._publish, record)
        except StoryboardError as exc:
            self.reporter.warning(f"could not share {record.output[:12]} on {self.remote.url}: "
                                  f"{exc} (`storyboard push` shares it later)")
            await self._let_go(record.key, self.leases.abandon)
            return
        await self._let_go(record.key, self.leases.release)

    def _publish(self, record: Record) -> None:
        if not self.remote.has(record.output):
            got = self.remote.upload(self.store.path(record.output), record.output)
            if got != record.output:
                raise RemoteError(f"the local copy of {record.output[:12]} is damaged; not "
                                  "shared")
        data = json.dumps(asdict(record), sort_keys=True).encode("utf-8")
        self.cells.put(record_name(record.key), data)

    async def ended(self, request: Request, settled: bool) -> None:
        await self._let_go(request.key, self.leases.release if settled else self.leases.abandon)

    async def close(self) -> None:
        """End of the run: a lease still held names a job nobody published: hand it over."""
        for key in list(self.held):
            await self._let_go(key, self.leases.abandon)


# -- what `status --remote` and `gc` show and clear ----------------------------------------
@dataclass(frozen=True)
class LeaseView:
    key: str
    node: str
    holder: str
    job: str | None
    age: float  # seconds since its last heartbeat, by this machine's clock
    held: float  # seconds since it was taken
    gone: bool  # its holder is certainly gone (abandoned, dead process here, long silent)
    published: bool  # the record of its key is already in the remote


def leases_on(remote: Remote) -> list[LeaseView]:
    """Every lease on the remote, oldest heartbeat first."""
    c = cells(remote)
    leases = Leases(c)
    now = time.time()
    out = [LeaseView(lease.key, lease.node, lease.holder(), lease.job,
                     max(0.0, now - lease.heartbeat), max(0.0, now - lease.since),
                     leases.gone(lease), c.read(record_name(lease.key)) is not None)
           for lease, _etag in leases.all()]
    return sorted(out, key=lambda v: -v.age)


def clear_gone(remote: Remote, *, dry_run: bool = False) -> tuple[list[LeaseView],
                                                                   list[LeaseView]]:
    """Remove the leases whose holders are gone: (removed, kept). A gone holder's lease that
    names a job whose result nobody published is kept: the next build that needs the node
    adopts that job from it instead of paying again."""
    c = cells(remote)
    leases = Leases(c)
    removed, kept = [], []
    for view in leases_on(remote):
        if not view.gone:
            continue
        if view.job and not view.published:
            kept.append(view)
            continue
        got = leases.read(view.key)
        if got is not None and (dry_run or c.delete(Leases.name(view.key), got[1])):
            removed.append(view)
    return removed, kept
