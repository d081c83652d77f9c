"""Acceptance ("Trust: hostile input"): a long session compressed in time. One 24-shot film of
frame chains is built on one fake server that fails ~15% of requests (every transient kind, on
API and storage routes alike, jobs created and their answers lost included), its builds killed
with SIGKILL at seeded random moments and restarted until the film is whole. Every shot ends up
paid for exactly once and every cut is rendered.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from acceptance_helpers import assert_complete, cli_env, storyboard, write_film

from storyboard.cache import LockFile
from storyboard.media import Ffmpeg
from storyboard.testing import ROUTE_NAMES, TRANSIENT_FAULT_KINDS, FakeScenario
from storyboard.testing.clips import ClipCache
from storyboard.testing.models import frame_size

pytest_plugins = ["storyboard.testing.pytest_plugin"]
pytestmark = pytest.mark.e2e

SEED = 1337
CHAINS, LINKS = 6, 4  # six chains of four shots, each starting on the last frame of the one before
LATENCY = 0.2  # seconds per job here; a real Luma job takes 2 to 4 minutes
FAULT_RATE = 0.15
KILLED_ROUNDS = 14  # rounds killed at a random moment (unless they end first)
KILL_WINDOW = (0.3, 2.5)  # seconds after the build starts
MAX_ROUNDS = KILLED_ROUNDS + 8
BUILD_TIMEOUT = 60  # one uninterrupted round; longer is a hang

# Every shot a different (resolution, aspect ratio, duration): the fake renders one clip per
# size, and a real model never returns the same bytes for two shots either.
ASPECTS = ("16:9", "9:16", "1:1", "4:3", "3:4", "21:9", "9:21")
SIZES = [(res, aspect, seconds) for res in ("540p", "720p") for seconds in (5, 9)
         for aspect in ASPECTS][:CHAINS * LINKS]


def shot_name(chain: int, link: int) -> str:
    return f"c{chain}s{link}"


def soak_film() -> str:
    lines = ["version: 1", "name: soak", "shots:"]
    for chain in range(CHAINS):
        for link in range(LINKS):
            res, aspect, seconds = SIZES[chain * LINKS + link]
            start = f", start_frame: {shot_name(chain, link - 1)}.last_frame" if link else ""
            lines += [f"  {shot_name(chain, link)}:",
                      f"    generate: {{model: ray-flash-2, resolution: {res}, aspect_ratio: "
                      f"\"{aspect}\", duration: {seconds}, prompt: \"Chain {chain}, beat {link}: "
                      f"the fox runs on\"{start}}}"]
    lines.append("cuts:")
    half = CHAINS // 2
    for cut, chains in (("reel_a", range(half)), ("reel_b", range(half, CHAINS))):
        lines += [f"  {cut}:", "    resolution: 540p", "    shots:"]
        lines += [f"      - {{shot: {shot_name(c, s)}, trim: [0, 0.3]}}"
                  for c in chains for s in range(LINKS)]
    return "\n".join(lines) + "\n"


SHOTS = [f"shot:{shot_name(c, s)}" for c in range(CHAINS) for s in range(LINKS)]
SCRIPTED_ROUTE = {"drop_after_create": "generate", "oversize": "storage_get",
                  "wrong_type": "storage_get", "truncated": "storage_get"}


@dataclass
class Round:
    code: int | None  # None: killed
    seconds: float
    built: int  # nodes this round finished (done events)


def build_round(root: Path, env: dict[str, str], kill_at: float | None, log: Path) -> Round:
    """One `storyboard build`: killed with SIGKILL (its whole process group) at `kill_at` s
    unless it ends first."""
    started = time.monotonic()
    with log.open("w") as out:
        proc = subprocess.Popen(storyboard(root), env=env, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
        try:
            proc.wait(timeout=kill_at if kill_at is not None else BUILD_TIMEOUT)
            code: int | None = proc.returncode
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
            assert kill_at is not None, f"an uninterrupted build hung:\n{log.read_text()[-3000:]}"
            code = None
    text = log.read_text()
    assert "Traceback" not in text, text[-3000:]
    built = 0
    for line in text.splitlines():
        if line.startswith('{"event": "done"') and '"status": "done"' in line:
            built += 1
    return Round(code, time.monotonic() - started, built)


def test_a_compressed_soak_with_faults_and_kills_pays_each_shot_once(
        tmp_path: Path, fake_scenario_clip_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    began = time.monotonic()
    clips = ClipCache(fake_scenario_clip_dir)
    with ThreadPoolExecutor(max_workers=2) as pool:  # the fake's result clips, made ahead
        list(pool.map(lambda s: clips.get(s[2], *frame_size(s[1], int(s[0][:-1]))), SIZES))
    root = write_film(tmp_path, soak_film(), name="soak")
    fake = FakeScenario(latency=LATENCY, upload_import_delay=0.01, seed=SEED,
                        fault_rate=FAULT_RATE, fault_kinds=TRANSIENT_FAULT_KINDS,
                        fault_routes=ROUTE_NAMES, rate_limit_seconds=0.05,
                        clip_dir=fake_scenario_clip_dir)
    rng = random.Random(SEED)
    rounds: list[Round] = []
    with fake:
        env = cli_env(fake)
        # Random faults at this rate may miss a rare kind: each also happens once for certain.
        fake.script_faults(f"{SCRIPTED_ROUTE.get(k, 'get_job')}:{k}"
                           for k in TRANSIENT_FAULT_KINDS)
        soak_started = time.monotonic()
        for i in range(MAX_ROUNDS):
            kill_at = rng.uniform(*KILL_WINDOW) if i < KILLED_ROUNDS else None
            rounds.append(build_round(root, env, kill_at, tmp_path / f"round{i:02d}.log"))
            r = rounds[-1]
            assert r.code in (None, 0, 1), (tmp_path / f"round{i:02d}.log").read_text()[-3000:]
            if r.code == 0:
                break
        soak_seconds = time.monotonic() - soak_started
        assert rounds[-1].code == 0, rounds

        faults = fake.counters.faults
        assert not fake.scripted_faults
        assert set(faults) == set(TRANSIENT_FAULT_KINDS), faults
        fake.clear_faults()
        assert_complete(root, fake, cut="renders/reel_a.mp4", shots=SHOTS)
        reel_b = Ffmpeg().probe(root / "renders" / "reel_b.mp4")
        assert reel_b.kind == "video" and reel_b.duration, reel_b
        c = fake.counters
        assert c.identical_submissions == 0, c
        assert c.jobs_created == len(SHOTS), c
        lock = LockFile(root / "storyboard.lock")
        assert {lock.nodes[s].job for s in SHOTS} == {j.job_id for j in fake.jobs}
        assert not fake.internal_errors, fake.internal_errors

    kills = sum(1 for r in rounds if r.code is None)
    assert kills >= KILLED_ROUNDS // 2, rounds  # the kills really happened
    # And so did the faults. Polls share one job listing per round, so a build sends fewer
    # requests than when each job was polled alone (about 30 faults then, 28-31 now).
    assert sum(faults.values()) >= 20, faults
    jobs = c.jobs_created
    with capsys.disabled():
        print(f"\nsoak: {len(rounds)} build rounds ({kills} killed with SIGKILL), "
              f"{jobs} jobs for {len(SHOTS)} shots, 0 paid twice, 2 cuts rendered; "
              f"{sum(faults.values())} faults injected ({json.dumps(faults, sort_keys=True)}); "
              f"soak {soak_seconds:.1f} s, test {time.monotonic() - began:.1f} s; nodes built "
              f"per round: {' '.join(str(r.built) for r in rounds)}.\n"
              f"soak: covers {jobs} jobs x 2-4 min = {jobs * 2}-{jobs * 4} min of real job time "
              f"(here {jobs} x {LATENCY:g} s = {jobs * LATENCY:.1f} s)")
