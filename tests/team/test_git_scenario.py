"""A project in a real git repository, built with the scenario provider on the fake server:
moving between commits, reverting and cloning never pays for a shot twice."""

from __future__ import annotations

from pathlib import Path

import pytest
from team_helpers import Git, build, edit, ran, sb

from storyboard.testing import FakeScenario

pytestmark = pytest.mark.e2e

FILM = """\
# A two-shot film made on Luma models through Scenario.
version: 1
name: git-film
defaults:
  generate: {model: ray-flash-2, resolution: 540p, aspect_ratio: "16:9"}
shots:
  dawn:
    generate:
      prompt: A fox at dawn   # the opening
      duration: 5
  leap:
    generate: {prompt: The fox leaps, duration: 9}
cuts:
  trailer:
    shots: [dawn, leap]
"""


@pytest.fixture
def repo(tmp_path: Path) -> Git:
    g = Git.init(tmp_path / "film")
    (g.root / "storyboard.yaml").write_text(FILM)
    return g


def change_prompts(root: Path) -> None:
    edit(root / "storyboard.yaml", "A fox at dawn", "A fox at dusk")
    edit(root / "storyboard.yaml", "The fox leaps", "The fox leaps higher")


def test_checking_out_the_first_commit_again_submits_no_job(
        repo: Git, scenario_env: FakeScenario) -> None:
    first = repo.commit("a film")
    build(repo.root, provider="scenario")
    repo.commit("built")
    assert scenario_env.counters.jobs_created == 2

    change_prompts(repo.root)
    repo.commit("two new prompts")
    build(repo.root, provider="scenario")
    repo.commit("built again")
    assert scenario_env.counters.jobs_created == 4

    repo("checkout", "-q", first)
    assert not (repo.root / "storyboard.lock").exists()  # the first commit had no lock yet
    summary = build(repo.root, provider="scenario")
    assert scenario_env.counters.jobs_created == 4  # zero jobs submitted on this build
    assert ran(summary) <= {"cut:trailer"} and summary.count("cached") >= 2


def test_a_revert_in_a_fresh_clone_runs_nothing_thanks_to_the_lock_history(
        repo: Git, scenario_env: FakeScenario, tmp_path: Path) -> None:
    remote = tmp_path / "shared-cache"
    repo.commit("a film")
    assert sb("build", "-f", str(repo.root), "--provider", "scenario", "--remote", str(remote),
              "--push").exit_code == 0
    change_prompts(repo.root)
    assert sb("build", "-f", str(repo.root), "--provider", "scenario", "--remote", str(remote),
              "--push").exit_code == 0
    repo.commit("new prompts, built")
    jobs = scenario_env.counters.jobs_created
    assert jobs == 4

    clone = Git.clone(repo.root, tmp_path / "clone")
    # Back to the first prompts by hand; the lock (with its history) is the second commit's.
    edit(clone.root / "storyboard.yaml", "A fox at dusk", "A fox at dawn")
    edit(clone.root / "storyboard.yaml", "The fox leaps higher", "The fox leaps")
    r = sb("pull", "-f", str(clone.root), "--remote", str(remote))
    assert r.exit_code == 0, r.output
    summary = build(clone.root, provider="scenario")
    assert scenario_env.counters.jobs_created == jobs
    assert ran(summary) <= {"cut:trailer"}


def test_status_after_a_pull_names_the_changed_prompt_offline(tmp_path: Path) -> None:
    ann = Git.init(tmp_path / "ann")
    (ann.root / "storyboard.yaml").write_text(FILM)
    build(ann.root)
    ann.commit("film, built")
    bob = Git.clone(ann.root, tmp_path / "bob")
    build(bob.root)
    # Rebuilding the same file writes the same lock (preview job ids follow the request, not
    # the order jobs ran in), so Bob's tree stays clean and his pulls fast-forward.
    assert bob("status", "--porcelain").stdout == ""

    edit(ann.root / "storyboard.yaml", "A fox at dawn", "A fox at dusk")
    ann.commit("dusk, not built yet")
    bob("pull", "-q", "--ff-only")
    r = sb("status", "-f", str(bob.root))
    assert r.exit_code == 0, r.output
    line = next(x for x in r.output.splitlines() if " dawn " in x)
    assert line.startswith("stale")
    assert "prompt changed: 'A fox at dawn' -> 'A fox at dusk'" in line
    assert not any(x.startswith("stale") and " leap " in x for x in r.output.splitlines())

    # Ann builds the new prompt and commits the lock: Bob's status says where the output is.
    build(ann.root)
    ann.commit("dusk, built")
    bob("pull", "-q", "--ff-only")
    r = sb("status", "-f", str(bob.root))
    line = next(x for x in r.output.splitlines() if " dawn " in x)
    assert line.startswith("stale") and "output missing from the cache" in line
    assert "`storyboard pull` fetches it" in line
