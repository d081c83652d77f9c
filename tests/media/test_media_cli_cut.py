"""Hard cuts through the real CLI start as few processes as the bare copy: after an edit to a
built project's cut, `storyboard build CUT` runs one ffmpeg (the stream-copy join) and no
ffprobe, and the cut it writes has every frame."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from media_helpers import streams

import storyboard
from storyboard.media import Ffmpeg, locate

pytestmark = pytest.mark.e2e  # child processes and real clips: seconds

REPO = Path(storyboard.__file__).resolve().parent.parent
PATTERNS = ("testsrc2", "rgbtestsrc", "mandelbrot", "testsrc")


def _logging(tool: str, real: str, log: Path, folder: Path) -> Path:
    """A stand-in for ffmpeg or ffprobe that notes each start in `log`, then runs the real one."""
    script = folder / tool
    script.write_text(f'#!/bin/sh\necho {tool} >> "{log}"\nexec "{real}" "$@"\n', "utf-8")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return script


def _spec(root: Path, order: list[str]) -> None:
    lines = ["version: 1", "name: cuts", "assets:"]
    lines += [f"  {p}: media/{p}.mp4" for p in PATTERNS]
    lines += ["shots:", "  unused:", "    generate: {prompt: unused}", "cuts:", "  hard:",
              "    fps: 24", "    resolution: 540p",
              "    clip_audio: false", f"    shots: [{', '.join(order)}]"]
    (root / "storyboard.yaml").write_text("\n".join(lines) + "\n", "utf-8")


def test_an_edited_hard_cut_runs_one_ffmpeg_and_no_ffprobe(tmp_path: Path) -> None:
    root = tmp_path / "film"
    (root / "media").mkdir(parents=True)
    for pattern in PATTERNS:
        Ffmpeg().make_test_clip(root / "media" / f"{pattern}.mp4", 1.0, 960, 540,
                                with_audio=False, pattern=pattern)
    log = tmp_path / "started.log"
    real_ffmpeg, real_ffprobe = locate()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SCENARIO_", "STORYBOARD_"))}
    env.update(PYTHONPATH=str(REPO), NO_COLOR="1",
               STORYBOARD_FFMPEG=str(_logging("ffmpeg", real_ffmpeg, log, tmp_path)),
               STORYBOARD_FFPROBE=str(_logging("ffprobe", real_ffprobe, log, tmp_path)))

    def build() -> list[str]:
        log.unlink(missing_ok=True)
        done = subprocess.run([sys.executable, "-m", "storyboard", "build", "hard"], cwd=root,
                              env=env, capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == 0, done.stdout + done.stderr
        return log.read_text("utf-8").split() if log.exists() else []

    _spec(root, list(PATTERNS))
    first = build()
    assert first.count("ffmpeg") == 1 and 1 <= first.count("ffprobe") <= 2
    _spec(root, list(PATTERNS[::-1]))  # the edit: the clips in another order
    assert build() == ["ffmpeg"]
    found = streams(root / "renders" / "hard.mp4")
    assert found.frames == 4 * 24 and found.video_duration == pytest.approx(4.0, abs=1e-3)
    assert found.audio_codec == "aac"
