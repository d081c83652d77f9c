"""Shared by tests/review and tests/export: examples/trailer built once per session with the
preview provider (the slow part, ~20-40 s), and cheap copies of it for each module."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from storyboard.project import Project

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "trailer"
_DONE = ".built-ok"


def built_trailer(factory: pytest.TempPathFactory) -> Path:
    """examples/trailer, built with the preview provider, in the session's temp folder."""
    root = factory.getbasetemp() / "trailer-built"
    if (root / _DONE).is_file():
        return root
    shutil.rmtree(root, ignore_errors=True)
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns(".storyboard", "renders",
                                                                 "storyboard.lock"))
    summary = Project.load(root).build(provider="preview", jobs=2)
    failures = [f"{r.label}: {r.error}" for r in summary.results if r.status == "failed"]
    assert not failures, failures
    (root / _DONE).write_text("ok", encoding="utf-8")
    return root


def copy_project(src: Path, dst: Path) -> Path:
    """A copy to change or move freely (the cache comes along, so nothing rebuilds)."""
    shutil.copytree(src, dst, symlinks=True, ignore=shutil.ignore_patterns(_DONE))
    return dst


TAKES_FILM = """\
version: 1
name: takes
defaults:
  generate: {model: ray-flash-2, resolution: 540p, aspect_ratio: "16:9", duration: 5}
  style: "cinematic, 35mm film, soft winter light"
shots:
  dawn:
    generate:
      prompt: A red fox trots through a snowy forest at dawn
  globe:
    loop: {prompt: A snow globe slowly turning}
cuts:
  main:
    fps: 24
    shots: [dawn, {shot: globe, trim: [0, 3], transition: {type: crossfade, duration: 0.5}}]
"""


def three_takes(factory: pytest.TempPathFactory) -> Path:
    """A small film built three times, `storyboard retake dawn` between builds: three takes
    of dawn in the cache and the lock (the third current), once per session."""
    from click.testing import CliRunner

    from storyboard.cli.main import cli

    root = factory.getbasetemp() / "three-takes"
    if (root / _DONE).is_file():
        return root
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir()
    (root / "storyboard.yaml").write_text(TAKES_FILM, "utf-8")
    for take in (1, 2, 3):
        if take > 1:
            done = CliRunner().invoke(cli, ["retake", "dawn", "-f", str(root)])
            assert done.exit_code == 0, done.output
        summary = Project.load(root).build(provider="preview", jobs=2)
        assert not summary.failed, summary.as_dict()
    (root / _DONE).write_text("ok", encoding="utf-8")
    return root
