"""Two machines, one remote, eight independent paid shots, `--jobs 2` each, the second started
once the first has sent a job: a machine holds a lease only for a job it is sending or has
running (never more than its 2 slots, none for a node queued behind them or waiting on a
teammate), so both machines send jobs, each shot is paid once, and both end with one lock.

In one event loop (fast): two real engines and `Team`s with real leases on a folder remote, and
a stand-in provider whose jobs share one world. A job runs until both machines have sent one
(bounded, so a machine that never sends one only makes the test fail, never hang): that order
is what makes the test decide, not timing.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from storyboard.engine import Engine, RecordingReporter, Summary
from storyboard.engine.status import Statuses
from storyboard.project import Project
from storyboard.providers import BaseProvider, Fetched, JobStatus, Request
from storyboard.remote import open_remote
from storyboard.remote.conditional import cells
from storyboard.remote.lease import Held, Leases
from storyboard.team import Team

SHOTS, JOBS = 8, 2
FILM = "version: 1\nname: shared\nshots:\n" + "".join(
    f"  s{i}:\n    generate: {{prompt: \"Shot {i} of the fox\", model: ray-flash-2, "
    "duration: 5}\n" for i in range(SHOTS))
BOUND = 50_000  # polls after which a job ends anyway (reached only when a machine sends none)


class World:
    """The provider's side: every job the machines sent. A job whose prompt holds FAIL fails."""

    def __init__(self, machines: int = 2) -> None:
        self.machines = machines  # how many must have sent a job before any job ends
        self.requests: dict[str, Request] = {}
        self.senders: dict[str, str] = {}  # job -> the machine that sent it
        self.polls: Counter[str] = Counter()
        self.keys: Counter[str] = Counter()  # submissions per node key
        self.ids = itertools.count(1)
        self.first = asyncio.Event()

    def done(self, job: str) -> bool:
        self.polls[job] += 1
        return len(set(self.senders.values())) >= self.machines or self.polls[job] >= BOUND


class Machine(BaseProvider):
    """One machine's credentials on the shared world."""

    name = "scenario"
    paid = True
    poll_interval = 0.0

    def __init__(self, who: str, world: World) -> None:
        self.who = who
        self.world = world
        self.ended: set[str] = set()  # jobs whose end this machine's own polls saw

    async def estimate(self, request: Request) -> float | None:
        return 1.0

    async def submit(self, request: Request) -> str:
        w = self.world
        job = f"job-{next(w.ids)}"
        w.requests[job], w.senders[job] = request, self.who
        w.keys[request.key] += 1
        w.first.set()
        return job

    async def poll(self, job_id: str) -> JobStatus:
        if not self.world.done(job_id):
            return JobStatus("running", 0.5, "in-progress")
        self.ended.add(job_id)
        if "FAIL" in str(self.world.requests[job_id].node.fields.get("prompt")):
            return JobStatus("failed", error="moderated")
        return JobStatus("done", 1.0, "done")

    async def fetch(self, job_id: str, request: Request, workdir: Path) -> Fetched:
        out = workdir / f"{job_id}.bin"
        out.write_bytes(f"{request.key}:{request.node.id}".encode())
        return Fetched(out, 1.0)


class Watched(Team):
    """A `Team` that notes, at every lease it takes, how many of its leases are for jobs that
    have not ended: a lease for a node queued behind the slots would count too."""

    def __init__(self, *args: object, **kw: object) -> None:
        super().__init__(*args, **kw)  # type: ignore[arg-type]
        self.peak = 0

    def _hold(self, held: Held) -> None:
        super()._hold(held)
        ended = self.provider.ended  # type: ignore[attr-defined]
        live = [h for h in self.held.values() if h.lease.job not in ended]
        self.peak = max(self.peak, len(live))


async def tick(_seconds: float) -> None:
    await asyncio.sleep(0)


def _machine(tmp_path: Path, who: str, world: World, film: str = FILM, *,
             sleep: Callable[[float], Awaitable[None]] = tick, **kw: Any
             ) -> tuple[Engine, Watched, Project]:
    """One machine: its own copy of the film and cache, the shared remote, `--jobs 2`."""
    root = tmp_path / who
    root.mkdir()
    (root / "storyboard.yaml").write_text(film, "utf-8")
    p = Project.load(root)
    remote = open_remote(str(tmp_path / "team-cache"))
    c = cells(remote)
    provider = Machine(who, world)
    reporter = RecordingReporter()
    team = Watched(remote, c, p.ws.store, provider, reporter,
                   leases=Leases(c, 3600.0, host=who), sleep=sleep)
    engine = Engine(p.ws, p.graph, provider, reporter, jobs=JOBS, sleep=tick, coordinator=team,
                    now=lambda: "2026-01-01T00:00:00Z", **kw)
    return engine, team, p


def test_two_machines_share_the_ready_shots_and_hold_leases_only_for_their_jobs(
        tmp_path: Path) -> None:
    world = World()
    (ann, ann_team, ann_p), (bob, bob_team, bob_p) = (_machine(tmp_path, "ann", world),
                                                      _machine(tmp_path, "bob", world))

    async def both() -> list[Summary]:
        async def later() -> Summary:
            await world.first.wait()  # ann has sent a job: what she claimed is claimed
            return await bob.run(bob_p.graph.order())

        return list(await asyncio.gather(ann.run(ann_p.graph.order()), later()))

    summaries = asyncio.run(both())
    for s in summaries:
        assert s.failed == [], s.as_dict()
    peaks = (ann_team.peak, bob_team.peak)
    assert max(peaks) <= JOBS, f"leases held for jobs not sent: {peaks}"
    assert set(world.senders.values()) == {"ann", "bob"}, "one machine did all the work"
    assert len(world.keys) == SHOTS and set(world.keys.values()) == {1}  # each paid once
    locks = [(m / "storyboard.lock").read_bytes() for m in (tmp_path / "ann", tmp_path / "bob")]
    assert locks[0] == locks[1]
    assert Leases(ann_team.cells).all() == []  # each let go once its record was published


def test_fail_fast_sends_nothing_once_a_teammates_lease_is_let_go_after_a_failure(
        tmp_path: Path) -> None:
    """bob's shot a fails while his b waits on ann's lease; ann lets it go without a record:
    with --fail-fast bob neither claims b again nor pays for it."""
    film = FILM.split("shots:")[0] + "shots:\n" \
        "  a:\n    generate: {prompt: FAIL, model: ray-flash-2, duration: 5}\n" \
        "  b:\n    generate: {prompt: A fox, model: ray-flash-2, duration: 5}\n"
    world = World(machines=1)
    ann_leases: list[Held] = []

    async def sleep(_seconds: float) -> None:
        failed = [e for e in reporter.events if e[0] == "node_done" and e[1].status == "failed"]
        if failed and ann_leases:  # only now does ann give up b, leaving no record
            ann.release(ann_leases.pop())
        await asyncio.sleep(0)

    bob, team, p = _machine(tmp_path, "bob", world, film, sleep=sleep, fail_fast=True)
    reporter = team.reporter
    assert isinstance(reporter, RecordingReporter)
    ann = Leases(team.cells, 3600.0, host="ann")
    b_key = Statuses(p.graph, p.ws, "scenario").of("shot:b", {}).key
    assert b_key is not None
    held = ann.acquire(b_key, "shot:b", "scenario")
    assert held is not None
    ann_leases.append(held)
    summary = asyncio.run(bob.run(p.graph.order()))
    got = {r.node: (r.status, r.error) for r in summary.results}
    assert got["shot:a"][0] == "failed"
    assert got["shot:b"] == ("skipped", "stopped after a failure (--fail-fast)")
    assert b_key not in world.keys and not ann_leases  # waited, then not paid for
    assert ann.all() == []
