"""A project folder on disk for a storyboard file from tests/data, with its input files."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

DATA = Path(__file__).parent.parent / "data"
# Every input file the files under tests/data name. Placeholder bytes are enough: the graph
# checks names, extensions and existence; durations come from `facts`.
ASSET_FILES = ("fox.png", "interview.mp4", "theme.mp3", "notes.txt")

MakeProject = Callable[[Path], Path]


@pytest.fixture
def make_project(tmp_path: Path) -> MakeProject:
    """Copy a storyboard file into a fresh project folder beside an `assets/` folder."""

    def make(source: Path) -> Path:
        root = tmp_path / "project"
        (root / "assets").mkdir(parents=True, exist_ok=True)
        for name in ASSET_FILES:
            (root / "assets" / name).write_bytes(b"placeholder " + name.encode())
        return Path(shutil.copy(source, root / source.name))

    return make
