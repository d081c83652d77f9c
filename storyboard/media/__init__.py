"""storyboard.media: the only part of storyboard that runs ffmpeg.

Locates the binaries, probes files, renders preview animatics, extracts frames, makes loops
and stitches cuts. Everything goes through `Ffmpeg`, whose Runner is the seam for tests.
Names load on first use: a command that touches no media (validate a file without media
assets, plan) does not import ffmpeg-python or the renderers.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

_HOMES = {
    "locate": "binaries", "versions": "binaries", "Ffmpeg": "ffmpeg_tool", "MediaInfo": "info",
    "MediaKind": "info", "Runner": "runner", "run_subprocess": "runner", "AudioBed": "specs",
    "CutReport": "specs", "CutSegment": "specs", "CutSpec": "specs", "Fit": "specs",
    "PreviewKind": "specs", "PreviewSpec": "specs", "Transition": "specs",
}


def __getattr__(name: str) -> Any:
    if name == "stills":
        return importlib.import_module(f"{__name__}.stills")
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value: Any = vars(importlib.import_module(f"{__name__}.{home}"))[name]
    globals()[name] = value  # the next lookup is a plain attribute
    return value


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
