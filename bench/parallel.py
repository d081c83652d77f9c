"""Parallel jobs on Scenario: 40 independent shots built with `--jobs 8` against the fake server
(2 s per job), timed against the ideal measured in the same run.

Ideal: 40 jobs / 8 at a time = 5 rounds x 2 s = 10 s. The measured ideal is a bare client doing
the same work (submit, poll every 20 ms, download) 8 at a time with no engine around it, on the
same fake in the same process. storyboard builds the shot targets in-process through
`Project.build(provider="scenario", jobs=8)`; there are no cuts, so no local stitching.

The poll interval is scaled like the jobs: Scenario's clients poll every ~3 s for jobs of ~30 s
and more; these take 2 s, so the bench polls every 0.2 s (BENCH_POLL=3 shows the default).
Goal: the server sees 8 jobs at once, and wall <= 1.15 x ideal.

Run: python bench/parallel.py   (loopback only)
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from storyboard.engine import NodeResult, Plan, Reporter
from storyboard.project import Project
from storyboard.providers.scenario import ScenarioClient
from storyboard.testing import FakeScenario

SHOTS = 40
JOBS = 8
LATENCY = 2.0
MODEL = "model_luma-ray-flash-2-540p"
ROUNDS = -(-SHOTS // JOBS)


class Timeline(Reporter):
    """When the plan was ready and when each node finished (monotonic seconds)."""

    def __init__(self) -> None:
        self.planned = 0.0
        self.done: list[float] = []
        self.failed: list[str] = []

    def plan(self, plan: Plan) -> None:
        self.planned = time.monotonic()

    def node_done(self, result: NodeResult) -> None:
        self.done.append(time.monotonic())
        if result.status == "failed":
            self.failed.append(f"{result.label}: {result.error}")


def write_project(root: Path) -> None:
    shots = "".join(f"  s{i:02d}:\n    generate: {{prompt: \"Bench shot {i}: a fox, take {i}\", "
                    "duration: 5}\n" for i in range(SHOTS))
    root.mkdir(parents=True)
    (root / "storyboard.yaml").write_text(
        "version: 1\nname: bench-parallel\ndefaults:\n  generate: {model: ray-flash-2, "
        f"resolution: 540p, aspect_ratio: \"16:9\"}}\nshots:\n{shots}", "utf-8")


async def bare_client(fake: FakeScenario, work: Path, tag: str) -> None:
    """The same 40 jobs with nothing but the HTTP client: 8 workers, tight polls."""
    client = ScenarioClient(fake.base_url, *fake.auth)
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(SHOTS):
        queue.put_nowait(i)

    async def worker() -> None:
        while not queue.empty():
            i = queue.get_nowait()
            body = {"prompt": f"Baseline {tag} shot {i}", "duration": 5, "aspectRatio": "16:9"}
            job_id, _ = await client.submit(MODEL, body)
            while True:
                job: dict[str, Any] = await client.get_job(job_id)
                if job["status"] == "success":
                    break
                await asyncio.sleep(0.02)
            await client.download(job["metadata"]["assetIds"][0], work / f"{tag}-{i}.mp4")

    try:
        await asyncio.gather(*(worker() for _ in range(JOBS)))
    finally:
        await client.aclose()


async def bare_client_one(fake: FakeScenario, work: Path) -> None:
    """One job end to end: the fake renders its result clip on the first download."""
    client = ScenarioClient(fake.base_url, *fake.auth)
    try:
        job_id, _ = await client.submit(MODEL, {"prompt": "warm up", "duration": 5,
                                                "aspectRatio": "16:9"})
        while (job := await client.get_job(job_id))["status"] != "success":
            await asyncio.sleep(0.02)
        await client.download(job["metadata"]["assetIds"][0], work / "warm.mp4")
    finally:
        await client.aclose()


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="storyboard-bench-") as name:
        tmp = Path(name)
        with FakeScenario(latency=LATENCY, clip_dir=tmp / "clips") as fake:
            # Warm up: the fake renders its 5 s 540p result clip once, on the first download.
            fake.latency = 0.0
            asyncio.run(bare_client_one(fake, tmp))
            fake.latency = LATENCY

            t0 = time.monotonic()
            asyncio.run(bare_client(fake, tmp, "ideal"))
            measured_ideal = time.monotonic() - t0

            root = tmp / "project"
            write_project(root)
            os.environ.update(fake.env)
            os.environ["STORYBOARD_POLL_INTERVAL"] = os.environ.get("BENCH_POLL", "0.2")
            fake.reset_counters()
            timeline = Timeline()
            t0 = time.monotonic()
            summary = Project.load(root).build(provider="scenario", jobs=JOBS,
                                               reporter=timeline)
            wall = time.monotonic() - t0
            end = time.time()  # the fake stamps jobs with time.time()
            c = fake.counters
            jobs = [j for j in fake.jobs if j.body.get("prompt", "").startswith("Bench")]
    if timeline.failed or summary.count("done") != SHOTS:
        print("build failed:", *timeline.failed, sep="\n  ")
        return 1
    ideal = ROUNDS * LATENCY
    planning = timeline.planned - t0
    last_job_end = max(j.created_at + LATENCY for j in jobs)
    first_job = min(j.created_at for j in jobs)
    print(f"{SHOTS} shots, --jobs {JOBS}, {LATENCY:g} s per job: ideal {ROUNDS} rounds x "
          f"{LATENCY:g} s = {ideal:.1f} s")
    print(f"measured ideal (bare client, same fake, same run): {measured_ideal:.2f} s")
    print(f"storyboard build: {wall:.2f} s | ratio to ideal {wall / ideal:.2f} | ratio to "
          f"measured ideal {wall / measured_ideal:.2f} | goal: <= 1.15")
    print(f"  planning (load, credentials, {c.dry_runs} dry runs): {planning:.2f} s; "
          f"first submission to last job end: {last_job_end - first_job:.2f} s; after the last "
          f"job ended: {end - last_job_end:.2f} s")
    print("  local stitching: none (shot targets only, no cuts)")
    print(f"  peak parallel jobs on the server: {c.peak_parallel_jobs} | goal: {JOBS}")
    print(f"  requests: {dict(sorted(c.requests.items()))}")
    met = c.peak_parallel_jobs == JOBS and wall <= 1.15 * measured_ideal
    print(f"goal met (peak == {JOBS}, wall <= 1.15 x measured ideal): {'yes' if met else 'NO'}"
          f"; against the {ideal:.0f} s ideal: {'yes' if wall <= 1.15 * ideal else 'NO'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
