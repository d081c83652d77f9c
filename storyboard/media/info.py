"""What ffprobe says about a file, reduced to the facts the rest of storyboard decides on.

`parse_probe` is pure (JSON in, values out) so the rules for "is this a still image?" and
"can these clips be joined without re-encoding?" are testable without running ffprobe.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any, Literal

from storyboard.errors import MediaError

MediaKind = Literal["image", "video", "audio"]
# The handler name of a preview file's clean plate: a video stream after the display picture
# and the sound, which everything that hands a picture on reads instead of the display.
PLATE_HANDLER = "storyboard plate"

# Demuxers that read one picture; anything ending in "_pipe" is an image pipe as well.
_IMAGE_FORMATS = {"image2", "image2pipe"}
_STILL_CODECS = {"png", "mjpeg", "jpeg2000", "jpegls", "webp", "bmp", "tiff", "qoi", "ppm"}


@dataclass(frozen=True)
class MediaInfo:
    """One media file as storyboard sees it; `duration` is the video stream's for a video
    (what an editor sees; the container may run a few ms longer on audio padding)."""

    kind: MediaKind
    duration: float | None
    width: int | None
    height: int | None
    fps: float | None
    has_audio: bool
    video_codec: str | None
    audio_codec: str | None
    pix_fmt: str | None
    size_bytes: int


@dataclass(frozen=True)
class Probed:
    """MediaInfo plus what the stream-copy fast path compares and the container's length."""

    info: MediaInfo
    container_duration: float | None
    # Equal signatures mean the concat demuxer can join files byte-for-byte: same SPS/PPS
    # (extradata), same audio config, same frame size and rate.
    copy_signature: tuple[str, ...]
    audio_sample_rate: int | None
    audio_channels: int | None
    # What smart rendering compares to copy a clip's video next to re-encoded frames: the
    # video half of the signature, the colour tags, the time base and the B-frame delay.
    video_signature: tuple[str, ...] = ()
    colour: tuple[str, ...] = ()
    time_base: str | None = None
    reorder_delay: int | None = None
    plate_stream: int | None = None  # the file's stream index of a clean plate, if it has one

    @property
    def picture(self) -> str:
        """The stream specifier of the picture to hand on: the plate if any, else video 0."""
        return str(self.plate_stream) if self.plate_stream is not None else "v:0"


def probe_argv(ffprobe: str, path: Path) -> list[str]:
    return [
        ffprobe, "-v", "error", "-hide_banner",
        "-show_format", "-show_streams", "-show_data_hash", "CRC32",
        "-of", "json", str(path),
    ]  # fmt: skip


def parse_probe(data: dict[str, Any], path: Path, size_bytes: int) -> Probed:
    streams: list[dict[str, Any]] = data.get("streams") or []
    fmt: dict[str, Any] = data.get("format") or {}
    video = next(
        (
            s
            for s in streams
            if s.get("codec_type") == "video"
            and not (s.get("disposition") or {}).get("attached_pic")
        ),
        None,
    )
    audio = next((s for s in streams if s.get("codec_type") == "audio"), None)
    if video is None and audio is None:
        raise MediaError(
            f"{path} has no video or audio stream; check that it is the file you meant "
            "(re-export or re-download it)"
        )
    container_duration = _float(fmt.get("duration"))
    kind: MediaKind
    if video is not None and _is_still(video, audio, str(fmt.get("format_name", ""))):
        kind = "image"
        duration = None
        fps = None
    elif video is not None:
        kind = "video"
        duration = _float(video.get("duration")) or container_duration
        fps = _rate(video.get("avg_frame_rate")) or _rate(video.get("r_frame_rate"))
    else:
        assert audio is not None
        kind = "audio"
        duration = _float(audio.get("duration")) or container_duration
        fps = None
    width = _int(video.get("width")) if video else None
    height = _int(video.get("height")) if video else None
    rotation = _rotation(video) if video else 0
    if rotation % 180:
        width, height = height, width  # players show phone footage turned: so do we
    info = MediaInfo(
        kind=kind,
        duration=duration,
        width=width,
        height=height,
        fps=float(fps) if fps else None,
        has_audio=audio is not None,
        video_codec=video.get("codec_name") if video else None,
        audio_codec=audio.get("codec_name") if audio else None,
        pix_fmt=video.get("pix_fmt") if video else None,
        size_bytes=size_bytes,
    )
    video_signature = tuple(
        str(x)
        for x in (
            *_fields(
                video,
                "codec_name",
                "profile",
                "level",
                "pix_fmt",
                "width",
                "height",
                "sample_aspect_ratio",
                "field_order",
                "extradata_hash",
            ),
            fps,
            rotation,
        )
    )
    audio_signature = tuple(
        str(x)
        for x in _fields(
            audio, "codec_name", "profile", "sample_rate", "channels", "extradata_hash"
        )
    )
    return Probed(
        info=info,
        container_duration=container_duration,
        copy_signature=video_signature + audio_signature,
        audio_sample_rate=_int(audio.get("sample_rate")) if audio else None,
        audio_channels=_int(audio.get("channels")) if audio else None,
        video_signature=video_signature,
        colour=tuple(
            str(x)
            for x in _fields(
                video, "color_range", "color_space", "color_transfer", "color_primaries"
            )
        ),
        time_base=str(video.get("time_base")) if video else None,
        reorder_delay=_int(video.get("has_b_frames")) if video else None,
        plate_stream=_plate(streams),
    )


def _plate(streams: list[dict[str, Any]]) -> int | None:
    for index, stream in enumerate(streams):
        tags = stream.get("tags") or {}
        if stream.get("codec_type") == "video" and tags.get("handler_name") == PLATE_HANDLER:
            return _int(stream.get("index", index))
    return None


def _is_still(video: dict[str, Any], audio: dict[str, Any] | None, format_name: str) -> bool:
    names = set(format_name.split(","))
    if names & _IMAGE_FORMATS or any(n.endswith("_pipe") for n in names):
        return True
    frames = video.get("nb_frames")
    return (
        audio is None
        and video.get("codec_name") in _STILL_CODECS
        and (frames is None or str(frames) in {"0", "1"})
        and not _float(video.get("duration"))
    )


def _rotation(video: dict[str, Any]) -> int:
    for side in video.get("side_data_list") or []:
        if "rotation" in side:
            return _int(side["rotation"]) or 0
    return _int((video.get("tags") or {}).get("rotate")) or 0


def _fields(stream: dict[str, Any] | None, *names: str) -> tuple[object, ...]:
    return tuple(stream.get(n) if stream else None for n in names)


def _float(value: object) -> float | None:
    try:
        result = float(str(value))
    except (TypeError, ValueError):
        return None
    return result if result == result and result >= 0 else None  # drop NaN


def _int(value: object) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


def _rate(value: object) -> Fraction | None:
    try:
        rate = Fraction(str(value))
    except (ValueError, ZeroDivisionError):
        return None
    return rate if rate > 0 else None
