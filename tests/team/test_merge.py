"""storyboard.lock in git: two branches that change different shots merge without a conflict."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from team_helpers import Git, build, edit, ran, sb

from storyboard.cache import LockFile

pytestmark = pytest.mark.e2e

SHOTS = """\
version: 1
name: merge-film
defaults:
  generate: {model: ray-flash-2, resolution: 540p, aspect_ratio: "16:9", duration: 5}
shots:
  dawn:
    generate:
      prompt: A fox at dawn
  dusk:   # sorts right after dawn: their lock entries are neighbours
    generate:
      prompt: A fox at dusk
  globe:
    loop: {prompt: A snow globe}
"""
CUT = """\
cuts:
  trailer:
    shots: [dawn, dusk, globe]
"""


def branches(root: Path, text: str) -> Git:
    """main built and committed; branch `a` rebuilds dawn, branch `b` rebuilds dusk."""
    g = Git.init(root)
    (root / "storyboard.yaml").write_text(text)
    build(root)
    g.commit("film, built")
    g("checkout", "-q", "-b", "a")
    edit(root / "storyboard.yaml", "A fox at dawn", "A red fox at dawn")
    build(root)
    g.commit("a: dawn")
    g("checkout", "-q", "main")
    g("checkout", "-q", "-b", "b")
    edit(root / "storyboard.yaml", "A fox at dusk", "A grey fox at dusk")
    build(root)
    g.commit("b: dusk")
    return g


def test_branches_changing_different_shots_merge_without_a_conflict(tmp_path: Path) -> None:
    g = branches(tmp_path / "film", SHOTS)
    r = g("merge", "--no-edit", "a", check=False)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "CONFLICT" not in r.stdout
    lock_text = (g.root / "storyboard.lock").read_text()
    assert "<<<<<<<" not in lock_text
    lock = LockFile(g.root / "storyboard.lock")
    assert lock.nodes["shot:dawn"].fields["prompt"] == "A red fox at dawn"
    assert lock.nodes["shot:dusk"].fields["prompt"] == "A grey fox at dusk"
    assert {r.take for r in lock.history["shot:dawn"]} == {1}  # the first dawn is remembered
    # The merged file and the merged lock agree: nothing to run, and the lock is stable.
    summary = build(g.root)
    assert ran(summary) == set()
    assert (g.root / "storyboard.lock").read_text() == lock_text


def test_a_cut_rebuilt_on_both_branches_merges_with_the_driver(tmp_path: Path) -> None:
    g = branches(tmp_path / "film", SHOTS + CUT)
    # The cut holds both shots, so each branch rendered a different cut: the same lines
    # changed on both sides. The merge driver resolves that node by node.
    (g.root / ".gitattributes").write_text("storyboard.lock merge=storyboard\n")
    g.commit("merge driver")
    g("config", "merge.storyboard.driver", f"{sys.executable} -m storyboard merge-lock %O %A %B")
    r = g("merge", "--no-edit", "a", check=False)
    assert r.returncode == 0, r.stdout + r.stderr
    lock = LockFile(g.root / "storyboard.lock")
    assert lock.nodes["shot:dawn"].fields["prompt"] == "A red fox at dawn"
    assert lock.nodes["shot:dusk"].fields["prompt"] == "A grey fox at dusk"
    status = sb("status", "-f", str(g.root))
    assert [x.split()[1] for x in status.output.splitlines() if x.startswith("stale")] == \
        ["trailer"]
    summary = build(g.root)
    assert ran(summary) == {"cut:trailer"}  # the cut that holds both new shots: local, free
