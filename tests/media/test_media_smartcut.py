"""Smart-rendered cuts give the frames the whole-file re-encode gives: same count, transitions
in the same places, every copied frame the clip's own, and the sound in sync with the picture.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from counter_clips import (
    BEEP_FRAME,
    FPS,
    make_counter_clip,
    raw_gray,
    read_frames,
    seen_level,
)
from media_helpers import streams

from storyboard.media import CutSegment, CutSpec, Ffmpeg

pytestmark = pytest.mark.e2e  # real encodes and decodes: a few seconds in all

FRAMES = 48  # 2 s a clip, keyframes every 12


@pytest.fixture(scope="module")
def counters(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    root = tmp_path_factory.mktemp("counters")
    return [make_counter_clip(root / f"c{i}.mp4", i, FRAMES) for i in range(4)]


def _spec(clips: list[Path]) -> CutSpec:
    # A 6-frame crossfade, a hard cut, a 12-frame fade through black.
    return CutSpec(
        (
            CutSegment(clips[0]),
            CutSegment(clips[1], transition="crossfade", transition_duration=0.25),
            CutSegment(clips[2]),
            CutSegment(clips[3], transition="fade", transition_duration=0.5),
        ),
        160, 96, FPS,
    )


# Where each clip starts in the cut, and which output frames lie under a transition.
STARTS = [0, 42, 90, 126]
UNDER = set(range(42, 48)) | set(range(126, 138))
TOTAL = 4 * FRAMES - 6 - 12


@pytest.fixture(scope="module")
def rendered(counters: list[Path], tmp_path_factory: pytest.TempPathFactory
             ) -> tuple[Path, Path, object]:
    root = tmp_path_factory.mktemp("cuts")
    smart, whole = root / "smart.mp4", root / "whole.mp4"
    report = Ffmpeg().render_cut(_spec(counters), smart)
    Ffmpeg().render_cut(_spec(counters), whole, smart=False)
    return smart, whole, report


def test_the_smart_path_copies_most_frames_and_reencodes_only_around_transitions(
        rendered: tuple[Path, Path, object]) -> None:
    _, _, report = rendered
    assert report.method == "smart"  # type: ignore[attr-defined]
    assert report.notes == ()  # type: ignore[attr-defined]
    # Clip 2 whole (48) plus the GOPs of clips 1, 2 and 4 that no transition touches.
    assert report.copied_frames >= 48 + 36 + 24 + 24  # type: ignore[attr-defined]


def test_same_frame_count_and_duration_as_the_whole_file_reencode(
        rendered: tuple[Path, Path, object]) -> None:
    smart, whole, _ = rendered
    a, b = streams(smart), streams(whole)
    assert a.frames == b.frames == TOTAL
    assert abs(a.video_duration - b.video_duration) <= 1 / FPS
    assert a.audio_duration is not None and b.audio_duration is not None
    assert abs(a.audio_duration - a.video_duration) <= 1 / FPS


def test_every_frame_is_where_the_file_says(rendered: tuple[Path, Path, object]) -> None:
    smart, whole, _ = rendered
    frames = read_frames(smart)
    assert len(frames) == TOTAL
    for n, frame in enumerate(frames):
        if n in UNDER:  # checked against the re-encode below
            continue
        clip = max(i for i, s in enumerate(STARTS) if s <= n)
        assert frame.bits_clean, n
        assert (frame.number, abs(frame.level - seen_level(clip)) <= 6) == (n - STARTS[clip], True)
    # Mid-transition the picture is a mix (the crossfade) or dark (the fade through black).
    assert frames[45].level not in {seen_level(i) for i in range(4)}
    assert frames[132].level < seen_level(2) // 2
    # Under the transitions too, the pictures are the re-encode's (up to coding noise).
    for n, (x, y) in enumerate(zip(raw_gray(smart), raw_gray(whole), strict=True)):
        assert sum(abs(p - q) for p, q in zip(x, y, strict=True)) / len(x) < 3, n


def test_each_beep_sounds_on_its_frame(rendered: tuple[Path, Path, object]) -> None:
    from counter_clips import beep_onsets

    smart, _, _ = rendered
    onsets = beep_onsets(smart)
    expected = [(s + BEEP_FRAME) / FPS for s in STARTS]
    assert len(onsets) == len(expected)
    for got, want in zip(onsets, expected, strict=True):
        assert abs(got - want) < 0.5 / FPS
    frames = read_frames(smart)
    # The picture under each beep shows the clip's frame BEEP_FRAME.
    assert [frames[round(t * FPS)].number for t in onsets] == [BEEP_FRAME] * 4


def test_a_clip_that_cannot_be_copied_is_named_with_why(counters: list[Path],
                                                        tmp_path: Path) -> None:
    tagged = make_counter_clip(tmp_path / "tagged.mp4", 1, FRAMES, colour="bt709")
    spec = _spec([counters[0], tagged, counters[2], counters[3]])
    report = Ffmpeg().render_cut(spec, tmp_path / "cut.mp4")
    assert report.method == "smart"
    assert len(report.notes) == 1
    assert "cut segment 2 (tagged.mp4)" in report.notes[0]
    assert "colour tags" in report.notes[0]
    assert streams(tmp_path / "cut.mp4").frames == TOTAL
    frames = read_frames(tmp_path / "cut.mp4")
    assert [f.number for f in frames[48:90]] == list(range(6, 48))  # clip 2, re-encoded
