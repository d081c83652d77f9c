"""A workspace in a temp folder for each engine test."""

from __future__ import annotations

from pathlib import Path

import pytest

from storyboard.engine import Workspace


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return Workspace.open(tmp_path, tmp_path / "storyboard.lock")
