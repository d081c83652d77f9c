"""Acceptance ("Real shots"): a lost submission answer is recovered and the user is told; a
recovery never adopts a job that another take already owns."""

from __future__ import annotations

from pathlib import Path

import pytest
from acceptance_helpers import (
    SMALL_SHOTS,
    assert_complete,
    cli_env,
    run,
    small_film,
    storyboard,
    write_film,
)

from storyboard.cache import LockFile
from storyboard.engine.journal import Journal
from storyboard.project import Project
from storyboard.testing import FakeScenario

pytest_plugins = ["storyboard.testing.pytest_plugin"]
pytestmark = pytest.mark.e2e


def test_a_recovered_submission_is_a_warning_in_the_json_output(
        tmp_path: Path, photo: Path, fake_scenario: FakeScenario) -> None:
    root = small_film(tmp_path, photo)
    env = cli_env(fake_scenario)
    assert run(storyboard(root, command="plan"), env).code == 0  # estimates cached: no dry run
    fake_scenario.script_faults(["generate:drop_after_create"])  # the next submission: first's
    r = run(storyboard(root), env)
    assert r.code == 0, r
    assert not fake_scenario.scripted_faults
    first = fake_scenario.jobs[0].job_id
    warnings = r.warnings()
    assert any(f"found its job {first}" in w and w.startswith("first:") for w in warnings), \
        warnings
    c = fake_scenario.counters
    assert (c.jobs_created, c.identical_submissions) == (len(SMALL_SHOTS), 0)
    assert c.dry_runs == 1  # the plan's: the build priced nothing again
    assert c.requests["generate"] == 1 + len(SMALL_SHOTS)  # nothing was sent twice
    assert assert_complete(root, fake_scenario)["shot:first"] == first


TAKES = """\
version: 1
name: takes
defaults:
  generate: {model: ray-flash-2, resolution: 540p, aspect_ratio: "16:9"}
shots:
  one:
    generate: {prompt: "A fox in the snow", duration: 5, take: 1}
  two:
    generate: {prompt: "A fox in the snow", duration: 5, take: 2}
"""


@pytest.mark.parametrize("interruption", ["drop_after_create", "drop", "killed before sending"])
def test_two_takes_of_one_shot_never_end_up_sharing_a_job(
        tmp_path: Path, fake_scenario: FakeScenario, interruption: str) -> None:
    # Takes send the same body (the take is ours, not the model's), so the server cannot tell
    # their jobs apart: only what storyboard recorded can. Take 1 is built first; take 2's
    # submission is then interrupted, and recovering it must not pick take 1's job.
    root = write_film(tmp_path, TAKES)
    env = cli_env(fake_scenario)
    assert run(storyboard(root, command="plan"), env).code == 0  # estimates cached: no dry run
    assert run(storyboard(root, "one"), env).code == 0
    (one_job,) = [j.job_id for j in fake_scenario.jobs]

    runs = []
    if interruption == "killed before sending":
        # What a build killed between the journal's intent and the request leaves behind.
        row = next(r for r in Project.load(root).plan(["two"], "scenario", estimate=False).nodes
                   if r.node == "shot:two")
        assert row.key is not None
        Journal(root / ".storyboard" / "journal").intent(row.key, "shot:two", "scenario")
    else:
        fake_scenario.script_faults([f"generate:{interruption}"])
    for _ in range(2):
        runs.append(run(storyboard(root, "two"), env))
        if runs[-1].code == 0:
            break
    assert runs[-1].code == 0, "\n\n".join(str(r) for r in runs)

    lock = LockFile(root / "storyboard.lock")
    jobs = {node: lock.nodes[node].job for node in ("shot:one", "shot:two")}
    assert jobs["shot:one"] == one_job
    assert jobs["shot:two"] != one_job, f"take 2 adopted take 1's job: {jobs}"
    assert {j.job_id for j in fake_scenario.jobs} == set(jobs.values())
    assert fake_scenario.counters.jobs_created == 2
    if interruption == "drop_after_create":  # the job was made: found, not submitted again
        assert len(runs) == 1
        assert any(f"found its job {jobs['shot:two']}" in w for w in runs[0].warnings())


def test_a_recovery_never_adopts_a_job_that_set_a_parameter_we_did_not_send(
        tmp_path: Path, fake_scenario: FakeScenario) -> None:
    # A teammate's working copy (same API key) made a loop of the same prompt: its input holds
    # everything our plain shot sends, plus `loop: true`. The service fills parameters we leave
    # out with their defaults (`loop: false`), so that job is another request, not ours.
    head = "version: 1\nname: {}\nshots:\n  globe:\n"
    theirs = write_film(tmp_path, head.format("theirs") + "    loop: {model: ray-flash-2, "
                        "resolution: 540p, aspect_ratio: \"16:9\", prompt: A snow globe}\n",
                        name="theirs")
    ours = write_film(tmp_path, head.format("ours") + "    generate: {model: ray-flash-2, "
                      "resolution: 540p, aspect_ratio: \"16:9\", prompt: A snow globe}\n",
                      name="ours")
    env = cli_env(fake_scenario)
    assert run(storyboard(theirs, "globe"), env).code == 0
    (loop_job,) = [j.job_id for j in fake_scenario.jobs]
    assert fake_scenario.jobs[0].body["loop"] is True

    row = next(r for r in Project.load(ours).plan(provider="scenario", estimate=False).nodes
               if r.node == "shot:globe")
    assert row.key is not None
    Journal(ours / ".storyboard" / "journal").intent(row.key, "shot:globe", "scenario")
    r = run(storyboard(ours, "globe"), env)
    assert r.code == 0, r
    job = LockFile(ours / "storyboard.lock").nodes["shot:globe"].job
    assert job != loop_job, "our plain shot adopted a loop job"
    assert "loop" not in next(j for j in fake_scenario.jobs if j.job_id == job).body
    assert fake_scenario.counters.jobs_created == 2
