"""Acceptance ("Real shots"), through the real CLI against the fake Scenario server: random
faults, moderation, credentials that never leak, the budget, and the parallel-job limit."""

from __future__ import annotations

from pathlib import Path

import pytest
from acceptance_helpers import (
    SMALL_SHOTS,
    assert_complete,
    build_until_done,
    cli_env,
    files_containing,
    run,
    secrets_of,
    small_film,
    storyboard,
    write_film,
)

from storyboard.testing import DEFAULT_FAULT_KINDS, FakeScenario

pytest_plugins = ["storyboard.testing.pytest_plugin"]
pytestmark = pytest.mark.e2e


def test_builds_converge_through_random_faults_and_never_pay_twice(
        tmp_path: Path, photo: Path, fake_scenario: FakeScenario) -> None:
    # A fifth of every API request fails: 500, an HTML 502, 429, a dropped connection, or a job
    # created and its answer lost. A node may fail and need another build; nothing is ever
    # submitted twice, and each shot is paid for exactly once. Two films, for more requests.
    assert set(DEFAULT_FAULT_KINDS) == {"500", "html502", "429", "drop", "drop_after_create"}
    fake_scenario.configure_faults(rate=0.2, kinds=DEFAULT_FAULT_KINDS, seed=11,
                                   rate_limit_seconds=0.05)
    env = cli_env(fake_scenario)
    films = [small_film(tmp_path, photo, tag=f" ({name})", name=name) for name in ("a", "b")]
    for root in films:
        last, runs = build_until_done(root, env, attempts=8)
        assert last.code == 0, "\n\n".join(str(r) for r in runs)
        for r in runs[:-1]:
            for failure in (r.of("summary") or [{"failures": []}])[0]["failures"]:
                assert "may have reached Scenario" in failure["error"] or \
                    "gave up" in failure["error"], failure
    c = fake_scenario.counters
    assert sum(c.faults.values()) >= 3, c.faults  # the faults really happened
    fake_scenario.clear_faults()
    for root in films:
        assert_complete(root, fake_scenario)
    assert (c.jobs_created, c.identical_submissions) == (2 * len(SMALL_SHOTS), 0), c


MODERATED = """\
version: 1
name: moderated
defaults:
  generate: {model: ray-flash-2, resolution: 540p, aspect_ratio: "16:9"}
assets:
  photo: assets/photo.png
shots:
  fine:
    generate: {prompt: "A fox at dawn", start_frame: photo, duration: 5}
  banned:
    generate: {prompt: "A forbidden ritual in the snow", duration: 9}
  banned_tall:
    reframe: {model: reframe-video, source: banned, aspect_ratio: "9:16"}
cuts:
  good:
    shots: [{shot: fine, trim: [0, 1]}]
  bad:
    shots: [fine, banned, banned_tall]
"""


def test_a_moderated_prompt_fails_its_node_with_reason_and_hint_and_the_rest_builds(
        tmp_path: Path, photo: Path, fake_scenario: FakeScenario) -> None:
    root = write_film(tmp_path, MODERATED, photo)
    r = run(storyboard(root), cli_env(fake_scenario))
    assert r.code == 1, r
    done = r.done()
    assert done["shot:banned"] == "failed"
    assert done["shot:banned_tall"] == "skipped" and done["cut:bad"] == "skipped"
    assert done["shot:fine"] == "done" and done["cut:good"] == "done"
    failed = next(e for e in r.of("done") if e["node"] == "shot:banned")
    summary = r.of("summary")[0]
    assert [f["label"] for f in summary["failures"]] == ["banned"]
    for error in (failed["error"], summary["failures"][0]["error"]):
        assert "Content moderation: the prompt was flagged ('forbidden')" in error, error
        assert "Rephrase the prompt without the flagged words" in error, error
    assert failed["job"] == next(j.job_id for j in fake_scenario.jobs if j.error)
    assert (root / "renders" / "good.mp4").is_file()
    assert not (root / "renders" / "bad.mp4").exists()
    assert fake_scenario.counters.jobs_created == 2  # the reframe of the banned shot never ran


KEY = "sbk_acceptance_7Hq2ZxK4pL9w"
SECRET = "sbs_acceptance_Vt8mN3cR6yJ1uE5d"


def test_debug_build_leaks_neither_key_nor_secret(tmp_path: Path, photo: Path,
                                                  fake_scenario_clip_dir: Path) -> None:
    root = small_film(tmp_path, photo)
    with FakeScenario(api_key=KEY, api_secret=SECRET, latency=0.05, upload_import_delay=0.01,
                      clip_dir=fake_scenario_clip_dir) as fake:
        fake.script_faults(["generate:drop_after_create", "get_job:500"])  # error paths too
        env = cli_env(fake)
        r = run(storyboard(root, debug=True), env)
        assert r.code == 0, r
        plan = run(storyboard(root, command="plan", debug=True), env)
        assert plan.code == 0, plan
    assert fake.counters.jobs_created == 3
    for text in (r.stdout, r.stderr, plan.stdout, plan.stderr):
        for s in secrets_of(KEY, SECRET):
            assert s not in text
    assert (root / ".storyboard" / "journal").is_dir() and (root / "storyboard.lock").is_file()
    assert files_containing(root, secrets_of(KEY, SECRET)) == []


def test_rejected_credentials_stop_before_any_upload_with_exit_3(
        tmp_path: Path, photo: Path, fake_scenario_clip_dir: Path) -> None:
    root = small_film(tmp_path, photo)
    wrong = "sbs_wrong_Xy7Kq0Pz3Lm8"
    with FakeScenario(api_key=KEY, api_secret=SECRET, clip_dir=fake_scenario_clip_dir) as fake:
        r = run(storyboard(root, debug=True), cli_env(fake, SCENARIO_API_SECRET=wrong))
    assert r.code == 3, r
    assert "Traceback" in r.stderr  # --debug: the whole chain is shown, and still no secret
    assert r.stderr.splitlines()[-1].startswith("error: Scenario rejected the API key and secret")
    assert "SCENARIO_API_SECRET" in r.stderr
    c = fake.counters
    assert (c.assets_created, c.uploads, c.dry_runs, c.jobs_created) == (0, 0, 0, 0), c
    assert set(c.requests) == {"list_jobs"}, c.requests  # only the credentials check
    for s in (*secrets_of(KEY, wrong), SECRET):
        assert s not in r.stdout + r.stderr
    assert files_containing(root, (wrong, SECRET)) == []


def test_max_cost_below_the_estimate_submits_nothing_and_above_it_builds(
        tmp_path: Path, photo: Path, fake_scenario: FakeScenario) -> None:
    root = small_film(tmp_path, photo)
    env = cli_env(fake_scenario)
    refused = run(storyboard(root, "--max-cost", "5"), env)
    assert refused.code == 4, refused
    estimate = refused.of("plan")[0]["estimate"]
    assert estimate == 8.0  # the fake: 8 CU for a 5 s 540p shot; the others are not knowable
    assert f"estimated at {estimate:g} credits" in refused.stderr
    assert "--max-cost 5" in refused.stderr and "nothing was submitted" in refused.stderr
    assert fake_scenario.counters.jobs_created == 0
    assert not refused.of("started")

    built = run(storyboard(root, "--max-cost", "100"), env)
    assert built.code == 0, built
    assert fake_scenario.counters.jobs_created == 3


def test_max_cost_holds_for_nodes_priced_only_once_their_inputs_exist(
        tmp_path: Path, photo: Path, fake_scenario: FakeScenario) -> None:
    root = small_film(tmp_path, photo)
    env = cli_env(fake_scenario)
    r = run(storyboard(root, "--max-cost", "10"), env)  # the plan knows 8; the rest is unknown
    assert r.code == 4, r
    assert fake_scenario.counters.cu_charged <= 10
    refused = [e for e in r.of("done") if e.get("refused")]
    assert refused and "refused by --max-cost" in refused[0]["error"]
    assert r.of("summary")[0]["refused"] >= 1
    assert fake_scenario.counters.identical_submissions == 0


def test_the_parallel_job_limit_makes_the_build_wait_not_fail(
        tmp_path: Path, fake_scenario: FakeScenario) -> None:
    shots = "".join(f"  s{i}:\n    generate: {{prompt: \"Shot number {i}\", duration: 5}}\n"
                    for i in range(6))
    root = write_film(tmp_path, "version: 1\nname: limited\ndefaults:\n  generate: "
                      "{model: ray-flash-2, resolution: 540p}\nshots:\n" + shots)
    fake_scenario.max_parallel_jobs = 2
    fake_scenario.latency = 0.4
    r = run(storyboard(root, "--jobs", "4"), cli_env(fake_scenario))
    assert r.code == 0, r
    assert r.of("summary")[0]["done"] == 6
    waits = [e for e in r.of("progress") if e["stage"] == "waiting for a free job slot"]
    assert waits, "the limit was never hit: the test proves nothing"
    c = fake_scenario.counters
    assert c.peak_parallel_jobs <= 2, c
    assert (c.jobs_created, c.identical_submissions) == (6, 0), c
    assert c.requests["generate"] > 6 + c.dry_runs  # refused submissions were sent again
