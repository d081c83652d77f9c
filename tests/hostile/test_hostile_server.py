"""A hostile or broken Scenario server: a download larger than announced, the wrong content type,
a body cut short, an HTML page where JSON was expected, a job that never finishes, a server that
answers very slowly. Each ends in a clear node failure (or, when the fault happens once, in a
successful retry), never in a hang, a corrupt cache object, a broken lock or a job paid twice.

Builds run the real CLI in a subprocess against the fake server, each with a hard timeout.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from storyboard.cache import LockFile, hash_file
from storyboard.media import Ffmpeg
from storyboard.testing import FakeScenario
from storyboard.testing.clips import ClipCache

pytest_plugins = ["storyboard.testing.pytest_plugin"]
pytestmark = pytest.mark.e2e

HARD_TIMEOUT = 60  # seconds any one build may take before the test calls it a hang
FILM = """\
version: 1
name: hostile
defaults:
  generate: {model: ray-flash-2, resolution: 540p, aspect_ratio: "16:9"}
shots:
  first:
    generate: {prompt: "A fox at dawn", duration: 5}
  second:
    generate: {prompt: "The fox leaps", start_frame: first.last_frame, duration: 9}
cuts:
  film:
    resolution: 540p
    shots:
      - {shot: first, trim: [0, 0.5]}
      - {shot: second, trim: [0, 0.5]}
"""
SHOTS = ("shot:first", "shot:second")
FLASH = "model_luma-ray-flash-2-540p"
TIMEOUT = {"STORYBOARD_HTTP_TIMEOUT": "0.5"}  # the client's; a "slow" fault holds for 30 s


@pytest.fixture(autouse=True)
def rendered_results(fake_scenario_clip_dir: Path) -> None:
    """The fake renders each result size on first download; done ahead, so that a short client
    timeout only ever meets the faults a test injects."""
    clips = ClipCache(fake_scenario_clip_dir)
    for seconds in (5, 9):
        clips.get(seconds, 960, 540)


@dataclass
class Ran:
    code: int
    stdout: str
    stderr: str
    events: list[dict[str, Any]] = field(default_factory=list)

    def failures(self) -> dict[str, dict[str, Any]]:
        return {e["node"]: e for e in self.events
                if e.get("event") == "done" and e.get("status") == "failed"}

    def warnings(self) -> list[str]:
        return [e["text"] for e in self.events if e.get("event") == "warning"]

    def __str__(self) -> str:
        return f"exit {self.code}\nstdout:\n{self.stdout[-3000:]}\nstderr:\n{self.stderr[-3000:]}"


def film(tmp_path: Path) -> Path:
    root = tmp_path / "film"
    root.mkdir()
    (root / "storyboard.yaml").write_text(FILM, "utf-8")
    return root


def cli_env(fake: FakeScenario, **overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SCENARIO_", "STORYBOARD_"))}
    env.update(fake.env)
    env.update({"STORYBOARD_POLL_INTERVAL": "0.05", "PYTHONUNBUFFERED": "1", **overrides})
    return env


def argv(root: Path, command: str = "build") -> list[str]:
    return [sys.executable, "-m", "storyboard", command, "-f", str(root), "--provider",
            "scenario", "--json"]


def storyboard(root: Path, env: dict[str, str], command: str = "build") -> Ran:
    try:
        r = subprocess.run(argv(root, command), env=env, capture_output=True, text=True,
                           timeout=HARD_TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        pytest.fail(f"`storyboard {command}` hung for {HARD_TIMEOUT} s")
    events = [json.loads(line) for line in r.stdout.splitlines()
              if line.startswith("{") and line.endswith("}")]
    assert "Traceback" not in r.stderr, r.stderr
    return Ran(r.returncode, r.stdout, r.stderr, events)


def plan(root: Path, env: dict[str, str]) -> None:
    """Price the film once: the build then sends no dry run, so a fault scripted for `generate`
    hits a paid submission."""
    r = storyboard(root, env, "plan")
    assert r.code == 0, r


def assert_intact(root: Path, fake: FakeScenario) -> LockFile | None:
    """Every cache object hashes to its name, no partial download is left behind, the lock
    parses and names only objects that exist (shots: playable videos), nothing was paid twice."""
    objects = root / ".storyboard" / "cache" / "objects"
    for obj in objects.glob("*/*"):
        assert hash_file(obj) == obj.name, f"corrupt cache object {obj}"
    leftovers = [p for p in (root / ".storyboard").rglob("*") if ".part" in p.name]
    assert not leftovers, leftovers
    assert fake.counters.identical_submissions == 0
    lock_path = root / "storyboard.lock"
    if not lock_path.exists():
        return None
    assert lock_path.read_text("utf-8").startswith("schema: 1\n")
    lock = LockFile(lock_path)
    for node, rec in lock.nodes.items():
        obj = objects / rec.output[:2] / rec.output
        assert obj.is_file(), (node, rec.output)
        if node in SHOTS:
            assert Ffmpeg().probe(obj).kind == "video", node
    return lock


def assert_whole(root: Path, fake: FakeScenario) -> None:
    lock = assert_intact(root, fake)
    assert lock is not None
    assert Ffmpeg().probe(root / "renders" / "film.mp4").kind == "video"
    jobs = {lock.nodes[s].job for s in SHOTS}
    assert len(jobs) == len(SHOTS) and jobs <= {j.job_id for j in fake.jobs}
    assert fake.counters.jobs_created == len(SHOTS)


# -- the fake serves each fault as its docstring says -------------------------------------------
def test_the_fake_serves_each_hostile_fault_as_documented(fake_scenario_clip_dir: Path) -> None:
    now = [1_800_000_000.0]  # the fake's clock, moved by hand: jobs advance without waiting
    with FakeScenario(latency=0.2, clip_dir=fake_scenario_clip_dir, clock=lambda: now[0]) \
            as fake_scenario, httpx.Client(base_url=fake_scenario.base_url,
                                           auth=fake_scenario.auth, timeout=30) as api:
        job = api.post(f"/generate/custom/{FLASH}", json={"prompt": "a fox"}).json()["job"]
        now[0] += 0.3
        (asset_id,) = api.get(f"/jobs/{job['jobId']}").json()["job"]["metadata"]["assetIds"]
        asset = api.get(f"/assets/{asset_id}", params={"originalAssets": "true"}).json()["asset"]
        size = asset["properties"]["size"]

        fake_scenario.script_faults(["oversize"])  # unrouted: the next download
        r = httpx.get(asset["url"])
        assert r.status_code == 200 and int(r.headers["Content-Length"]) == len(r.content) > size
        fake_scenario.script_faults(["storage_get:wrong_type"])
        r = httpx.get(asset["url"])
        assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/html")
        assert b"<html>" in r.content
        fake_scenario.script_faults(["storage_get:truncated"])
        with pytest.raises(httpx.RemoteProtocolError, match=f"expected {size}"):
            httpx.get(asset["url"])
        assert len(httpx.get(asset["url"]).content) == size  # each fault happened once

        fake_scenario.script_faults(["get_job:html_json"])
        r = api.get(f"/jobs/{job['jobId']}")
        assert r.status_code == 200 and r.headers["Content-Type"] == "text/html"
        fake_scenario.script_faults(["get_job:truncated"])
        with pytest.raises(httpx.RemoteProtocolError):
            api.get(f"/jobs/{job['jobId']}")

        fake_scenario.script_faults(["generate:never_finishes"])
        stuck = api.post(f"/generate/custom/{FLASH}", json={"prompt": "a stuck fox"})
        now[0] += 0.5
        view = api.get(f"/jobs/{stuck.json()['job']['jobId']}").json()["job"]
        assert (view["status"], view["metadata"]["assetIds"]) == ("in-progress", [])
        assert fake_scenario.jobs[-1].status == "in-progress"

        with pytest.raises(ValueError, match="cannot happen on route 'get_job'"):
            fake_scenario.script_faults(["get_job:oversize"])
        with pytest.raises(ValueError, match="unknown route"):
            fake_scenario.script_faults(["nowhere:500"])
        # Random faults reach storage only when a route names it.
        fake_scenario.configure_faults(rate=1.0, kinds=["truncated"], routes=())
        assert len(httpx.get(asset["url"]).content) == size
        fake_scenario.configure_faults(routes=["storage_get"])
        with pytest.raises(httpx.RemoteProtocolError):
            httpx.get(asset["url"])
    assert fake_scenario.counters.faults == {
        "oversize": 1, "wrong_type": 1, "truncated": 3, "html_json": 1, "never_finishes": 1}


# -- a fault that happens once: retried, and the build completes -------------------------------
ONCE = [
    pytest.param("storage_get:oversize", {}, id="download-larger-than-announced"),
    pytest.param("storage_get:wrong_type", {}, id="download-served-as-html"),
    pytest.param("storage_get:truncated", {}, id="download-cut-short"),
    # Polls are one job listing per round for every active job (the credentials check lists
    # too): a fault there is retried like any other.
    pytest.param("list_jobs:html_json", {}, id="html-instead-of-job-json"),
    pytest.param("get_asset:html_json", {}, id="html-instead-of-asset-json"),
    pytest.param("list_jobs:truncated", {}, id="job-json-cut-short"),
    pytest.param("list_jobs:slow", TIMEOUT, id="slow-poll"),
    pytest.param("storage_get:slow", TIMEOUT, id="slow-download"),
]


@pytest.mark.parametrize(("fault", "settings"), ONCE)
def test_a_fault_that_happens_once_is_retried_and_the_build_completes(
        tmp_path: Path, fake_scenario: FakeScenario, fault: str, settings: dict[str, str]
) -> None:
    root = film(tmp_path)
    env = cli_env(fake_scenario, **settings)
    fake_scenario.configure_faults(slow_seconds=30)  # far past the client's timeout
    fake_scenario.script_faults([fault])
    r = storyboard(root, env)
    assert r.code == 0, r
    assert not fake_scenario.scripted_faults
    assert fake_scenario.counters.faults == {fault.split(":")[1]: 1}
    assert_whole(root, fake_scenario)


def test_a_submission_answer_cut_short_is_found_not_paid_twice(
        tmp_path: Path, fake_scenario: FakeScenario) -> None:
    root = film(tmp_path)
    env = cli_env(fake_scenario)
    plan(root, env)
    fake_scenario.script_faults(["generate:truncated"])  # the job is made, its answer cut
    r = storyboard(root, env)
    assert r.code == 0, r
    first = fake_scenario.jobs[0].job_id
    assert any(f"found its job {first}" in w for w in r.warnings()), r.warnings()
    assert_whole(root, fake_scenario)


def test_an_html_page_answering_a_submission_is_recovered_in_the_same_build(
        tmp_path: Path, fake_scenario: FakeScenario) -> None:
    root = film(tmp_path)
    # The request's timeout is the window after which "no job" is certain (by server time).
    env = cli_env(fake_scenario, STORYBOARD_HTTP_TIMEOUT="2")
    plan(root, env)
    fake_scenario.script_faults(["generate:html_json"])  # a proxy page: no job was made
    r = storyboard(root, env)
    assert r.code == 0, r
    warnings = " | ".join(r.warnings())
    assert "HTML page (text/html) instead of a JSON object" in warnings
    assert "looking for its job on the server before anything is sent again" in warnings
    assert "made no job on the server" in warnings and "submitting again" in warnings
    c = fake_scenario.counters
    assert c.requests["generate"] - c.dry_runs == len(SHOTS) + 1  # the page, then one each
    assert_whole(root, fake_scenario)


# -- a fault that does not go away: a clear failure; the finished job is kept, not paid again ---
LASTING = [
    pytest.param("storage_get", "oversize", {},
                 r"the storage server offers \d+ bytes but the asset is \d+ bytes",
                 id="download-larger-than-announced"),
    pytest.param("storage_get", "wrong_type", {},
                 r"answered with text/html \(an HTML page: an error or sign-in page, not the "
                 r"file\) where video/mp4 was expected", id="download-served-as-html"),
    pytest.param("storage_get", "truncated", {},
                 r"the connection was dropped \(peer closed connection without sending "
                 r"complete message body", id="download-cut-short"),
    pytest.param("storage_get", "slow", TIMEOUT, r"downloading asset_\w+: timed out",
                 id="slow-download"),
]


@pytest.mark.parametrize(("route", "kind", "settings", "message"), LASTING)
def test_a_lasting_fault_fails_the_node_clearly_and_a_rebuild_resumes_its_job(
        tmp_path: Path, fake_scenario: FakeScenario, route: str, kind: str,
        settings: dict[str, str], message: str) -> None:
    root = film(tmp_path)
    env = cli_env(fake_scenario, **settings)
    fake_scenario.configure_faults(rate=1.0, kinds=[kind], routes=[route], slow_seconds=30)
    started = time.monotonic()
    r = storyboard(root, env)
    assert r.code == 1, r
    assert time.monotonic() - started < 30, "gave up far too slowly"
    failed = r.failures()
    assert set(failed) == {"shot:first"}, failed
    error = failed["shot:first"]["error"]
    assert re.search(message, error), error
    assert "gave up after 5 attempts" in error
    assert f"job {failed['shot:first']['job']}" in error and "not submitted again" in error
    skipped = {e["node"] for e in r.events if e.get("status") == "skipped"}
    assert {"shot:second", "cut:film"} <= skipped
    assert fake_scenario.counters.jobs_created == 1
    assert_intact(root, fake_scenario)

    fake_scenario.clear_faults()
    again = storyboard(root, cli_env(fake_scenario))
    assert again.code == 0, again
    assert any(f"resuming job {failed['shot:first']['job']}" in w for w in again.warnings())
    assert_whole(root, fake_scenario)
    assert LockFile(root / "storyboard.lock").nodes["shot:first"].job == \
        failed["shot:first"]["job"]


# -- a job that never finishes ---------------------------------------------------------------
DEADLINE = {"STORYBOARD_JOB_DEADLINE": "2"}


@pytest.mark.parametrize("route", ["generate"])
def test_a_job_that_never_finishes_fails_at_the_deadline_and_is_never_paid_again(
        tmp_path: Path, fake_scenario: FakeScenario, route: str) -> None:
    root = film(tmp_path)
    env = cli_env(fake_scenario, **DEADLINE)
    plan(root, env)
    fake_scenario.latency = 1.0  # so the first poll finds the job still running
    fake_scenario.script_faults([f"{route}:never_finishes"])
    started = time.monotonic()
    r = storyboard(root, env)
    assert r.code == 1, r
    assert 2 <= time.monotonic() - started < 20
    (stuck,) = fake_scenario.jobs
    error = r.failures()["shot:first"]["error"]
    assert f"job {stuck.job_id} did not finish within 2 s (still in-progress)" in error
    assert "build again later to resume polling it (it is not submitted again)" in error
    assert_intact(root, fake_scenario)

    again = storyboard(root, env)  # still stuck: resumed, failed again, never resubmitted
    assert again.code == 1, again
    assert any(f"resuming job {stuck.job_id}" in w for w in again.warnings()), again.warnings()
    assert "did not finish within 2 s" in again.failures()["shot:first"]["error"]
    assert fake_scenario.counters.jobs_created == 1
    assert_intact(root, fake_scenario)


def journal_states(root: Path) -> dict[str, str]:
    out = {}
    for p in (root / ".storyboard" / "journal").glob("*.json"):
        try:
            entry = json.loads(p.read_text("utf-8"))
        except (OSError, ValueError):
            continue  # being replaced right now
        out[entry["node"]] = entry["state"]
    return out


def test_a_never_finishing_job_resumed_after_a_kill_is_kept_past_the_deadline(
        tmp_path: Path, fake_scenario: FakeScenario) -> None:
    # The build that submitted the job is killed; the next one resumes it from the journal
    # and gives up at the deadline; the one after still resumes it instead of paying again.
    root = film(tmp_path)
    env = cli_env(fake_scenario)
    plan(root, env)
    fake_scenario.latency = 1.0
    fake_scenario.script_faults(["generate:never_finishes"])
    proc = subprocess.Popen(argv(root), env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        end = time.monotonic() + HARD_TIMEOUT
        while journal_states(root).get("shot:first") != "submitted":
            assert time.monotonic() < end and proc.poll() is None, "never submitted"
            time.sleep(0.02)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    (stuck,) = fake_scenario.jobs
    for _ in range(2):
        r = storyboard(root, cli_env(fake_scenario, **DEADLINE))
        assert r.code == 1, r
        assert any(f"resuming job {stuck.job_id}" in w for w in r.warnings()), r.warnings()
        error = r.failures()["shot:first"]["error"]
        assert f"job {stuck.job_id} did not finish within 2 s" in error
        assert journal_states(root).get("shot:first") == "submitted"
    assert fake_scenario.counters.jobs_created == 1
    assert_intact(root, fake_scenario)
