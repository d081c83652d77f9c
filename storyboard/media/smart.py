"""Smart rendering, the plan: which frames of a cut are copied from the clips and which are
re-encoded.

Editing applications do this: the runs of a clip that no transition touches are stream-copied
from keyframe to keyframe, and only the frames under each transition (plus the partial GOP
that leads up to the next keyframe) are re-encoded. Everything here is pure; `cutter.py` runs
it. Frames are counted at the cut's rate, as in `cut.py`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from storyboard.media.cut import PlannedSegment
from storyboard.media.graph import SAMPLE_RATE, frames_in
from storyboard.media.info import Probed
from storyboard.media.specs import CutSegment, CutSpec

# x264 numbers its own parameter sets 0, as nearly every encoder does; the re-encoded frames
# carry theirs in-band under another id, so the copied frames keep decoding with the clip's.
SPS_ID = 31
# The B-frame reorder delays whose timestamps the re-encoded frames can match: x264 settings.
_BFRAMES = {0: "bframes=0", 1: "bframes=1:b-pyramid=none", 2: "bframes=3:b-pyramid=normal"}


@dataclass(frozen=True)
class Keyframes:
    """A clip's video packets: how many, and the clean cut points (keyframes with no frame
    on the far side of them in display order) as frame index -> (pts, dts) in seconds."""

    frames: int
    start: float  # the first frame's pts
    points: dict[int, tuple[float, float]]


def keyframes_argv(ffprobe: str, path: Path) -> list[str]:
    # Packet headers only, nothing is decoded: milliseconds for a shot.
    return [
        ffprobe, "-v", "error", "-select_streams", "v:0",
        "-show_entries", "packet=stream_index,pts_time,dts_time,flags", "-of", "csv=p=0",
        str(path),
    ]  # fmt: skip


Packet = tuple[float, float, bool]
"""One video packet in decode order: (pts, dts) in seconds, and whether it is a keyframe."""


def parse_keyframes(text: str, fps: float) -> Keyframes | None:
    """From ffprobe's packet list; None when the packets do not say enough (no timestamps,
    the video is not stream 0: the concat demuxer matches streams by index, so only stream 0
    can be copied)."""
    packets: list[Packet] = []
    for line in text.splitlines():
        fields = line.strip().split(",")
        if len(fields) < 4:
            continue
        if fields[0] != "0":
            return None
        try:
            packets.append((float(fields[1]), float(fields[2]), "K" in fields[3]))
        except ValueError:
            return None
    return keyframes_of(packets, fps)


def keyframes_of(packets: list[Packet], fps: float) -> Keyframes | None:
    """The clean cut points among a clip's video packets (decode order)."""
    if not packets:
        return None
    start = min(p[0] for p in packets)
    count = len(packets)
    # later_min[j]: the earliest pts after packet j in decode order; earlier_max likewise.
    later_min = [math.inf] * (count + 1)
    for j in range(count - 1, -1, -1):
        later_min[j] = min(later_min[j + 1], packets[j][0])
    earlier_max = -math.inf
    points: dict[int, tuple[float, float]] = {}
    for j, (pts, dts, key) in enumerate(packets):
        if key and later_min[j + 1] > pts and earlier_max < pts:
            frame = (pts - start) * fps
            if abs(frame - round(frame)) < 0.1:
                points[round(frame)] = (pts, dts)
        earlier_max = max(earlier_max, pts)
    return Keyframes(count, start, points)


def refusal(spec: CutSpec, item: PlannedSegment, reference: tuple[int, Probed] | None) -> str:
    """Why this clip's video cannot be copied into the cut ("" when it can). `reference` is
    the first copyable clip (index, probe): every copied clip must match it."""
    info, probed = item.probed.info, item.probed
    if info.video_codec != "h264":
        return f"its video is {info.video_codec}, not H.264"
    if info.pix_fmt != "yuv420p":
        return f"its pixel format is {info.pix_fmt}, not yuv420p"
    if (info.width, info.height) != (spec.width, spec.height):
        return f"it is {info.width}x{info.height} and the cut is {spec.width}x{spec.height}"
    if info.fps is None or abs(info.fps - spec.fps) > 1e-3:
        return f"it runs at {info.fps or 0:g} fps and the cut at {spec.fps:g}"
    if probed.reorder_delay not in _BFRAMES:
        return (f"its B-frame delay ({probed.reorder_delay}) is one the re-encoded frames "
                "cannot match")
    if reference is None:
        return ""
    index, first = reference
    other = f"clip {index + 1}'s"
    if probed.colour != first.colour:
        ours, theirs = _tags(probed.colour), _tags(first.colour)
        return f"its colour tags {ours} differ from {other} {theirs}"
    if probed.time_base != first.time_base:
        return f"its time base {probed.time_base} differs from {other} {first.time_base}"
    if probed.reorder_delay != first.reorder_delay:
        return f"its B-frame delay differs from {other}"
    # Last: colour tags and the like live in the SPS too; name the specific cause first.
    if probed.video_signature != first.video_signature:
        return f"its H.264 parameters (profile, level, SPS/PPS) differ from {other}"
    return ""


@dataclass(frozen=True)
class CopyPart:
    """Clip frames [first, last) by stream copy; `to_end` when they run to the clip's end."""

    path: Path
    first: int
    last: int
    keys: Keyframes
    to_end: bool


@dataclass(frozen=True)
class RenderPart:
    """Frames re-encoded: a little cut of its own (trimmed segments, the same transitions)."""

    segments: tuple[CutSegment, ...]
    frames: int


Part = CopyPart | RenderPart


def plan_parts(
    spec: CutSpec, plan: list[PlannedSegment], keys: list[Keyframes | None]
) -> list[Part]:
    """Split the cut into copied runs and re-encoded parts. A segment with keyframes (None:
    not copyable) copies from the first clean keyframe after its incoming transition to the
    last one before its outgoing transition (or to the clip's end)."""
    fps = spec.fps
    parts: list[Part] = []
    pending: list[tuple[int, int, int]] = []  # (segment, first frame, last frame) to encode
    for index, item in enumerate(plan):
        first = frames_in(item.trim_in, fps)
        end = first + item.frames
        after = plan[index + 1].overlap if index + 1 < len(plan) else 0
        window = _copy_window(keys[index], first, item.overlap, end, after)
        if window is None:
            pending.append((index, first, end))
            continue
        a, b, to_end = window
        pending.append((index, first, a))
        parts.extend(_render_part(spec, plan, pending))
        key = keys[index]
        assert key is not None
        parts.append(CopyPart(item.segment.path, a, b, key, to_end))
        pending = [(index, b, end)]
    parts.extend(_render_part(spec, plan, pending))
    return parts


def _copy_window(
    keys: Keyframes | None, first: int, overlap: int, end: int, after: int
) -> tuple[int, int, bool] | None:
    if keys is None:
        return None
    starts = [k for k in keys.points if k >= first + overlap]
    if not starts:
        return None
    a = min(starts)
    if after == 0 and end == keys.frames:
        return (a, end, True) if a < end else None
    limit = min(end - after, keys.frames)
    stops = [k for k in keys.points if a < k <= limit]
    return (a, max(stops), False) if stops else None


def _render_part(
    spec: CutSpec, plan: list[PlannedSegment], pending: list[tuple[int, int, int]]
) -> list[RenderPart]:
    fps = spec.fps
    segments: list[CutSegment] = []
    frames = 0
    for index, first, last in pending:
        if last <= first:
            continue
        source = plan[index].segment
        head = first == frames_in(plan[index].trim_in, fps)
        joined = head and bool(segments) and plan[index].overlap > 0
        # A quarter frame early: the frame at `first` is kept whatever rounding ffmpeg does.
        trim_in = max(0.0, (first - 0.25) / fps)
        segments.append(
            CutSegment(
                source.path,
                trim_in,
                last / fps,
                source.transition if joined else "cut",
                source.transition_duration if joined else 0.0,
            )
        )
        frames += last - first - (plan[index].overlap if joined else 0)
    return [RenderPart(tuple(segments), frames)] if segments else []


def concat_script(parts: list[Part], pieces: dict[int, Path], fps: float) -> str:
    """The concat-demuxer script that joins copied runs and re-encoded pieces. Each entry's
    duration is given, so every part starts on its exact frame."""
    lines = ["ffconcat version 1.0"]
    for number, part in enumerate(parts):
        if isinstance(part, RenderPart):
            lines.append(f"file {_quote(pieces[number])}")
            lines.append(f"duration {part.frames / fps:.6f}")
            continue
        lines.append(f"file {_quote(part.path)}")
        pts_in = part.keys.points[part.first][0] if part.first else part.keys.start
        if pts_in:
            # Rounded up to the microsecond: the demuxer seeks to the keyframe at or before it.
            lines.append(f"inpoint {math.ceil(pts_in * 1e6) / 1e6:.6f}")
        if not part.to_end:
            # The out point is a decoding time: half a frame before the keyframe's own.
            lines.append(f"outpoint {part.keys.points[part.last][1] - 0.5 / fps:.6f}")
        lines.append(f"duration {(part.last - part.first) / fps:.6f}")
    return "\n".join(lines) + "\n"


def piece_options(reference: Probed, fps_text: str) -> dict[str, str | int]:
    """Encoder options for re-encoded frames that decode and time like the copied ones."""
    options: dict[str, str | int] = {
        "c:v": "libx264",
        "preset": "veryfast",
        "crf": 18,
        "pix_fmt": "yuv420p",
        "x264-params": f"sps-id={SPS_ID}:repeat-headers=1:{_BFRAMES[reference.reorder_delay or 0]}",
        "r": fps_text,
    }
    if reference.time_base and reference.time_base.startswith("1/"):
        options["video_track_timescale"] = int(reference.time_base[2:])
    names = ("color_range", "colorspace", "color_trc", "color_primaries")
    for name, value in zip(names, reference.colour, strict=False):
        if value not in ("None", "unknown", "reserved"):
            options[name] = value
    return options


def audio_options() -> dict[str, str | int]:
    return {"c:a": "aac", "b:a": "128k", "ar": SAMPLE_RATE, "ac": 2}


def _tags(colour: tuple[str, ...]) -> str:
    """range/space/transfer/primaries as ffprobe names them, "unset" where a tag is absent."""
    return "/".join("unset" if v in ("None", "unknown") else v for v in colour)


def _quote(path: Path) -> str:
    return "'" + str(path.resolve()).replace("'", "'\\''") + "'"
