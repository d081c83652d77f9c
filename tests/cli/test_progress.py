"""Build progress: plain lines off a terminal, JSON lines with --json, both documented."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def minimal(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dst = tmp_path_factory.mktemp("cli") / "minimal"
    shutil.copytree(ROOT / "examples" / "minimal", dst)
    return dst


def build(root: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "storyboard", "build", "-f", str(root), *extra],
                          capture_output=True, text=True, check=False, timeout=300)


def test_plain_lines_when_not_a_terminal(minimal: Path) -> None:
    r = build(minimal)
    assert r.returncode == 0, r.stderr
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    timed = [ln for ln in lines if re.match(r"^\[\s*\d+\.\d+s\] ", ln)]
    assert any("opening: done" in ln for ln in timed)
    assert any("main: done" in ln for ln in timed)
    assert "\x1b[" not in r.stderr  # no terminal control codes in a log
    assert re.search(r"\d+ built, \d+ cached, 0 failed, 0 skipped", r.stderr)
    assert "rendered" in r.stdout and "main.mp4" in r.stdout


def test_json_events_are_one_valid_object_per_line_and_documented(minimal: Path) -> None:
    shutil.rmtree(minimal / ".storyboard", ignore_errors=True)
    r = build(minimal, "--json")
    assert r.returncode == 0, r.stderr
    events = [json.loads(line) for line in r.stdout.splitlines()]
    names = {e["event"] for e in events}
    assert {"plan", "started", "done", "summary"} <= names
    assert all("time" in e for e in events)
    summary = events[-1]
    assert summary["event"] == "summary" and summary["failed"] == 0
    # The cut's render reports how far ffmpeg has got, ending at 1.0.
    cut = [e["fraction"] for e in events
           if e["event"] == "progress" and e["stage"] == "rendering"]
    assert cut and cut[-1] == 1.0 and cut == sorted(cut), cut
    readme = (ROOT / "README.md").read_text()
    for name in names:
        assert f"| `{name}` |" in readme, f"event {name} is not documented in the README"
