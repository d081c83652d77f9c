"""Local animatics that stand in for generated shots, drawn from the shot's own request.

generate/loop: the start image (or a place with depth, see plates.py) under a slow camera
move named by the shot's camera concepts, crossfading to the end image; edit: the source tinted;
reframe: the source fitted over a blurred fill. That is the clean plate; the file's first video
stream is a display copy wearing the slate (see captions.py), the plate its last, and a silent
track sits between (ARCHITECTURE.md, "Clean plates").
"""

from __future__ import annotations

import colorsys
import hashlib
from dataclasses import dataclass
from pathlib import Path

import ffmpeg

from storyboard.errors import MediaError
from storyboard.media.captions import draw_overlays
from storyboard.media.graph import (
    PREVIEW_PRESET,
    Stream,
    cover,
    encode_args,
    fit_frame,
    frame_count,
    frames_in,
    normalise_video,
    rate_text,
    silence,
    still_input,
)
from storyboard.media.info import PLATE_HANDLER
from storyboard.media.plates import draw_depth_plate
from storyboard.media.slate import SlateText
from storyboard.media.specs import Fit, PreviewSpec
from storyboard.media.typeset import FontChain

ZOOM = 0.15  # how far a push/pull travels; drift moves within the same margin
GENTLE_ZOOM = 0.06
END_CROSSFADE = 1.0  # seconds, at most; never more than 40 % of the clip


@dataclass(frozen=True)
class CameraMove:
    """zoom goes start_zoom -> start_zoom + zoom_delta; drift_x/drift_y in -1..1 move the
    window from one edge of the margin to the other (+1 = right/down)."""

    start_zoom: float
    zoom_delta: float
    drift_x: int
    drift_y: int


def camera_move(concepts: tuple[str, ...]) -> CameraMove:
    """Map Luma camera concepts onto one slow move; unknown concepts get a gentle push in."""
    names = {c.strip().lower().replace(" ", "_").replace("-", "_") for c in concepts}
    zoom = 0.0
    drift_x = drift_y = 0
    if names & {"push_in", "zoom_in", "dolly_in"}:
        zoom = ZOOM
    elif names & {"pull_out", "zoom_out", "dolly_out"}:
        zoom = -ZOOM
    if names & {"pan_left", "truck_left", "orbit_left"}:
        drift_x = -1
    elif names & {"pan_right", "truck_right", "orbit_right"}:
        drift_x = 1
    if names & {"tilt_up", "pedestal_up", "crane_up"}:
        drift_y = -1
    elif names & {"tilt_down", "pedestal_down", "crane_down"}:
        drift_y = 1
    drifting = bool(drift_x or drift_y)
    if zoom == 0.0 and (names & {"orbit_left", "orbit_right"} or not drifting):
        zoom = GENTLE_ZOOM
    # A drift needs room to move in, so it starts zoomed in by the full margin.
    base = 1.0 + (ZOOM if drifting else 0.0)
    start = base - zoom if zoom < 0 else base
    return CameraMove(start, zoom, drift_x, drift_y)


def zoompan_args(move: CameraMove, frames: int, out_and_back: bool) -> dict[str, str]:
    """zoompan expressions for `frames` output frames from one input picture."""
    span = max(1, frames - 1)
    # Eased so the move starts and stops softly; out-and-back returns exactly to frame 0.
    turns = 2 if out_and_back else 1
    progress = f"(1-cos({turns}*PI*on/{span}))/2"
    zoom = f"{move.start_zoom:.4f}+({move.zoom_delta:.4f})*{progress}"
    fx = f"(0.5+({move.drift_x})*({progress}-0.5))" if move.drift_x else "0.5"
    fy = f"(0.5+({move.drift_y})*({progress}-0.5))" if move.drift_y else "0.5"
    return {"z": zoom, "x": f"(iw-iw/zoom)*{fx}", "y": f"(ih-ih/zoom)*{fy}"}


def seed_colours(seed: str) -> tuple[str, str, int]:
    """Two related colours and a gradient seed, stable for a given seed string."""
    digest = hashlib.sha256(seed.encode("utf-8")).digest()
    hue = digest[0] / 255
    first = colorsys.hsv_to_rgb(hue, 0.45 + digest[1] / 255 * 0.25, 0.55 + digest[2] / 255 * 0.2)
    second = colorsys.hsv_to_rgb((hue + 0.08) % 1.0, 0.6, 0.25 + digest[3] / 255 * 0.15)
    return _hex(first), _hex(second), int.from_bytes(digest[4:8], "big")


def _hex(rgb: tuple[float, float, float]) -> str:
    return "0x" + "".join(f"{round(c * 255):02x}" for c in rgb)


def build_preview(
    spec: PreviewSpec, dst: Path, chain: FontChain | None, workdir: Path, sources: dict[str, Path],
    source_stream: str = "v:0",
) -> Stream:
    """The ffmpeg-python output for a preview; `sources` maps start/end/source to paths that
    are safe to hand to ffmpeg (see Ffmpeg._safe_still)."""
    if (
        spec.duration <= 0
        or spec.fps <= 0
        or min(spec.width, spec.height) <= 0
        or spec.width % 2
        or spec.height % 2
    ):
        raise MediaError(
            f"shot '{spec.title}': cannot render a preview of {spec.duration}s at "
            f"{spec.width}x{spec.height} {spec.fps} fps; duration and fps must be positive, "
            "width and height positive and even (H.264 yuv420p)"
        )
    frames = frame_count(spec.duration, spec.fps)
    width, height = spec.width, spec.height
    if spec.kind in ("edit", "reframe"):
        if "source" not in sources:
            raise MediaError(f"a {spec.kind} preview needs a source video (shot '{spec.title}')")
        source = ffmpeg.input(str(sources["source"]))[source_stream]
        fit: Fit = "blur" if spec.kind == "reframe" else "pad"
        video = normalise_video(source, width, height, spec.fps, frames, fit)
        if spec.kind == "edit":
            # A visible warm restyle from a lookup table (lut clips to the legal range), so
            # nobody mistakes the preview for the untouched source.
            video = video.filter("lutyuv", u="val-18", v="val+22")
    else:
        out_and_back = spec.loop or spec.kind == "loop"
        pictures = _pictures(sources, use_end=not out_and_back)
        video = _moving_still(spec, frames, pictures.get("start"), out_and_back, workdir)
        if "end" in pictures:
            video = _crossfade_to_end(video, spec, frames, pictures["end"])
    # What the shot hands on (frames, edit and loop sources) is the plate; the slate goes on a
    # display copy only, written as the file's first video stream (what players and cuts show)
    # with the plate after the sound, tagged, for media to read back (see PLATE_HANDLER).
    # A faint grain drawn from the request: like a model's output, the plate changes when the
    # prompt does (even over the same start image), so what depends on it is rebuilt.
    grain = seed_colours(spec.seed)[2] % 2_000_000_000
    plate = _tagged(video.filter("noise", alls=2, allf="u", all_seed=grain))
    display = None
    if chain is not None:
        split = plate.split()
        plate = split[1]
        display = _tagged(draw_overlays(split[0], _slate_text(spec, frames), chain, width,
                                        height, spec.fps, workdir))
    audio = silence(frames, spec.fps)
    if display is None:
        return ffmpeg.output(plate, audio, str(dst), **encode_args(PREVIEW_PRESET, 23),
                             r=rate_text(spec.fps))
    return ffmpeg.output(
        display,
        audio,
        plate,
        str(dst),
        **encode_args(PREVIEW_PRESET, 23),
        **{"metadata:s:v:1": f"handler_name={PLATE_HANDLER}", "disposition:v:1": 0},
        r=rate_text(spec.fps),
    )


def _tagged(video: Stream) -> Stream:
    # One set of colour tags for every preview, whatever the source said, so previews share
    # their H.264 headers and a cut of them can be joined without re-encoding.
    return video.filter("format", "yuv420p").filter(
        "setparams",
        range="tv",
        colorspace="unknown",
        color_primaries="unknown",
        color_trc="unknown",
    )


def _slate_text(spec: PreviewSpec, frames: int) -> SlateText:
    return SlateText(title=spec.title, prompt=spec.prompt, model=spec.model,
                     duration=frames / spec.fps, fps=spec.fps, frames=frames,
                     camera=spec.camera, kind=spec.kind)


def _background(spec: PreviewSpec, workdir: Path) -> Stream:
    first, second, _ = seed_colours(spec.seed)
    picture = workdir / "plate.png"
    digest = hashlib.sha256(spec.seed.encode("utf-8")).digest()
    draw_depth_plate(spec.width, spec.height, digest, (first, second), picture)
    return still_input(picture).filter("format", "yuv420p")


def _pictures(sources: dict[str, Path], use_end: bool) -> dict[str, Stream]:
    """One decoded picture per still; a file that is both start and end is read once and
    split (ffmpeg-python would otherwise merge the two identical inputs into one)."""
    roles = [r for r in ("start", "end") if r in sources and (use_end or r == "start")]
    if len(roles) == 2 and sources["start"] == sources["end"]:
        split = still_input(sources["start"]).split()
        return {"start": split[0], "end": split[1]}
    return {role: still_input(sources[role]) for role in roles}


def _moving_still(
    spec: PreviewSpec, frames: int, start: Stream | None, out_and_back: bool, workdir: Path
) -> Stream:
    width, height = spec.width, spec.height
    if start is not None:
        picture = cover(start, width, height).filter("format", "yuv420p")
    else:
        picture = _background(spec, workdir)
    move = camera_move(spec.camera)
    return picture.filter(
        "zoompan",
        d=frames,
        s=f"{width}x{height}",
        fps=rate_text(spec.fps),
        **zoompan_args(move, frames, out_and_back),
    ).filter("setsar", 1)


def _crossfade_to_end(video: Stream, spec: PreviewSpec, frames: int, end: Stream) -> Stream:
    fade_frames = min(frames_in(END_CROSSFADE, spec.fps), int(frames * 0.4))
    if fade_frames < 2:
        return video
    start = frames - fade_frames
    # An alpha fade laid over the move costs a fraction of xfade, which blends in floats.
    end_clip = (
        fit_frame(end, spec.width, spec.height, "crop")
        .filter("format", "yuva420p")
        .filter("loop", loop=fade_frames - 1, size=1)
        .filter("settb", f"1/({rate_text(spec.fps)})")
        .filter("setpts", f"N+{start}")
        .filter("fade", t="in", st=start / spec.fps, d=(fade_frames - 1) / spec.fps, alpha=1)
    )
    # The fade completes on the last frame, which is the end image itself.
    return ffmpeg.overlay(video, end_clip, eof_action="pass", format="yuv420")
