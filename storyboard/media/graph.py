"""Filter-graph building blocks shared by previews, loops and cuts (one home per ffmpeg idiom).

Everything here builds ffmpeg-python nodes and never runs anything; ffmpeg-python does the
two levels of filter-graph escaping for every option value, paths included.
"""

from __future__ import annotations

import math
from fractions import Fraction
from pathlib import Path
from typing import Any

import ffmpeg

from storyboard.media.specs import Fit

Stream = Any  # ffmpeg-python streams and nodes are untyped

SAMPLE_RATE = 48000
GLOBAL_ARGS = ("-nostdin", "-hide_banner", "-loglevel", "error")
PREVIEW_PRESET = "ultrafast"  # previews are drafts: speed over size
FINAL_PRESET = "veryfast"


def rate_text(fps: float) -> str:
    """An exact ffmpeg rate ("24", "30000/1001") for a float that may be an NTSC rate."""
    ntsc = Fraction(round(fps * 1.001)) * Fraction(1000, 1001)
    rate = ntsc if abs(float(ntsc) - fps) < 1e-3 else Fraction(fps).limit_denominator(1001)
    return str(rate.numerator) if rate.denominator == 1 else f"{rate.numerator}/{rate.denominator}"


def frame_count(seconds: float, fps: float) -> int:
    """Whole frames in `seconds`, halves rounded up (Python's round() would go to even)."""
    return max(1, frames_in(seconds, fps))


def frames_in(seconds: float, fps: float) -> int:
    return math.floor(seconds * fps + 0.5)


def sample_count(frames: int, fps: float) -> int:
    return round(frames / fps * SAMPLE_RATE)


def encode_args(preset: str, crf: int) -> dict[str, str | int]:
    """H.264 yuv420p + AAC 48 kHz stereo MP4, playable progressively (+faststart)."""
    return {
        "c:v": "libx264",
        "preset": preset,
        "crf": crf,
        "pix_fmt": "yuv420p",
        "c:a": "aac",
        "b:a": "128k",
        "ar": SAMPLE_RATE,
        "ac": 2,
        "movflags": "+faststart",
    }


def compile_argv(output: Stream, ffmpeg_path: str) -> list[str]:
    argv: list[str] = ffmpeg.compile(output, cmd=[ffmpeg_path, *GLOBAL_ARGS], overwrite_output=True)
    return argv


def read_length(seconds: float, fps: float, index: int = 0) -> float:
    """How much of an input to read for `seconds` of output: a frame more, so trim can pick
    exact frames, plus a hair per index because ffmpeg-python merges identical inputs and a
    repeated clip needs an input of its own (a split would buffer it all in memory)."""
    return seconds + (1 + index / 1000) / fps


def silence(frames: int, fps: float, index: int = 0) -> Stream:
    """A silent stereo track of exactly `frames` video frames; give each one in a graph its
    own index."""
    source = ffmpeg.input(
        f"anullsrc=r={SAMPLE_RATE}:cl=stereo", f="lavfi", t=read_length(frames / fps, fps, index)
    )
    return source.audio.filter("atrim", end_sample=sample_count(frames, fps))


def fit_audio(stream: Stream, frames: int, fps: float) -> Stream:
    """Any audio stream as 48 kHz stereo float, padded or cut to exactly `frames` frames."""
    return (
        stream.filter("aresample", SAMPLE_RATE)
        .filter("aformat", sample_fmts="fltp", sample_rates=SAMPLE_RATE, channel_layouts="stereo")
        .filter("asetpts", "PTS-STARTPTS")
        .filter("apad")
        .filter("atrim", end_sample=sample_count(frames, fps))
    )


def fit_frame(stream: Stream, width: int, height: int, fit: Fit) -> Stream:
    """Scale a picture of any shape into width x height: black bars, cropped, or blurred fill."""
    if fit == "crop":
        return cover(stream, width, height)
    if fit == "blur":
        return blur_fill(stream, width, height)
    inner = stream.filter(
        "scale", width, height, force_original_aspect_ratio="decrease", flags="bicubic"
    )
    return inner.filter("pad", width, height, "(ow-iw)/2", "(oh-ih)/2", color="black")


def cover(stream: Stream, width: int, height: int) -> Stream:
    return stream.filter(
        "scale", width, height, force_original_aspect_ratio="increase", flags="bicubic"
    ).filter("crop", width, height)


def blur_fill(stream: Stream, width: int, height: int) -> Stream:
    """The picture fitted inside the frame over a blurred, cropped-to-cover copy of itself."""
    split = stream.split()
    # Blurring a small copy and scaling it up is far cheaper than a big blur at full size.
    small_w, small_h = _even(width // 8), _even(height // 8)
    background = (
        cover(split[0], small_w, small_h)
        .filter("gblur", sigma=4)
        .filter("scale", width, height, flags="bilinear")
    )
    foreground = split[1].filter(
        "scale", width, height, force_original_aspect_ratio="decrease", flags="bicubic"
    )
    return ffmpeg.overlay(background, foreground, x="(W-w)/2", y="(H-h)/2")


def normalise_video(
    stream: Stream, width: int, height: int, fps: float, frames: int, fit: Fit
) -> Stream:
    """Any video as exactly `frames` CFR frames of width x height, square pixels, yuv420p;
    a source that runs short holds its last frame."""
    timed = stream.filter("setpts", "PTS-STARTPTS").filter("fps", rate_text(fps))
    # Anamorphic sources are stretched to square pixels first, or fitting would distort them
    # (with square pixels already this scale is a pass-through).
    square = timed.filter("scale", "iw*sar", "ih").filter("setsar", 1)
    return (
        fit_frame(square.filter("format", "yuv420p"), width, height, fit)
        .filter("setsar", 1)
        .filter("tpad", stop_mode="clone", stop=frames)
        .filter("trim", end_frame=frames)
        .filter("setpts", "PTS-STARTPTS")
    )


def still_input(path: Path) -> Stream:
    """One decoded picture (a still image is read once, not once per output frame)."""
    return ffmpeg.input(str(path)).video.filter("trim", end_frame=1)


def _even(value: int) -> int:
    return max(2, value - value % 2)
