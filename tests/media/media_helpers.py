"""Ways to look inside rendered media independently of storyboard's own probe."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

from storyboard.media import Ffmpeg, locate, run_subprocess


@dataclass(frozen=True)
class Clips:
    wide: Path  # 1.0 s 320x180 24 fps, tone
    wide2: Path  # same format, other picture
    tall: Path  # 1.0 s 180x320 (9:16) 30 fps, tone
    silent: Path  # 1.0 s 320x180 24 fps, no audio
    png: Path
    jpg: Path
    webp: Path
    tone: Path  # 3.0 s AAC in .m4a


@dataclass(frozen=True)
class Streams:
    video_duration: float
    audio_duration: float | None
    frames: int
    width: int
    height: int
    rate: str
    pix_fmt: str
    audio_codec: str | None
    sample_rate: int | None
    channels: int | None


def streams(path: Path) -> Streams:
    """What ffprobe says, independently of storyboard's own probe."""
    argv = [locate()[1], "-v", "error", "-count_packets", "-show_streams", "-of", "json", str(path)]
    data = json.loads(subprocess.run(argv, capture_output=True, check=True).stdout)
    video = next(s for s in data["streams"] if s["codec_type"] == "video")
    audio = next((s for s in data["streams"] if s["codec_type"] == "audio"), None)
    return Streams(
        video_duration=float(video["duration"]),
        audio_duration=float(audio["duration"]) if audio else None,
        frames=int(video["nb_read_packets"]),
        width=int(video["width"]),
        height=int(video["height"]),
        rate=video["avg_frame_rate"],
        pix_fmt=video["pix_fmt"],
        audio_codec=audio["codec_name"] if audio else None,
        sample_rate=int(audio["sample_rate"]) if audio else None,
        channels=int(audio["channels"]) if audio else None,
    )


def gray(image: Path, size: str = "64x36", pix_fmt: str = "gray") -> bytes:
    """A picture as small raw 8-bit bytes (no numpy needed to compare pictures)."""
    argv = [
        locate()[0],
        "-v",
        "error",
        "-i",
        str(image),
        "-vf",
        f"scale={size}",
        "-f",
        "rawvideo",
        "-pix_fmt",
        pix_fmt,
        "-",
    ]
    return subprocess.run(argv, capture_output=True, check=True).stdout


def all_frames_gray(video: Path, size: str = "64x36") -> list[bytes]:
    """Every decoded frame, none duplicated or dropped to fit a frame rate."""
    argv = [
        locate()[0],
        "-v",
        "error",
        "-i",
        str(video),
        "-vf",
        f"scale={size}",
        "-fps_mode",
        "passthrough",
        "-f",
        "rawvideo",
        "-pix_fmt",
        "gray",
        "-",
    ]
    raw = subprocess.run(argv, capture_output=True, check=True).stdout
    width, height = (int(v) for v in size.split("x"))
    step = width * height
    return [raw[i : i + step] for i in range(0, len(raw), step)]


def mean_abs_diff(a: bytes, b: bytes) -> float:
    assert len(a) == len(b) and a
    return sum(abs(x - y) for x, y in zip(a, b, strict=True)) / len(a)


def first_and_last(media: Ffmpeg, video: Path, tmp: Path) -> tuple[bytes, bytes]:
    media.extract_frame(video, tmp / "first.png", "first")
    media.extract_frame(video, tmp / "last.png", "last")
    return gray(tmp / "first.png"), gray(tmp / "last.png")


def display_frame(video: Path, dst: Path, frame: int = 0) -> Path:
    """Frame `frame` of a file's first video stream: what a player shows (a preview's slate
    included), where `Ffmpeg.extract_frame` hands on the clean plate."""
    argv = [locate()[0], "-v", "error", "-y", "-i", str(video), "-map", "0:v:0",
            "-vf", f"select=eq(n\\,{frame})", "-frames:v", "1", str(dst)]
    subprocess.run(argv, capture_output=True, check=True)
    return dst


class Recording:
    """A runner for `Ffmpeg(run=...)` that runs each command and keeps its argv in `calls`."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def __call__(self, argv: list[str]) -> str:
        self.calls.append(argv)
        return run_subprocess(argv)
