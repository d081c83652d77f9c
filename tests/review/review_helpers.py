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
