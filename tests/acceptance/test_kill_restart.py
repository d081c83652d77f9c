"""Acceptance ("Real shots"): `kill -9` of a real build at 20 different moments, each followed by
a normal build, never pays for a job twice and always ends with the whole film.

One fake server sees all 20 rounds (a fresh copy of the project each round, its prompts tagged
with the round so that rounds never share a request), so "zero identical submissions" and
"exactly one job per shot" cover every kill and every restart.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from acceptance_helpers import (
    SMALL_SHOTS,
    LiveBuild,
    assert_complete,
    cli_env,
    journal_has,
    run,
    small_film,
    storyboard,
)

from storyboard.testing import FakeScenario

pytest_plugins = ["storyboard.testing.pytest_plugin"]
pytestmark = pytest.mark.e2e

LATENCY = 0.2
SLOW = 0.6  # seconds a "slow" fault holds a request


@dataclass
class Round:
    """Where to kill: `arm` prepares the fake (slow routes, long jobs), `when` says the moment
    has come; `settle` lets a request the fake is still holding finish before the restart (a
    submission that reached the service creates its job even if the client is gone)."""

    name: str
    when: Callable[[LiveBuild, FakeScenario, Path, dict[str, float]], bool]
    arm: Callable[[FakeScenario], None] = lambda _f: None
    settle: float = 0.0
    timed: bool = False  # `when` is a plain time offset, scaled by a whole build's wall time


def requests(fake: FakeScenario, route: str) -> int:
    return fake.counters.requests.get(route, 0)


def slow(route: str) -> Callable[[FakeScenario], None]:
    def arm(fake: FakeScenario) -> None:
        fake.configure_faults(rate=1.0, kinds=["slow"], routes=[route], slow_seconds=SLOW)
    return arm


def long_jobs(fake: FakeScenario) -> None:
    fake.latency = 2.0


def in_flight(route: str, n: int) -> Callable[[LiveBuild, FakeScenario, Path, dict[str, float]],
                                              bool]:
    """The n-th request of this round on `route` has reached the fake (and is being held)."""
    return lambda b, f, root, base: requests(f, route) - base.get(route, 0) >= n


def submitted(node: str) -> Callable[[LiveBuild, FakeScenario, Path, dict[str, float]], bool]:
    return lambda b, f, root, base: journal_has(root, node, "submitted")


def mid_submission(node: str) -> Callable[[LiveBuild, FakeScenario, Path, dict[str, float]],
                                          bool]:
    """The journal holds an intent for `node` while the fake holds a submission of this round
    (a generate call that is neither a dry run nor a created job yet): once the fake lets it
    go, the job exists and the answer goes nowhere."""

    def when(b: LiveBuild, f: FakeScenario, root: Path, base: dict[str, float]) -> bool:
        c = f.counters
        held = (c.requests.get("generate", 0) - base["generate"]
                - (c.dry_runs - base["dry_runs"]) - (c.jobs_created - base["jobs"]))
        return held >= 1 and journal_has(root, node, "intent")

    return when


def polling(node: str) -> Callable[[LiveBuild, FakeScenario, Path, dict[str, float]], bool]:
    return lambda b, f, root, base: b.saw("progress", node,
                                          ("pending", "queued", "in-progress"))


def downloading(node: str) -> Callable[[LiveBuild, FakeScenario, Path, dict[str, float]], bool]:
    """A storage GET of this round is held by the fake, after the engine said it downloads
    `node` (the first download of the round is the first shot's: every other shot needs it)."""
    return lambda b, f, root, base: (b.saw("progress", node, ("downloading",))
                                     and requests(f, "storage_get") > base.get("storage_get", 0))


def slow_download(fake: FakeScenario) -> None:
    fake.configure_faults(slow_seconds=SLOW)
    fake.script_faults(["storage_get:slow"])


def a_later_download(b: LiveBuild, f: FakeScenario, root: Path, base: dict[str, float]) -> bool:
    """Once the second shot is being polled, hold the next storage GET (the second's or the
    reframe's download, whichever comes first) and kill while it is held."""
    if "armed" not in base:
        if not b.saw("progress", "shot:second", ("pending", "queued", "in-progress")):
            return False
        slow_download(f)
        base["armed"] = requests(f, "storage_get")
    return requests(f, "storage_get") > base["armed"]


def started(node: str) -> Callable[[LiveBuild, FakeScenario, Path, dict[str, float]], bool]:
    return lambda b, f, root, base: b.saw("started", node)


def after(fraction: float) -> Callable[[LiveBuild, FakeScenario, Path, dict[str, float]],
                                       bool]:
    """A plain time offset: this fraction of an uninterrupted build's wall time."""
    return lambda b, f, root, base: b.elapsed() >= fraction * base["reference"]


ROUNDS = [
    Round("uploading the photo (planning)", in_flight("create_asset", 1), slow("create_asset")),
    Round("uploading the frame (after the intent)", in_flight("create_asset", 2),
          slow("create_asset")),
    Round("first: request sent, no answer yet", mid_submission("shot:first"), slow("generate"),
          settle=SLOW + 0.3),
    Round("second (or tall): request sent, no answer yet", mid_submission("shot:second"),
          slow("generate"), settle=SLOW + 0.3),
    Round("first: right after its job id was journaled", submitted("shot:first")),
    Round("second: right after its job id was journaled", submitted("shot:second")),
    Round("tall: right after its job id was journaled", submitted("shot:tall")),
    Round("first: polling", polling("shot:first"), long_jobs),
    Round("second: polling", polling("shot:second"), long_jobs),
    Round("tall: polling", polling("shot:tall"), long_jobs),
    Round("first: downloading", downloading("shot:first"), slow_download),
    # Long jobs: the second shot is seen polling well before its download, even when the
    # build's progress lines reach the test late on a loaded machine.
    Round("a later shot: downloading", a_later_download, long_jobs),
    Round("extracting the last frame", started("frame:first.last_frame")),
    Round("rendering the cut", started("cut:film")),
    *(Round(f"{f:.0%} of a whole build's time", after(f), timed=True)
      for f in (0.15, 0.25, 0.35, 0.45, 0.55, 0.65)),
]


def test_kill_9_at_any_moment_then_rebuild_never_pays_twice(
        tmp_path: Path, photo: Path, fake_scenario_clip_dir: Path) -> None:
    assert len(ROUNDS) == 20
    fake = FakeScenario(latency=LATENCY, upload_import_delay=0.01,
                        clip_dir=fake_scenario_clip_dir)
    with fake:
        env = cli_env(fake)
        # Uninterrupted builds first: the second one's wall time scales the plain time offsets
        # (during the first, the fake renders its result clips).
        for name in ("warm-up", "reference"):
            started = time.monotonic()
            whole = run(storyboard(small_film(tmp_path, photo, f" ({name})", name)), env)
            reference = time.monotonic() - started
            assert whole.code == 0, whole
        jobs_before = fake.counters.jobs_created
        whole_builds = 2
        for i, r in enumerate(ROUNDS):
            for attempt in range(3):
                root = small_film(tmp_path, photo, tag=f" (round {i}.{attempt})",
                                  name=f"round{i:02d}.{attempt}")
                c = fake.counters
                base: dict[str, float] = {**c.requests, "dry_runs": c.dry_runs,
                                          "jobs": c.jobs_created, "reference": reference}
                base.setdefault("generate", 0)
                r.arm(fake)
                build = LiveBuild(storyboard(root), env)
                reached = build.wait_for(lambda b=build, r=r, root=root, base=base:
                                         r.when(b, fake, root, base))
                took = build.elapsed()
                code = build.kill()
                fake.clear_faults()
                fake.latency = LATENCY
                if reached or not r.timed or code != 0:
                    break
                # A plain time offset outlasted this build: the machine got faster than when
                # the reference was measured. That build ran whole; scale by it and go again.
                assert_complete(root, fake)
                reference, whole_builds = took, whole_builds + 1
                jobs_before = fake.counters.jobs_created
            assert reached, f"round {i} ({r.name}): the build ended before the moment came"
            assert code == -9, f"round {i} ({r.name}): exit {code}, not killed"
            time.sleep(r.settle)

            restart = run(storyboard(root), env)
            assert restart.code == 0, f"round {i} ({r.name}): {restart}"
            jobs = assert_complete(root, fake)
            assert set(jobs) == set(SMALL_SHOTS)
            c = fake.counters
            assert c.identical_submissions == 0, f"round {i} ({r.name}) paid twice"
            assert c.jobs_created - jobs_before == len(SMALL_SHOTS), \
                f"round {i} ({r.name}): {c.jobs_created - jobs_before} jobs for 3 shots"
            jobs_before = c.jobs_created
        assert not fake.internal_errors, fake.internal_errors
    c = fake.counters
    assert (c.jobs_created, c.identical_submissions) == (3 * (len(ROUNDS) + whole_builds), 0)
