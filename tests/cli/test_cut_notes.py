"""A cut that cannot copy a clip says which one and why in the build output (as a value on the
node's result, shown as a warning by every reporter)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from storyboard.cli.main import cli
from storyboard.media import locate

pytestmark = pytest.mark.e2e  # three 540p encodes and a cut


def _clip(dst: Path, pattern: str, tagged: bool) -> None:
    argv = [locate()[0], "-nostdin", "-v", "error", "-y", "-f", "lavfi",
            "-i", f"{pattern}=s=960x540:r=24", "-f", "lavfi", "-i", "sine", "-t", "1",
            "-c:v", "libx264", "-preset", "ultrafast", "-g", "12", "-pix_fmt", "yuv420p"]
    if tagged:
        argv += ["-colorspace", "bt709", "-color_primaries", "bt709", "-color_trc", "bt709"]
    subprocess.run([*argv, "-c:a", "aac", str(dst)], check=True, capture_output=True)


def test_the_build_names_the_clip_it_could_not_copy(tmp_path: Path) -> None:
    (tmp_path / "assets").mkdir()
    for name, pattern, tagged in (("a", "testsrc2", False), ("b", "testsrc", False),
                                  ("c", "rgbtestsrc", True)):
        _clip(tmp_path / "assets" / f"{name}.mp4", pattern, tagged)
    (tmp_path / "storyboard.yaml").write_text(
        "version: 1\nname: notes\n"
        "assets: {a: assets/a.mp4, b: assets/b.mp4, c: assets/c.mp4}\n"
        "shots:\n  s:\n    generate: {prompt: unused}\n"
        "cuts:\n  film:\n    fps: 24\n    resolution: 540p\n    shots:\n"
        "      - a\n      - {shot: b, transition: {type: crossfade, duration: 0.25}}\n"
        "      - c\n", "utf-8")
    r = CliRunner().invoke(cli, ["build", "--json", "-f", str(tmp_path)])
    assert r.exit_code == 0, r.output
    events = [json.loads(line) for line in r.output.splitlines() if line.startswith("{")]
    done = next(e for e in events if e["event"] == "done" and e["node"] == "cut:film")
    assert len(done["notes"]) == 1
    assert "cut segment 3 (c.mp4)" in done["notes"][0]
    assert "colour tags" in done["notes"][0] and "unset" in done["notes"][0]
    shutil.rmtree(tmp_path / ".storyboard")
    (tmp_path / "storyboard.lock").unlink()
    plain = CliRunner().invoke(cli, ["build", "-f", str(tmp_path)])  # plain lines: not a tty
    assert "warning: film: cut segment 3 (c.mp4) is re-encoded, not copied" in plain.output, \
        plain.output
