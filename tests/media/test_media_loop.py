"""make_loop(): footage that ends where it starts, shorter by the crossfade."""

from __future__ import annotations

from pathlib import Path

import pytest
from media_helpers import Clips, all_frames_gray, first_and_last, mean_abs_diff, streams

from storyboard.errors import MediaError
from storyboard.media import Ffmpeg

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("source", ["wide", "silent"])
def test_loop_ends_on_its_first_frame(
    media: Ffmpeg, clips: Clips, tmp_path: Path, source: str
) -> None:
    src = getattr(clips, source)
    dst = tmp_path / "loop.mp4"
    media.make_loop(src, dst, crossfade=0.25)
    found = streams(dst)
    assert found.video_duration == pytest.approx(0.75, abs=1 / 24)
    assert found.frames == 18
    assert found.audio_duration is not None
    assert abs(found.audio_duration - found.video_duration) <= 0.05
    first, last = first_and_last(media, dst, tmp_path)
    assert mean_abs_diff(first, last) < 2.0
    frames = all_frames_gray(src)
    assert mean_abs_diff(frames[0], frames[-1]) > 3.0  # the source itself does not loop


def test_a_crossfade_longer_than_half_the_clip_is_refused(
    media: Ffmpeg, clips: Clips, tmp_path: Path
) -> None:
    with pytest.raises(MediaError, match="half the clip"):
        media.make_loop(clips.wide, tmp_path / "loop.mp4", crossfade=0.6)
    assert list(tmp_path.iterdir()) == []
