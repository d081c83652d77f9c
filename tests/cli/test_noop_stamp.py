"""The no-op stamp: an unchanged project answers at once; any change takes the full path."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.e2e
FAST = "nothing changed since the last build"


def build(root: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    r = subprocess.run([sys.executable, "-m", "storyboard", "build", "-f", str(root), *extra],
                       capture_output=True, text=True, check=False, timeout=300)
    assert r.returncode == 0, r.stderr
    return r


@pytest.fixture
def built(tmp_path: Path) -> Path:
    root = tmp_path / "minimal"
    shutil.copytree(ROOT / "examples" / "minimal", root)
    first = build(root)
    assert FAST not in first.stderr
    return root


def test_unchanged_project_answers_from_the_stamp(built: Path) -> None:
    r = build(built)
    assert FAST in r.stderr and "0 built, 4 cached" in r.stderr
    assert "main.mp4" in r.stdout


@pytest.mark.parametrize("change", ["prompt", "render deleted", "object deleted", "options",
                                    "asset touched"])
def test_any_change_takes_the_full_path(built: Path, change: str) -> None:
    if change == "prompt":
        f = built / "storyboard.yaml"
        f.write_text(f.read_text().replace("turns slowly", "turns fast"))
    elif change == "render deleted":
        (built / "renders" / "main.mp4").unlink()
    elif change == "object deleted":
        objects = sorted((built / ".storyboard" / "cache" / "objects").glob("*/*"))
        objects[0].unlink()
    elif change == "asset touched":
        (built / "assets" / "still.png").write_bytes((built / "assets" / "still.png").read_bytes())
    r = build(built, *(("opening",) if change == "options" else ()))
    assert FAST not in r.stderr
    assert (built / "renders" / "main.mp4").is_file() or change == "options"
    again = build(built, *(("opening",) if change == "options" else ()))
    assert FAST in again.stderr  # the full build wrote a fresh stamp
