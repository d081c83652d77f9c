"""storyboard.media: the only part of storyboard that runs ffmpeg.

Locates the binaries, probes files, renders preview animatics, extracts frames, makes loops
and stitches cuts. Everything goes through `Ffmpeg`, whose Runner is the seam for tests.
"""

from __future__ import annotations

from storyboard.media import stills as stills  # posters and contact sheets
from storyboard.media.binaries import locate, versions
from storyboard.media.ffmpeg_tool import Ffmpeg
from storyboard.media.info import MediaInfo, MediaKind
from storyboard.media.runner import Runner, run_subprocess
from storyboard.media.specs import (
    AudioBed,
    CutReport,
    CutSegment,
    CutSpec,
    Fit,
    PreviewKind,
    PreviewSpec,
    Transition,
)

__all__ = [
    "AudioBed",
    "CutReport",
    "CutSegment",
    "CutSpec",
    "Ffmpeg",
    "Fit",
    "MediaInfo",
    "MediaKind",
    "PreviewKind",
    "PreviewSpec",
    "Runner",
    "Transition",
    "locate",
    "run_subprocess",
    "versions",
]
