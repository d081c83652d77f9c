"""Leftovers of issues 10 and 11 against the real CLI and the fake server: a lasting fault on the
job listing that polling uses ends in a clear node failure with the job kept in the journal (a
later build resumes it, not paying again), and a damaged journal entry blocks its node's paid
resubmission."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from test_hostile_server import (
    HARD_TIMEOUT,
    Ran,
    argv,
    assert_intact,
    assert_whole,
    cli_env,
    film,
    journal_states,
    plan,
    storyboard,
)

from storyboard.cache import LockFile
from storyboard.testing import FakeScenario

pytestmark = pytest.mark.e2e


def submitted_then(fake: FakeScenario, root: Path, env: dict[str, str], then: object) -> Ran:
    """Run a build until shot:first's job is in the journal, call `then`, and let it finish."""
    proc = subprocess.Popen(argv(root), env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        end = time.monotonic() + HARD_TIMEOUT
        while journal_states(root).get("shot:first") != "submitted":
            assert time.monotonic() < end and proc.poll() is None, "never submitted"
            time.sleep(0.02)
        assert callable(then)
        then()
        out, err = proc.communicate(timeout=HARD_TIMEOUT)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
    assert "Traceback" not in err, err
    events = [json.loads(line) for line in out.splitlines()
              if line.startswith("{") and line.endswith("}")]
    return Ran(proc.returncode, out, err, events)


def test_lasting_500s_on_the_job_listing_fail_the_node_and_a_rebuild_resumes_its_job(
        tmp_path: Path, fake_scenario: FakeScenario) -> None:
    root = film(tmp_path)
    env = cli_env(fake_scenario)
    plan(root, env)
    fake_scenario.latency = 1.0  # the job is still running when the listing starts failing
    r = submitted_then(fake_scenario, root, env, lambda: fake_scenario.configure_faults(
        rate=1.0, kinds=["500"], routes=["list_jobs"]))
    assert r.code == 1, r
    (job,) = fake_scenario.jobs
    failed = r.failures()
    assert set(failed) == {"shot:first"}, failed
    error = failed["shot:first"]["error"]
    assert "listing recent jobs: Scenario answered 500" in error, error
    assert "gave up after 5 attempts" in error, error
    assert f"job {job.job_id} is kept" in error and "not submitted again" in error, error
    assert journal_states(root).get("shot:first") == "submitted"  # kept, with its job
    assert_intact(root, fake_scenario)

    fake_scenario.clear_faults()
    fake_scenario.latency = 0.2
    again = storyboard(root, env)
    assert again.code == 0, again
    assert any(f"resuming job {job.job_id}" in w for w in again.warnings()), again.warnings()
    assert_whole(root, fake_scenario)
    assert LockFile(root / "storyboard.lock").nodes["shot:first"].job == job.job_id


def test_a_damaged_journal_entry_blocks_its_nodes_paid_resubmission(
        tmp_path: Path, fake_scenario: FakeScenario) -> None:
    root = film(tmp_path)
    env = cli_env(fake_scenario)
    plan(root, env)
    fake_scenario.latency = 1.0
    r = submitted_then(fake_scenario, root, env, lambda: fake_scenario.configure_faults(
        rate=1.0, kinds=["500"], routes=["list_jobs"]))
    assert r.code == 1, r
    fake_scenario.clear_faults()
    (entry,) = [p for p in (root / ".storyboard" / "journal").glob("*.json")
                if json.loads(p.read_text("utf-8"))["node"] == "shot:first"]
    entry.write_bytes(b"\x00\xff{garbage\x9c")  # a disk fault, or a hand edit gone wrong
    generated = fake_scenario.counters.requests["generate"]

    again = storyboard(root, env)
    assert again.code != 0, again
    failed = again.failures()
    assert "shot:first" in failed, again
    error = failed["shot:first"]["error"]
    assert f"the submission journal entry {entry} is damaged" in error, error
    assert "a paid job may already exist for this node, so it is not submitted again" in error
    assert "delete the entry to submit anew" in error
    assert fake_scenario.counters.requests["generate"] == generated  # 0 new submissions
    assert fake_scenario.counters.jobs_created == 1
    assert entry.read_bytes() == b"\x00\xff{garbage\x9c"  # left for someone to look at
