"""The poller's schedule, on virtual time: a stub server whose jobs run for set durations, and a
clock that moves only when every task waits. One listing serves every waiting job; a job's
looks follow its own age; jobs of a kind that already finished are looked at when they should
be done."""

from __future__ import annotations

import asyncio
import heapq
import itertools
import random
from collections.abc import Awaitable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import pytest

from storyboard.providers.scenario.client import JobListing
from storyboard.providers.scenario.polling import FIRST_WAIT, GROWTH, Poller

T = TypeVar("T")
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
INTERVAL = 3.0


class VirtualTime:
    """`sleep` and `monotonic` for the code under test; `run` advances the clock to the next
    timer only once every task is waiting."""

    def __init__(self) -> None:
        self.t = 0.0
        self._timers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._seq = itertools.count()

    def monotonic(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._timers, (self.t + max(0.0, seconds), next(self._seq), fut))
        await fut

    async def run(self, main: Awaitable[T]) -> T:
        task = asyncio.ensure_future(main)
        while True:
            for _ in range(50):  # let every runnable task reach its next wait
                await asyncio.sleep(0)
            if task.done():
                return task.result()
            while self._timers and self._timers[0][2].done():  # cancelled sleeps
                heapq.heappop(self._timers)
            assert self._timers, "every task waits and no timer is set"
            when, _, fut = heapq.heappop(self._timers)
            self.t = max(self.t, when)
            fut.set_result(None)


class StubServer:
    """The three client calls the poller makes, answered from jobs that run `duration` s of
    virtual time; listings are recorded with the time they began."""

    def __init__(self, clock: VirtualTime, latency: float = 0.0) -> None:
        self.clock = clock
        self.latency = latency
        self.jobs: dict[str, tuple[float, float]] = {}  # id -> (created, duration)
        self.listings: list[float] = []
        self.gets = 0

    def at(self, t: float) -> datetime:
        return EPOCH + timedelta(seconds=t)

    def server_now(self) -> datetime:
        return self.at(int(self.clock.t))  # a Date header: whole seconds

    def job(self, job_id: str) -> dict[str, Any]:
        created, duration = self.jobs[job_id]
        done = self.clock.t >= created + duration
        return {"jobId": job_id, "status": "success" if done else "in-progress",
                "createdAt": self.at(created).isoformat(),
                "updatedAt": self.at(created + duration if done else created).isoformat()}

    async def jobs_updated_after(self, since_iso: str) -> JobListing:
        self.listings.append(self.clock.t)
        since = datetime.fromisoformat(since_iso.replace("Z", "+00:00"))
        when = self.server_now()
        jobs = [j for j in map(self.job, self.jobs)
                if datetime.fromisoformat(j["updatedAt"]) > since]
        await self.clock.sleep(self.latency)  # the answer, made on arrival, takes this long
        return JobListing(jobs, when)

    async def get_job(self, job_id: str) -> dict[str, Any]:
        self.gets += 1
        return self.job(job_id)


def setup(latency: float = 0.0) -> tuple[VirtualTime, StubServer, Poller]:
    clock = VirtualTime()
    server = StubServer(clock, latency)
    poller = Poller(server, INTERVAL, sleep=clock.sleep,  # type: ignore[arg-type]
                    monotonic=clock.monotonic)
    return clock, server, poller


async def submit_and_wait(clock: VirtualTime, server: StubServer, poller: Poller, job_id: str,
                          duration: float, kind: str = "ray 5", delay: float = 0.0) -> float:
    """What the provider and the engine do with one job; returns when its success was seen."""
    await clock.sleep(delay)
    server.jobs[job_id] = (clock.t, duration)
    poller.seen({"jobId": job_id, "status": "pending"}, kind=kind)
    while (await poller.status(job_id))["status"] != "success":
        pass
    return clock.t


def lone_schedule(until: float) -> list[float]:
    """When a job alone is looked at, by the documented rule."""
    t, out = 0.0, []
    while True:
        t += min(INTERVAL, FIRST_WAIT + (GROWTH - 1) * t)
        if t > until:
            return out
        out.append(t)


def test_a_lone_job_is_looked_at_soon_then_every_interval() -> None:
    clock, server, poller = setup()
    seen = asyncio.run(clock.run(submit_and_wait(clock, server, poller, "a", 60.0)))
    assert server.listings == pytest.approx(lone_schedule(seen))
    assert server.listings[:4] == pytest.approx([0.25, 0.625, 1.1875, 2.03125])
    gaps = [b - a for a, b in itertools.pairwise(server.listings)]
    assert gaps[-10:] == pytest.approx([INTERVAL] * 10)  # long jobs: the interval, no faster
    assert seen - 60.0 <= INTERVAL
    assert len(server.listings) < 60.0 / INTERVAL + 8


def test_one_listing_per_round_serves_every_job() -> None:
    clock, server, poller = setup()

    async def many() -> list[float]:
        return await asyncio.gather(*(submit_and_wait(clock, server, poller, f"j{i}", 30.0)
                                      for i in range(40)))

    seen = asyncio.run(clock.run(many()))
    assert server.listings == pytest.approx(lone_schedule(max(seen)))  # as for one job
    assert server.gets == 0


def test_another_jobs_rounds_do_not_push_a_young_jobs_looks_out() -> None:
    """An old job answered every round must not make a new job's waits grow round by round:
    the new one is still looked at by its own age."""
    clock, server, poller = setup()

    async def both() -> tuple[float, float]:
        old = submit_and_wait(clock, server, poller, "old", 100.0)
        young = submit_and_wait(clock, server, poller, "young", 2.1, kind="other", delay=20.0)
        a, b = await asyncio.gather(old, young)
        return a, b

    _, young_seen = asyncio.run(clock.run(both()))
    looks = [20.0, *(t for t in server.listings if 20.0 < t <= young_seen)]
    for before, after in itertools.pairwise(looks):
        assert after - before <= FIRST_WAIT + (GROWTH - 1) * (before - 20.0) + 1e-9, looks
    assert young_seen - 22.1 <= FIRST_WAIT + (GROWTH - 1) * 2.1


def test_a_job_alike_is_looked_at_when_the_quickest_of_its_kind_finished() -> None:
    clock, server, poller = setup()

    async def in_turn() -> list[float]:
        first = await submit_and_wait(clock, server, poller, "first", 2.0)
        second = await submit_and_wait(clock, server, poller, "second", 2.0)  # alike
        third = await submit_and_wait(clock, server, poller, "third", 2.1)  # a little slower
        other = await submit_and_wait(clock, server, poller, "other", 2.0, kind="ray 9")
        return [first, second, third, other]

    first, second, third, other = asyncio.run(clock.run(in_turn()))
    assert first == pytest.approx(2.03125)  # nothing learned yet: the age schedule
    assert second - first == pytest.approx(2.0)  # seen the moment it could be done
    assert third - second == pytest.approx(2.2)  # a tenth later
    assert other - third == pytest.approx(2.03125)  # another kind learns nothing from these


def test_a_round_begun_just_before_the_expected_end_does_not_count_as_a_look_after_it() -> None:
    """Listings take 0.3 s. A neighbour submitted 1.5 s after a job alike is first looked at
    0.25 s later: that round begins at 1.75 s, before the job alike can be done, and answers
    "in progress" at 2.05 s. The job alike is looked at again at once, not a tenth later."""
    clock, server, poller = setup(latency=0.3)

    async def run() -> float:
        await submit_and_wait(clock, server, poller, "first", 2.0)
        start = clock.t
        neighbour = submit_and_wait(clock, server, poller, "neighbour", 50.0, kind="slow",
                                    delay=1.5)
        alike = submit_and_wait(clock, server, poller, "alike", 2.0)
        _, seen = await asyncio.gather(neighbour, alike)
        assert [t - start for t in server.listings if start + 1.5 < t < seen] == pytest.approx(
            [1.75, 2.05])  # the early round, and the one at once
        return seen - start

    seen = asyncio.run(clock.run(run()))
    assert seen == pytest.approx(2.05 + 0.3)


def test_a_job_of_a_kind_that_took_a_minute_is_not_looked_at_in_its_first_half_minute() -> None:
    clock, server, poller = setup()

    async def in_turn() -> tuple[float, float]:
        first = await submit_and_wait(clock, server, poller, "first", 60.0)
        second = await submit_and_wait(clock, server, poller, "second", 61.0)
        return first, second

    first, second = asyncio.run(clock.run(in_turn()))
    assert not [t for t in server.listings if first < t < first + 30.0]
    assert second - first == pytest.approx(63.0)  # at 30 s, then every interval (60 s: not
    # done yet; 63 s)
    assert len([t for t in server.listings if t > first]) < 15


def test_long_jobs_cost_about_one_shared_round_per_interval() -> None:
    """40 jobs of 50 to 70 s, 8 at once, as the engine runs them: the listings stay near one
    per interval for all of them (one GET per job every interval would be ~20 per job)."""
    clock, server, poller = setup(latency=0.02)
    rnd = random.Random(7)
    queue = list(range(40))

    async def worker() -> None:
        while queue:
            i = queue.pop(0)
            await submit_and_wait(clock, server, poller, f"j{i}", rnd.uniform(50.0, 70.0))

    async def all_jobs() -> None:
        await asyncio.gather(*(worker() for _ in range(8)))

    asyncio.run(clock.run(all_jobs()))
    assert len(server.listings) <= 1.5 * clock.t / INTERVAL
    assert len(server.listings) / 40 < 4
    assert server.gets == 0
