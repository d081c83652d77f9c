"""A cut with nothing to hear copies shipped AAC silence instead of encoding minutes of it:
the track stays AAC 48 kHz stereo, silent, never longer than the picture."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from counter_clips import FPS, make_counter_clip
from media_helpers import Recording, streams

from storyboard.media import CutSegment, CutSpec, Ffmpeg, locate, run_subprocess
from storyboard.media.cutter import SILENCE, SILENCE_PACKET

pytestmark = pytest.mark.e2e  # real encodes: a second or two


def test_the_shipped_silence_is_the_cuts_format_and_silent() -> None:
    text = run_subprocess([locate()[1], "-v", "error", "-show_entries",
                           "stream=codec_name,profile,sample_rate,channels,duration",
                           "-of", "csv=p=0", str(SILENCE)])
    codec, profile, rate, channels, seconds = text.strip().split(",")
    assert (codec, profile, rate, channels) == ("aac", "LC", "48000", "2")
    assert float(seconds) >= 1.0
    raw = subprocess.run([locate()[0], "-v", "error", "-i", str(SILENCE), "-f", "s16le", "-"],
                         check=True, capture_output=True).stdout
    assert len(raw) >= 4 * 48000 and not any(raw)


@pytest.mark.parametrize("clip_audio", [False, True])
def test_a_cut_with_nothing_to_hear_copies_silence(tmp_path: Path, clip_audio: bool) -> None:
    if clip_audio:  # clips without sound: nothing to hear though clip audio is kept
        clips = [tmp_path / f"s{i}.mp4" for i in range(3)]
        for i, clip in enumerate(clips):
            Ffmpeg().make_test_clip(clip, 2.0, 160, 96, with_audio=False,
                                    pattern=("testsrc2", "rgbtestsrc", "mandelbrot")[i])
    else:  # clips with sound, left out
        clips = [make_counter_clip(tmp_path / f"c{i}.mp4", i, 48) for i in range(3)]
    recording = Recording()

    spec = CutSpec(tuple(CutSegment(c) for c in clips), 160, 96, FPS, clip_audio=clip_audio)
    dst = tmp_path / "cut.mp4"
    report = Ffmpeg(run=recording).render_cut(spec, dst)
    assert report.method == "smart" and report.copied_frames == 3 * 48
    renders = [argv for argv in recording.calls if Path(argv[0]).name.startswith("ffmpeg")]
    assert len(renders) == 1 and "aac" not in renders[0] and str(SILENCE) in renders[0]
    found = streams(dst)
    assert found.frames == 3 * 48 and found.video_duration == pytest.approx(6.0, abs=1e-3)
    assert (found.audio_codec, found.sample_rate, found.channels) == ("aac", 48000, 2)
    assert found.audio_duration is not None
    assert 6.0 - 2 * SILENCE_PACKET <= found.audio_duration <= 6.0
    # The container is as long as its picture: the cut can itself be joined by stream copy.
    assert Ffmpeg().probe(dst).duration == pytest.approx(6.0, abs=0.5 / FPS)
    raw = subprocess.run([locate()[0], "-v", "error", "-i", str(dst), "-map", "0:a",
                          "-f", "s16le", "-"], check=True, capture_output=True).stdout
    assert raw and not any(raw)


def test_a_cut_with_sound_still_encodes_it(tmp_path: Path) -> None:
    clips = [make_counter_clip(tmp_path / f"c{i}.mp4", i, 48) for i in range(2)]
    recording = Recording()

    # A transition keeps it off the all-copy path; the clips' beeps must be heard.
    spec = CutSpec((CutSegment(clips[0]), CutSegment(clips[1], transition="crossfade",
                                                     transition_duration=0.25)), 160, 96, FPS)
    Ffmpeg(run=recording).render_cut(spec, tmp_path / "cut.mp4")
    assert not any(str(SILENCE) in argv for argv in recording.calls)
