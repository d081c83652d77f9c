"""Polling that scales: one job listing per round for every active job, not one GET per job.

Each `status(job)` call waits for the next round. A round lists the jobs updated since the
previous one (`updatedAfter`, by the server's clock, with `types`: the SDK allows that pair) and
answers every waiting job at once; a job the listing leaves out has not changed. A job never
seen yet (resumed from an earlier build) is read once with its own GET. Rounds are shared, so
many jobs cost no more requests than one.

When a job is due again depends on its age, not on how many rounds answered it: a round another
job asked for must not push a young job's next look far out. The wait starts at FIRST_WAIT and
grows by GROWTH - 1 of the age, up to the configured interval (alone, a job is looked at 0.25,
0.6, 1.2, 2.0, 3.3, 5.2 s after its submission, then every interval). Once a job of the same
kind (model and length) has finished in this build, the others of that kind are also looked at
when they have run as long as the quickest of those did, and a tenth later: jobs alike take
about as long, so a slot is handed on at once instead of up to a growing wait later, for two
rounds more at most (for a long job one: its interval is shorter than a tenth of its run). Nor
are they looked at before half that time: for jobs of minutes, the short first waits of every
new job would be most of the rounds.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from storyboard.providers.scenario.client import ScenarioClient
from storyboard.providers.scenario.recovery import iso, parse_time

FIRST_WAIT = 0.25  # seconds before a job's first poll
GROWTH = 1.5  # the wait grows by half the job's age
# Jobs of a kind already finished here are looked at when they have run as long as the quickest
# of them (times 1.0), and once more a little later (a job rarely runs exactly as long).
AFTER = (1.0, 1.1)
EARLIEST = 0.5  # ... and not before they have run half as long
# Listings overlap by this much: Date headers are whole seconds, and an update made while the
# previous round was being answered must not fall between two rounds.
OVERLAP = timedelta(seconds=2)


class Poller:
    def __init__(self, client: ScenarioClient, interval: float,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
                 monotonic: Callable[[], float] | None = None) -> None:
        self.client = client
        self.interval = max(interval, FIRST_WAIT)
        self._sleep = sleep
        self._monotonic = monotonic
        self._known: dict[str, dict[str, Any]] = {}  # job id -> its latest JSON
        self._born: dict[str, float] = {}  # job id -> when it was submitted or first asked about
        self._kinds: dict[str, str] = {}  # job id -> its kind (model and length)
        self._took: dict[str, float] = {}  # kind -> the quickest run of a job of it so far
        self._looked: dict[str, float] = {}  # job id -> when the last round answering it began
        self._since: datetime | None = None  # where the next listing starts (server time)
        self._waiting: dict[str, list[asyncio.Future[dict[str, Any]]]] = {}
        self._due: float | None = None
        self._wake: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def seen(self, job: dict[str, Any], kind: str | None = None) -> None:
        """A job's JSON from elsewhere: its submission's answer (with the job's `kind`, which
        jobs it should take about as long as), or a listing's."""
        job_id = job.get("jobId")
        if isinstance(job_id, str):
            self._known[job_id] = job
            if kind is not None:
                self._kinds[job_id] = kind
                self._born.setdefault(job_id, self._now())
        if self._since is None:  # listings start from the first job this provider saw
            self._since = self.client.server_now()

    def forget(self, job_id: str) -> None:
        self._known.pop(job_id, None)
        self._born.pop(job_id, None)
        self._kinds.pop(job_id, None)
        self._looked.pop(job_id, None)

    def _now(self) -> float:
        return self._monotonic() if self._monotonic else asyncio.get_running_loop().time()

    async def status(self, job_id: str) -> dict[str, Any]:
        """The job's JSON as of a round that began after this call."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop:  # planning and building run in separate loops
            self._loop, self._task, self._waiting, self._due = loop, None, {}, None
            self._wake = asyncio.Event()
        now = self._now()
        due = now + self._wait(job_id, now)
        fut: asyncio.Future[dict[str, Any]] = loop.create_future()
        self._waiting.setdefault(job_id, []).append(fut)
        if self._due is None or due < self._due:
            self._due = due
            assert self._wake is not None
            self._wake.set()
        if self._task is None or self._task.done():
            self._task = loop.create_task(self._rounds(), name="scenario polling")
        job = await fut
        if job.get("status") == "success":
            self._learn(job_id, job)
        return job

    def _wait(self, job_id: str, now: float) -> float:
        """How long from `now` until the job's next look."""
        born = self._born.setdefault(job_id, now)
        wait = min(self.interval, FIRST_WAIT + (GROWTH - 1) * (now - born))
        took = self._took.get(self._kinds.get(job_id, ""))
        if took is not None:
            # Not before half the quickest run of its kind: looking earlier is wasted on jobs
            # of minutes (an early failure is then seen that late, at most).
            wait = max(wait, born + took * EARLIEST - now)
            # When a job alike would have finished, and a little after: the first of those
            # moments no round has looked since (a round that began just before it does not
            # count, however late it answered).
            looked = self._looked.get(job_id, born)
            for p in (born + took * f for f in AFTER):
                if p > looked:
                    return min(wait, max(0.0, p - now))
        return wait

    def _learn(self, job_id: str, job: dict[str, Any]) -> None:
        """How long a finished job ran: by the server's own stamps when it gives them (our
        first look at it came a little later), else from its submission to that look."""
        kind = self._kinds.get(job_id)
        born = self._born.get(job_id)
        if kind is None or born is None:
            return
        created, updated = parse_time(job.get("createdAt")), parse_time(job.get("updatedAt"))
        took = (updated - created).total_seconds() if created and updated else -1.0
        if took < 0:
            took = self._now() - born
        self._took[kind] = min(took, self._took.get(kind, took))

    async def _rounds(self) -> None:
        assert self._wake is not None
        while self._waiting:
            assert self._due is not None
            left = self._due - self._now()
            if left > 0:
                self._wake.clear()
                sleeper = asyncio.ensure_future(self._sleep(left))
                woke = asyncio.ensure_future(self._wake.wait())
                await asyncio.wait({sleeper, woke}, return_when=asyncio.FIRST_COMPLETED)
                sleeper.cancel()
                woke.cancel()
                continue  # an earlier due time may have come in meanwhile
            waiting, self._waiting, self._due = self._waiting, {}, None
            started = self._now()
            try:
                await self._round(list(waiting))
            except BaseException as exc:
                for futs in waiting.values():
                    for f in futs:
                        if not f.done():
                            f.set_exception(exc)
                if isinstance(exc, asyncio.CancelledError):
                    raise
                continue
            for job_id, futs in waiting.items():
                self._looked[job_id] = started
                for f in futs:
                    if not f.done():
                        f.set_result(self._known[job_id])
            # Jobs asked for while this round ran wait for the next one.
            if self._waiting and self._due is None:
                self._due = self._now()

    async def _round(self, job_ids: list[str]) -> None:
        unseen = [j for j in job_ids if j not in self._known]
        listed_at = None
        if len(job_ids) > len(unseen):
            since = self._since or self.client.server_now()
            if since is not None:
                listing = await self.client.jobs_updated_after(iso(since - OVERLAP))
                for job in listing.jobs:
                    self.seen(job)
                listed_at = listing.server_time
        for job_id in unseen:
            if job_id not in self._known:
                self._known[job_id] = await self.client.get_job(job_id)
        if listed_at is not None:
            self._since = listed_at
