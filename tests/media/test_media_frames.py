"""extract_frame(): the exact first and last decoded frames, as PNG."""

from __future__ import annotations

from pathlib import Path

import pytest
from media_helpers import Clips, all_frames_gray, gray, mean_abs_diff

from storyboard.errors import MediaError
from storyboard.media import Ffmpeg

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("which", ["first", "last"])
def test_frame_matches_the_decoded_frame(
    media: Ffmpeg, clips: Clips, tmp_path: Path, which: str
) -> None:
    frames = all_frames_gray(clips.wide)
    dst = tmp_path / f"{which}.png"
    media.extract_frame(clips.wide, dst, "first" if which == "first" else "last")
    assert media.probe(dst).kind == "image"
    picked = gray(dst)
    expected, other = (frames[0], frames[-1]) if which == "first" else (frames[-1], frames[0])
    assert mean_abs_diff(picked, expected) < 1.0
    assert mean_abs_diff(picked, other) > 3.0  # the clip moves, so the test can fail
    assert mean_abs_diff(picked, frames[-2 if which == "last" else 1]) > 0.2


def test_frames_of_a_still_are_refused(media: Ffmpeg, clips: Clips, tmp_path: Path) -> None:
    with pytest.raises(MediaError, match="not a video"):
        media.extract_frame(clips.png, tmp_path / "x.png", "last")
    assert not (tmp_path / "x.png").exists()
