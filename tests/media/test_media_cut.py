"""render_cut(): lengths in frames, frame size and rate, audio that stays with the picture,
the stream-copy fast path only when nothing needs re-encoding, and errors before running."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from media_helpers import Clips, Recording, all_frames_gray, mean_abs_diff, streams

from storyboard.errors import MediaError
from storyboard.media import (
    AudioBed,
    CutReport,
    CutSegment,
    CutSpec,
    Ffmpeg,
    Transition,
)

pytestmark = pytest.mark.e2e


def render(media: Ffmpeg, dst: Path, *segments: CutSegment, **options: object) -> CutReport:
    settings: dict[str, Any] = {"width": 320, "height": 180, "fps": 24}
    settings.update(options)
    return media.render_cut(CutSpec(segments=segments, **settings), dst)


def assert_cut(
    path: Path,
    report: CutReport,
    duration: float,
    width: int = 320,
    height: int = 180,
    fps: float = 24,
) -> None:
    found = streams(path)
    frame = 1 / fps
    assert report.duration == pytest.approx(duration, abs=frame)
    assert found.video_duration == pytest.approx(duration, abs=frame)
    assert found.frames == round(found.video_duration * fps)
    assert (found.width, found.height, found.pix_fmt) == (width, height, "yuv420p")
    assert found.audio_codec == "aac" and found.sample_rate == 48000 and found.channels == 2
    assert found.audio_duration is not None
    assert abs(found.audio_duration - found.video_duration) <= 0.05


def test_hard_cuts_add_up(media: Ffmpeg, clips: Clips, tmp_path: Path) -> None:
    dst = tmp_path / "cut.mp4"
    report = render(
        media, dst, CutSegment(clips.wide), CutSegment(clips.silent), CutSegment(clips.tall)
    )
    assert not report.stream_copied
    assert_cut(dst, report, 3.0)


@pytest.mark.parametrize("transition", ["crossfade", "fade"])
def test_transitions_overlap_their_neighbours(
    media: Ffmpeg, clips: Clips, tmp_path: Path, transition: Transition
) -> None:
    dst = tmp_path / "cut.mp4"
    report = render(
        media,
        dst,
        CutSegment(clips.wide),
        CutSegment(clips.wide2),
        CutSegment(clips.silent, transition=transition, transition_duration=0.5),
    )
    assert not report.stream_copied
    assert_cut(dst, report, 3.0 - 0.5)


def test_trims_and_mixed_transitions(media: Ffmpeg, clips: Clips, tmp_path: Path) -> None:
    dst = tmp_path / "cut.mp4"
    report = render(
        media,
        dst,
        CutSegment(clips.wide, trim_in=0.25),
        CutSegment(
            clips.tall, trim_in=0.1, trim_out=0.9, transition="crossfade", transition_duration=0.25
        ),
        CutSegment(clips.wide2, trim_out=0.5, transition="fade", transition_duration=0.25),
        CutSegment(clips.silent),
        fps=30,
    )
    assert_cut(dst, report, 0.75 + 0.8 + 0.5 + 1.0 - 0.25 - 0.25, fps=30)


def test_a_fade_dips_to_black(media: Ffmpeg, clips: Clips, tmp_path: Path) -> None:
    dst = tmp_path / "cut.mp4"
    render(
        media,
        dst,
        CutSegment(clips.wide),
        CutSegment(clips.wide2, transition="fade", transition_duration=0.5),
    )
    darkest = min(sum(frame) / len(frame) for frame in all_frames_gray(dst))
    assert darkest < 20


@pytest.mark.parametrize("fit", ["pad", "crop", "blur"])
def test_fit_puts_a_portrait_clip_in_a_landscape_frame(
    media: Ffmpeg, clips: Clips, tmp_path: Path, fit: str
) -> None:
    dst = tmp_path / f"{fit}.mp4"
    report = render(media, dst, CutSegment(clips.tall), CutSegment(clips.wide), fit=fit)
    assert_cut(dst, report, 2.0)
    edge = all_frames_gray(dst, "32x18")[0]
    left_column = edge[0::32]
    if fit == "pad":
        assert max(left_column) < 20  # black bars
    else:
        assert max(left_column) > 20  # picture or blurred picture reaches the edge


def test_uniform_clips_are_joined_without_reencoding(
    media: Ffmpeg, clips: Clips, tmp_path: Path
) -> None:
    dst = tmp_path / "copy.mp4"
    report = render(
        media,
        dst,
        CutSegment(clips.wide),
        CutSegment(clips.wide2),
        CutSegment(clips.wide, trim_out=1.0),
    )
    assert report.stream_copied
    assert_cut(dst, report, 3.0)
    assert mean_abs_diff(all_frames_gray(dst)[24], all_frames_gray(clips.wide2)[0]) < 1.0


@pytest.mark.parametrize(
    "change",
    [
        {"transition": "crossfade", "transition_duration": 0.25},
        {"trim_in": 0.5},
    ],
)
def test_transitions_and_trims_reencode(
    media: Ffmpeg, clips: Clips, tmp_path: Path, change: dict[str, Any]
) -> None:
    second = CutSegment(clips.wide2, **change)
    report = render(media, tmp_path / "cut.mp4", CutSegment(clips.wide), second)
    assert not report.stream_copied


def test_other_sizes_and_rates_reencode(media: Ffmpeg, clips: Clips, tmp_path: Path) -> None:
    report = render(
        media,
        tmp_path / "a.mp4",
        CutSegment(clips.wide),
        CutSegment(clips.wide2),
        width=256,
        height=144,
    )
    assert not report.stream_copied
    report = render(
        media, tmp_path / "b.mp4", CutSegment(clips.wide), CutSegment(clips.wide2), fps=25
    )
    assert not report.stream_copied
    assert_cut(tmp_path / "b.mp4", report, 2.0, fps=25)


def test_an_audio_bed_under_the_cut(media: Ffmpeg, clips: Clips, tmp_path: Path) -> None:
    dst = tmp_path / "music.mp4"
    bed = AudioBed(clips.tone, volume=0.5, fade_in=0.5, fade_out=0.5, start=0.5)
    report = render(media, dst, CutSegment(clips.wide), CutSegment(clips.wide2), audio=bed)
    assert not report.stream_copied
    assert_cut(dst, report, 2.0)
    report = render(
        media, dst, CutSegment(clips.silent), CutSegment(clips.wide), audio=bed, clip_audio=False
    )
    assert_cut(dst, report, 2.0)


def test_a_bed_shorter_than_the_cut_is_padded(media: Ffmpeg, clips: Clips, tmp_path: Path) -> None:
    bed = AudioBed(clips.tone, start=2.5)
    segments = [CutSegment(clips.wide)] * 3
    report = render(media, tmp_path / "cut.mp4", *segments, audio=bed)
    assert_cut(tmp_path / "cut.mp4", report, 3.0)


@pytest.mark.parametrize(
    ("segment", "message"),
    [
        ({"trim_in": 0.5, "trim_out": 1.5}, "outside the clip"),
        ({"trim_in": 0.9, "trim_out": 0.5}, "keeps nothing"),
        ({"transition": "crossfade", "transition_duration": 2.0}, "longer than"),
    ],
)
def test_impossible_cuts_fail_before_running(
    clips: Clips, tmp_path: Path, segment: dict[str, Any], message: str
) -> None:
    recording = Recording()

    with pytest.raises(MediaError, match=message):
        render(
            Ffmpeg(run=recording),
            tmp_path / "cut.mp4",
            CutSegment(clips.wide),
            CutSegment(clips.wide2, **segment),
        )
    assert not any(Path(argv[0]).name == "ffmpeg" for argv in recording.calls)
    assert list(tmp_path.iterdir()) == []


def test_stills_are_not_clips(media: Ffmpeg, clips: Clips, tmp_path: Path) -> None:
    with pytest.raises(MediaError, match=r"still\.png"):
        render(media, tmp_path / "cut.mp4", CutSegment(clips.png))


def test_the_runner_sees_the_render(clips: Clips, tmp_path: Path) -> None:
    recording = Recording()

    render(
        Ffmpeg(run=recording),
        tmp_path / "cut.mp4",
        CutSegment(clips.wide),
        CutSegment(clips.tall, transition="crossfade", transition_duration=0.5),
    )
    final = recording.calls[-1]
    assert Path(final[0]).name.startswith("ffmpeg")
    assert {"-nostdin", "-filter_complex", "+faststart"} <= set(final)
    assert any("xfade" in arg and "acrossfade" in arg for arg in final)


def test_repeated_clips_and_several_silent_ones(
    media: Ffmpeg, clips: Clips, tmp_path: Path
) -> None:
    dst = tmp_path / "repeat.mp4"
    segments = [
        CutSegment(clips.silent),
        CutSegment(clips.silent),
        CutSegment(clips.wide),
        CutSegment(clips.wide),
        CutSegment(clips.silent, transition="crossfade", transition_duration=0.25),
    ]
    report = render(media, dst, *segments)
    assert_cut(dst, report, 5.0 - 0.25)
    frames = all_frames_gray(dst)
    assert mean_abs_diff(frames[0], frames[24]) < 1.0  # the same clip twice
    assert mean_abs_diff(frames[48], frames[72]) < 1.0
