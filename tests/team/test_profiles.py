"""Profiles side by side: draft and final outputs both stay findable (run index, and the lock's
history for a fresh clone), so switching profiles runs only what neither has made."""

from __future__ import annotations

from pathlib import Path

import pytest
from team_helpers import Git, build, edit, ran, sb

from storyboard.cache import LockFile
from storyboard.project import Project

pytestmark = pytest.mark.e2e

FILM = """\
version: 1
name: profiles
defaults:
  generate: {model: ray-flash-2, resolution: 720p, aspect_ratio: "16:9", duration: 5}
profiles:
  draft: {generate: {resolution: 540p}}
shots:
  dawn:
    generate: {prompt: A fox at dawn}
  dusk:
    generate: {prompt: A fox at dusk}
  globe:
    loop: {prompt: A snow globe, resolution: 540p}
"""


def b(root: Path, profile: str | None) -> set[str]:
    summary = Project.load(root / "storyboard.yaml", profile=profile).build()
    assert summary.failed == []
    return {r.node for r in summary.results if r.status == "done"}


def test_switching_profiles_runs_only_what_neither_has(tmp_path: Path) -> None:
    g = Git.init(tmp_path / "ann")
    root = g.root
    (root / "storyboard.yaml").write_text(FILM)
    assert b(root, None) == {"shot:dawn", "shot:dusk", "shot:globe"}
    assert b(root, "draft") == {"shot:dawn", "shot:dusk"}  # globe is the same request
    assert b(root, None) == set()
    assert b(root, "draft") == set()

    edit(root / "storyboard.yaml", "A fox at dusk", "A fox at night")
    assert b(root, "draft") == {"shot:dusk"}
    assert b(root, None) == {"shot:dusk"}
    assert b(root, "draft") == set()

    # The lock names the current profile's records and keeps the other's in its history.
    lock = LockFile(root / "storyboard.lock")
    models = {h.model for h in lock.history["shot:dawn"]}
    assert lock.nodes["shot:dawn"].model == "model_luma-ray-flash-2-540p"
    assert models == {"model_luma-ray-flash-2-720p"}

    remote = str(tmp_path / "team-cache")
    assert sb("push", "-f", str(root), "--remote", remote).exit_code == 0
    g.commit("film in two profiles")
    bob = Git.clone(root, tmp_path / "bob")
    assert sb("pull", "-f", str(bob.root), "--remote", remote).exit_code == 0
    assert b(bob.root, "draft") == set()
    assert b(bob.root, None) == set()  # the final records came from the lock's history
    assert ran(build(bob.root)) == set()
