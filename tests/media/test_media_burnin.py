"""Review copies of a cut: record timecode and entry names burned in below the safe area,
with the picture above it untouched and the clean cut left as it was."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from media_helpers import Clips

from storyboard.media import CutSegment, CutSpec, Ffmpeg, locate
from storyboard.media.burnin import Window, band, windows
from storyboard.media.cut import plan_cut
from storyboard.media.typeset import shipped_fonts


def rows(video: Path, frame: int, width: int, height: int) -> list[bytes]:
    """One decoded frame's gray rows."""
    argv = [locate()[0], "-v", "error", "-i", str(video), "-map", "0:v:0", "-vf",
            f"select=eq(n\\,{frame})", "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "gray",
            "-"]
    raw = subprocess.run(argv, capture_output=True, check=True).stdout
    return [raw[r * width:(r + 1) * width] for r in range(height)]


def diff(a: list[bytes], b: list[bytes]) -> float:
    pairs = [(x, y) for ra, rb in zip(a, b, strict=True) for x, y in zip(ra, rb, strict=True)]
    return sum(abs(x - y) for x, y in pairs) / len(pairs)


def test_each_entry_is_named_from_its_record_in_a_transition_shows_the_incoming_name(
    media: Ffmpeg, clips: Clips
) -> None:
    spec = CutSpec((CutSegment(clips.wide), CutSegment(clips.wide2, 0.0, 0.5),
                    CutSegment(clips.wide, transition="crossfade", transition_duration=0.25)),
                   320, 180, 24)
    plan = plan_cut(spec, [media._probe(s.path) for s in spec.segments])
    assert windows(plan, ["dawn", "leap", "dawn"]) == [
        Window(1, "dawn", 0, 24), Window(2, "leap", 24, 30), Window(3, "dawn", 30, 54)]


@pytest.mark.e2e
def test_a_review_copy_burns_timecode_and_names_and_leaves_the_picture(
    media: Ffmpeg, clips: Clips, tmp_path: Path
) -> None:
    spec = CutSpec((CutSegment(clips.wide), CutSegment(clips.wide2)), 320, 180, 24)
    cut, copy = tmp_path / "cut.mp4", tmp_path / "cut.burnin.mp4"
    media.render_cut(spec, cut)
    before = cut.read_bytes()
    media.burn_in(spec, ["dawn", "leap 日本 🦊"], cut, copy)
    assert cut.read_bytes() == before  # the final render stays clean
    chain = shipped_fonts()
    assert chain is not None
    area, _ = band(320, 180, chain)
    for frame in (5, 30):
        clean, burned = rows(cut, frame, 320, 180), rows(copy, frame, 320, 180)
        assert diff(clean[: area.y - 2], burned[: area.y - 2]) < 2  # the picture is untouched
        assert diff(clean[area.y:], burned[area.y:]) > 5  # the window is drawn
    # The timecode runs and the name changes with the entry.
    first, later = rows(copy, 5, 320, 180)[area.y:], rows(copy, 30, 320, 180)[area.y:]
    assert diff(first, later) > 3
