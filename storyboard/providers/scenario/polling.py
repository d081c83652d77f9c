"""Polling that scales: one job listing per round for every active job, not one GET per job.

Each `status(job)` call waits for the next round. A round lists the jobs updated since the
previous one (`updatedAfter`, by the server's clock, with `types`: the SDK allows that pair) and
answers every waiting job at once; a job the listing leaves out has not changed. A job never
seen yet (resumed from an earlier build) is read once with its own GET. Each job's wait starts
short and grows to the configured interval, so a quick job is noticed soon and a long one
costs few rounds; rounds are shared, so many jobs cost no more requests than one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from storyboard.providers.scenario.client import ScenarioClient
from storyboard.providers.scenario.recovery import iso

FIRST_WAIT = 0.25  # seconds before a job's first poll
GROWTH = 1.5
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
        self._polls: dict[str, int] = {}  # job id -> polls so far (sets its next wait)
        self._since: datetime | None = None  # where the next listing starts (server time)
        self._waiting: dict[str, list[asyncio.Future[dict[str, Any]]]] = {}
        self._due: float | None = None
        self._wake: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def seen(self, job: dict[str, Any]) -> None:
        """A job's JSON from elsewhere (its submission's answer)."""
        job_id = job.get("jobId")
        if isinstance(job_id, str):
            self._known[job_id] = job
        if self._since is None:  # listings start from the first job this provider saw
            self._since = self.client.server_now()

    def forget(self, job_id: str) -> None:
        self._known.pop(job_id, None)
        self._polls.pop(job_id, None)

    def _now(self) -> float:
        return self._monotonic() if self._monotonic else asyncio.get_running_loop().time()

    async def status(self, job_id: str) -> dict[str, Any]:
        """The job's JSON as of a round that began after this call."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop:  # planning and building run in separate loops
            self._loop, self._task, self._waiting, self._due = loop, None, {}, None
            self._wake = asyncio.Event()
        n = self._polls.get(job_id, 0)
        self._polls[job_id] = n + 1
        wait = min(self.interval, FIRST_WAIT * GROWTH**n)
        due = self._now() + wait
        fut: asyncio.Future[dict[str, Any]] = loop.create_future()
        self._waiting.setdefault(job_id, []).append(fut)
        if self._due is None or due < self._due:
            self._due = due
            assert self._wake is not None
            self._wake.set()
        if self._task is None or self._task.done():
            self._task = loop.create_task(self._rounds(), name="scenario polling")
        return await fut

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
