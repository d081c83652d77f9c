"""The plain-data requests media accepts: what preview clip to draw, what cut to assemble.

Providers and the engine fill these in from the storyboard; media validates only what ffmpeg
needs (lengths, overlaps) and never sees the storyboard language itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

PreviewKind = Literal["generate", "loop", "edit", "reframe"]
Transition = Literal["cut", "crossfade", "fade"]
Fit = Literal["pad", "crop", "blur"]


@dataclass(frozen=True, kw_only=True)
class PreviewSpec:
    """A local animatic standing in for a generated shot. For edit/reframe, `duration` is the
    source video's (the caller probes it). Keyword-only: the fields are many and alike."""

    kind: PreviewKind
    duration: float
    width: int
    height: int
    fps: int = 24
    title: str
    prompt: str
    model: str
    start_image: Path | None = None
    end_image: Path | None = None
    source_video: Path | None = None
    camera: tuple[str, ...] = ()
    loop: bool = False
    seed: str = ""


@dataclass(frozen=True)
class CutSegment:
    """One entry of a cut; `transition` joins it to the previous entry."""

    path: Path
    trim_in: float = 0.0
    trim_out: float | None = None
    transition: Transition = "cut"
    transition_duration: float = 0.0


@dataclass(frozen=True)
class AudioBed:
    """Music under a whole cut; `start` is where in the music file playback begins."""

    path: Path
    volume: float = 1.0
    fade_in: float = 0.0
    fade_out: float = 0.0
    start: float = 0.0


@dataclass(frozen=True)
class CutSpec:
    segments: tuple[CutSegment, ...]
    width: int
    height: int
    fps: float
    fit: Fit = "pad"
    audio: AudioBed | None = None
    clip_audio: bool = True


CutMethod = Literal["copy", "smart", "encode"]


@dataclass(frozen=True)
class CutReport:
    """How a cut was rendered: every stream copied, smart (copied video, re-encoded pieces
    around the transitions, the sound rendered once) or wholly encoded. `notes` name the clips
    that could not be copied and why: the build shows them."""

    duration: float
    stream_copied: bool
    method: CutMethod = "encode"
    copied_frames: int = 0
    notes: tuple[str, ...] = ()
