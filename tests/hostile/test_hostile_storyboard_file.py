"""Issue 10 (medium): a cloned project's storyboard.yaml that is a FIFO, a link to /dev/zero, a
4 GB sparse file or a link to a secret elsewhere ends at once with a located message (exit 3):
never a hang, a whole read into memory, or the secret's lines echoed back as unknown keys."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e  # a child process per case

SECRET_LINE = "secretuser:$6$abcdefgh:19000:0:99999:7:::"


def _fifo(p: Path, _: Path) -> None:
    os.mkfifo(p)


def _zero(p: Path, _: Path) -> None:
    p.symlink_to("/dev/zero")


def _sparse(p: Path, _: Path) -> None:
    with open(p, "wb") as f:
        f.truncate(4 * 1024**3)


def _secret(p: Path, outside: Path) -> None:
    secret = outside / "shadow"
    secret.write_text(SECRET_LINE + "\n")
    p.symlink_to(secret)


@pytest.mark.parametrize("plant", [_fifo, _zero, _sparse, _secret],
                         ids=["fifo", "dev-zero", "sparse-4GB", "link-to-a-secret"])
def test_a_hostile_storyboard_file_is_refused_at_once(
        tmp_path: Path, plant: Callable[[Path, Path], None]) -> None:
    project, outside = tmp_path / "project", tmp_path / "outside"
    project.mkdir()
    outside.mkdir()
    plant(project / "storyboard.yaml", outside)
    r = subprocess.run([sys.executable, "-m", "storyboard", "validate", "-f", str(project)],
                       capture_output=True, text=True, timeout=60,
                       env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    out = r.stdout + r.stderr
    assert r.returncode == 3, out
    assert "storyboard.yaml" in out and "Traceback" not in out, out
    assert "secretuser" not in out, out
