"""How a build waits on a teammate's lease (fast, fake clocks, a folder remote, a stand-in
provider): it takes the record when it appears, fails with the holder's reason when the
holder's job fails, gives up after its bound, and adopts the job of a holder gone silent."""

from __future__ import annotations

import asyncio
import json
from dataclasses import asdict
from pathlib import Path

import pytest

from storyboard.cache import Record
from storyboard.engine import RecordingReporter
from storyboard.engine.coordinator import Claim
from storyboard.errors import NodeFailed
from storyboard.project import Project
from storyboard.providers.base import JobStatus, Request
from storyboard.remote import open_remote
from storyboard.remote.conditional import cells
from storyboard.remote.lease import Leases
from storyboard.team import SOON, Team, record_name

FILM = """\
version: 1
name: waits
shots:
  dawn:
    generate: {prompt: A fox at dawn, model: ray-flash-2, duration: 5}
"""
KEY = "4" * 64


class Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


class Holder:
    """The teammate's job as this build's credentials see it."""

    name = "scenario"
    paid = True
    poll_interval = 0.0

    def __init__(self, state: str = "running") -> None:
        self.state = state

    async def poll(self, job: str) -> JobStatus:
        return JobStatus(self.state, 0.5, "in-progress" if self.state == "running" else "",  # type: ignore[arg-type]
                         error="moderated" if self.state == "failed" else "")


async def claim(team: Team, request: Request) -> Claim:
    """As the engine claims: with a slot, never waiting; on busy, wait without one and claim
    again unless the teammate's record came."""
    while True:
        got = await team.claim(request)
        if not got.busy:
            return got
        if (rec := await team.wait(request)) is not None:
            return Claim(record=rec)


def _setup(tmp_path: Path, state: str = "running", wait: float = 100.0
           ) -> tuple[Team, Leases, Request, Clock, RecordingReporter, Project]:
    (tmp_path / "storyboard.yaml").write_text(FILM)
    p = Project.load(tmp_path)
    remote = open_remote(str(tmp_path / "team-cache"))
    c = cells(remote)
    clock = Clock()
    ann = Leases(c, 10.0, host="ann", mono=clock, clock=clock)
    held = ann.acquire(KEY, "shot:dawn", "scenario")
    assert held is not None and ann.set_job(held, "job_ann")
    reporter = RecordingReporter()

    async def sleep(seconds: float) -> None:
        clock.t += seconds
        await asyncio.sleep(0)

    mine = Leases(c, 10.0, host="bob", mono=clock, clock=clock)
    team = Team(remote, c, p.ws.store, Holder(state), reporter,  # type: ignore[arg-type]
                leases=mine, wait=wait, sleep=sleep, mono=clock)
    node = p.graph.nodes["shot:dawn"]
    return team, ann, Request(node, KEY, node.body, {}), clock, reporter, p


def test_a_waiting_build_takes_the_record_when_it_appears(tmp_path: Path) -> None:
    team, _ann, request, clock, reporter, p = _setup(tmp_path)
    src = tmp_path / "clip"
    src.write_bytes(b"the teammate's clip")
    digest = p.ws.store.put(src)
    rec = Record(key=KEY, output=digest, provider="scenario", kind="generate", job="job_ann")

    async def holder_finishes() -> None:
        while clock.t < 3:
            await asyncio.sleep(0)
        team.remote.upload(p.ws.store.path(digest), digest)
        team.cells.put(record_name(KEY), json.dumps(asdict(rec)).encode())

    async def both() -> object:
        got, _ = await asyncio.gather(claim(team, request), holder_finishes())
        return got

    got = asyncio.run(both())
    assert got.record == rec  # type: ignore[attr-defined]
    # A job it can poll is watched at the polls' pace: taken within a look, not a TTL/4 later.
    assert clock.t <= 3 + SOON < 3 + team.interval
    stages = [e[1][1] for e in reporter.events if e[0] == "job_progress"]
    assert stages and all(s == "waiting for ann's job job_ann (in-progress)" for s in stages)


def test_the_holders_failed_job_fails_the_node_without_a_submission(tmp_path: Path) -> None:
    team, *_rest = _setup(tmp_path, state="failed")
    request = _rest[1]
    with pytest.raises(NodeFailed, match=r"ann \(pid \d+\)'s job job_ann for it failed: moderated"):
        asyncio.run(claim(team, request))


def test_a_live_holder_is_waited_on_only_up_to_the_bound(tmp_path: Path) -> None:
    team, ann, request, _clock, _r, _p = _setup(tmp_path, wait=20.0)
    held = ann.read(KEY)
    assert held is not None

    async def claim_while_ann_beats() -> None:
        beating = True

        async def beat() -> None:
            from storyboard.remote.lease import Held
            h = Held(*held)  # type: ignore[arg-type]
            while beating:
                ann.beat(h)
                await asyncio.sleep(0)

        task = asyncio.create_task(beat())
        try:
            await claim(team, request)
        finally:
            beating = False
            await task

    with pytest.raises(NodeFailed, match="waited 20 s for ann"):
        asyncio.run(claim_while_ann_beats())


def test_a_silent_holder_is_taken_over_and_its_job_adopted(tmp_path: Path) -> None:
    team, _ann, request, clock, reporter, _p = _setup(tmp_path)

    async def take() -> object:
        got = await claim(team, request)
        await team.close()
        return got

    got = asyncio.run(take())
    assert got.job == "job_ann" and got.record is None  # type: ignore[attr-defined]
    assert clock.t > 10  # only after the TTL without a heartbeat
    warned = [e[1] for e in reporter.events if e[0] == "warning"]
    assert any("ann (pid" in w and "taking over its job job_ann" in w for w in warned), warned
