"""Tiny generated media shared by the media tests (made once per session)."""

from __future__ import annotations

import pytest
from media_helpers import Clips

from storyboard.media import Ffmpeg


@pytest.fixture(scope="session")
def media() -> Ffmpeg:
    return Ffmpeg()


@pytest.fixture(scope="session")
def clips(tmp_path_factory: pytest.TempPathFactory, media: Ffmpeg) -> Clips:
    root = tmp_path_factory.mktemp("clips")
    found = Clips(
        wide=root / "wide.mp4",
        wide2=root / "wide2.mp4",
        tall=root / "tall.mp4",
        silent=root / "silent.mp4",
        png=root / "still.png",
        jpg=root / "still.jpg",
        webp=root / "still.webp",
        tone=root / "tone.m4a",
    )
    media.make_test_clip(found.wide, 1.0, 320, 180)
    media.make_test_clip(found.wide2, 1.0, 320, 180, pattern="rgbtestsrc")
    media.make_test_clip(found.tall, 1.0, 180, 320, fps=30)
    media.make_test_clip(found.silent, 1.0, 320, 180, with_audio=False, pattern="mandelbrot")
    media.make_test_image(found.png, 320, 180, color="orange")
    media.make_test_image(found.jpg, 320, 180, color="blue")
    media.make_test_image(found.webp, 64, 64, color="green")
    media.make_test_tone(found.tone, 3.0)
    return found
