"""A cut render's fraction done: ffmpeg's `-progress` lines parsed, several commands added up
into one number that only goes up, and a real render reporting up to 1.0."""

from __future__ import annotations

from pathlib import Path

import pytest

from storyboard.media import CutSegment, CutSpec, Ffmpeg, ffmpeg_tool
from storyboard.media.progress import Tally, parse_out_time


def test_out_time_is_read_from_progress_lines() -> None:
    assert parse_out_time("out_time_us=2500000\n") == 2.5
    assert parse_out_time("out_time_ms=1000000") == 1.0  # microseconds despite the name
    assert parse_out_time("out_time_us=N/A") is None  # before the first frame
    assert parse_out_time("out_time=00:00:02.500000") is None
    assert parse_out_time("frame=60") is None
    assert parse_out_time("progress=continue") is None
    assert parse_out_time("") is None
    assert parse_out_time("out_time_us=-23220") == 0.0  # audio priming before zero


def test_tally_adds_commands_up_and_never_goes_back() -> None:
    seen: list[float] = []
    tally = Tally(seen.append)
    first, second = tally.part(2.0), tally.part(2.0)
    join = tally.part(4.0, weight=0.5)  # 2 of 6 weighted seconds
    second(1.0)
    first(0.5)
    first(0.25)  # out of order: ignored
    first(9.0)  # past its length: counts as all of it
    join(4.0)
    tally.finish()
    assert seen == [1 / 6, 1.5 / 6, 3 / 6, 5 / 6, 1.0]


def test_finish_reports_one_once() -> None:
    seen: list[float] = []
    tally = Tally(seen.append)
    tally.part(1.0)(1.0)
    tally.finish()
    assert seen == [1.0]


@pytest.mark.e2e
def test_a_rendered_cut_reports_increasing_fractions_ending_at_one(
    tmp_path: Path, media: Ffmpeg, monkeypatch: pytest.MonkeyPatch
) -> None:
    read: list[float] = []

    def spy(line: str) -> float | None:
        seconds = parse_out_time(line)
        if seconds is not None:
            read.append(seconds)
        return seconds

    monkeypatch.setattr(ffmpeg_tool, "parse_out_time", spy)
    a, b = tmp_path / "a.mp4", tmp_path / "b.mp4"
    media.make_test_clip(a, 3.0, 320, 180)
    media.make_test_clip(b, 3.0, 320, 180, pattern="rgbtestsrc")
    spec = CutSpec(segments=(CutSegment(a), CutSegment(b, transition="crossfade",
                                                       transition_duration=0.5)),
                   width=320, height=180, fps=24)
    seen: list[float] = []
    media.render_cut(spec, tmp_path / "cut.mp4", progress=seen.append)
    assert read and max(read) > 5.0, read  # ffmpeg's own reports reached the 5.5 s end
    assert all(0 < x <= 1 for x in seen)
    assert seen == sorted(set(seen))  # strictly increasing
    assert seen[-1] == 1.0
