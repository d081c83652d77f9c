"""Issue 16's chain: eight shots, each starting on the previous one's last frame, built by the
engine with the preview provider. The last shot's first frame is the first shot's clean plate
carried through the moves: the same as a build that never drew a slate at all."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from storyboard.engine import RecordingReporter
from storyboard.media import Ffmpeg, locate
from storyboard.project import Project
from storyboard.providers.preview import PreviewProvider

pytestmark = pytest.mark.e2e

MOVES = ["push_in", "pan_left", "orbit_right", "crane_up", "pull_out", "pan_right", "tilt_down",
         "push_in"]


def film(root: Path) -> Path:
    lines = ["version: 1", "name: chain",
             "defaults:", '  generate: {model: ray-flash-2, aspect_ratio: "16:9", '
             "resolution: 540p, duration: 5}", "shots:"]
    for number, move in enumerate(MOVES, 1):
        start = f", start_frame: s{number - 1}.last_frame" if number > 1 else ""
        lines.append(f"  s{number}:")
        lines.append(f"    generate: {{prompt: 'shot {number} 狐 🦊', camera: [{move}]{start}}}")
    root.mkdir()
    (root / "storyboard.yaml").write_text("\n".join(lines) + "\n", "utf-8")
    return root


def first_frame(project: Project, ff: Ffmpeg, dst: Path) -> bytes:
    rec = project.built("shot:s8")
    assert rec is not None
    ff.extract_frame(project.ws.store.path(rec.output), dst, "first")
    argv = [locate()[0], "-v", "error", "-i", str(dst), "-vf", "scale=192:108", "-f",
            "rawvideo", "-pix_fmt", "gray", "-"]
    return subprocess.run(argv, capture_output=True, check=True).stdout


def test_a_chain_of_eight_last_frame_shots_carries_the_clean_plate(tmp_path: Path) -> None:
    frames = []
    for name, fonts in (("slated", None), ("bare", [])):
        ff = Ffmpeg(fonts=fonts)
        project = Project.load(film(tmp_path / name))
        summary = project.build(reporter=RecordingReporter(),
                                provider_obj=PreviewProvider(ffmpeg=ff))
        assert not summary.failed, summary.failed
        frames.append(first_frame(project, ff, tmp_path / f"{name}.png"))
    slated, bare = frames
    diff = sum(abs(a - b) for a, b in zip(slated, bare, strict=True)) / len(bare)
    assert diff < 0.5  # no text pixels were added anywhere along the chain
