"""The fake's media work, done through `storyboard.media` (the only ffmpeg user): render stand-in
result videos and probe uploaded files.

Rendered clips are cached per (duration, width, height), so a test that runs many jobs renders
each size once; the pytest plugin shares one cache directory across a session.
"""

from __future__ import annotations

import threading
from pathlib import Path

from storyboard.errors import MediaError
from storyboard.media import Ffmpeg, MediaInfo


def probe(path: Path, ffmpeg: Ffmpeg | None = None) -> MediaInfo | None:
    """None when ffprobe cannot read the file at all (an upload that must fail to import)."""
    try:
        return (ffmpeg or Ffmpeg()).probe(path)
    except MediaError:
        return None


class ClipCache:
    """Rendered result clips by (duration, width, height), safe to share between servers."""

    def __init__(self, directory: Path, ffmpeg: Ffmpeg | None = None) -> None:
        self.directory = directory
        self.ffmpeg = ffmpeg or Ffmpeg()
        self._lock = threading.Lock()
        self._key_locks: dict[tuple[float, int, int], threading.Lock] = {}

    def get(self, duration: float, width: int, height: int) -> Path:
        key = (round(duration, 3), width, height)
        with self._lock:
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        path = self.directory / f"clip-{key[0]:g}s-{width}x{height}.mp4"
        with key_lock:  # two jobs of the same size render once; other sizes go in parallel
            if not path.exists():  # make_test_clip writes atomically, so exists means whole
                self.ffmpeg.make_test_clip(path, key[0], width, height)
        return path
