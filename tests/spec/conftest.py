"""A project folder on disk for a storyboard file from tests/data, with its input files."""

from __future__ import annotations

import shutil
import subprocess
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


@pytest.fixture(scope="module")
def real_media(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Tiny real input files: the command line probes assets, so placeholders would not do."""
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        pytest.skip("ffmpeg is not on PATH")
    folder = tmp_path_factory.mktemp("assets")
    lavfi = {
        "fox.png": ["color=c=orange:s=64x36", "-frames:v", "1"],
        "interview.mp4": ["testsrc=s=64x36:r=12:d=1", "-pix_fmt", "yuv420p"],
        "theme.mp3": ["sine=f=440:d=1"],
    }
    for name, (source, *options) in lavfi.items():
        subprocess.run([ffmpeg, "-v", "error", "-f", "lavfi", "-i", source, *options,
                        str(folder / name)], check=True, timeout=60)
    (folder / "notes.txt").write_text("not media\n")
    return folder
