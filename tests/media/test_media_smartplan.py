"""The smart-render plan on its own: which frames are copied, which re-encoded (no ffmpeg)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from storyboard.media.cut import PlannedSegment, total_frames
from storyboard.media.info import MediaInfo, Probed
from storyboard.media.smart import (
    CopyPart,
    Keyframes,
    RenderPart,
    concat_script,
    parse_keyframes,
    plan_parts,
    refusal,
)
from storyboard.media.specs import CutSegment, CutSpec

FPS = 24.0


def _probed(**kw: object) -> Probed:
    info = MediaInfo("video", 2.0, 160, 96, FPS, True, "h264", "aac", "yuv420p", 1000)
    base = Probed(info, 2.0, ("a",), 48000, 2, video_signature=("v",), colour=("tv",),
                  time_base="1/12288", reorder_delay=2)
    return replace(base, **kw)  # type: ignore[arg-type]


def _keys(frames: int = 48, every: int = 12) -> Keyframes:
    return Keyframes(frames, 0.0, {k: (k / FPS, (k - 2) / FPS) for k in range(0, frames, every)})


def _plan(transitions: list[int]) -> list[PlannedSegment]:
    out = []
    for i, overlap in enumerate([0, *transitions]):
        seg = CutSegment(Path(f"c{i}.mp4"), transition="crossfade" if overlap else "cut",
                         transition_duration=overlap / FPS)
        out.append(PlannedSegment(seg, _probed(), 0.0, 2.0, 48, overlap))
    return out


def test_only_the_gops_under_a_transition_are_reencoded() -> None:
    plan = _plan([6, 0])  # c0 ~crossfade~ c1 | c2
    spec = CutSpec(tuple(p.segment for p in plan), 160, 96, FPS)
    parts = plan_parts(spec, plan, [_keys(), _keys(), _keys()])
    kinds = [(type(p).__name__, getattr(p, "first", None), getattr(p, "last", None))
             for p in parts]
    assert kinds == [("CopyPart", 0, 36), ("RenderPart", None, None), ("CopyPart", 12, 48),
                     ("CopyPart", 0, 48)]
    piece = parts[1]
    assert isinstance(piece, RenderPart)
    assert piece.frames == 12 + 12 - 6
    assert [s.transition for s in piece.segments] == ["cut", "crossfade"]
    copied = sum(p.last - p.first for p in parts if isinstance(p, CopyPart))
    assert copied + piece.frames == total_frames(plan)


def test_a_clip_without_keyframes_is_reencoded_whole() -> None:
    plan = _plan([0, 0])
    spec = CutSpec(tuple(p.segment for p in plan), 160, 96, FPS)
    parts = plan_parts(spec, plan, [_keys(), None, _keys()])
    assert [type(p).__name__ for p in parts] == ["CopyPart", "RenderPart", "CopyPart"]
    assert isinstance(parts[1], RenderPart) and parts[1].frames == 48


def test_the_concat_script_cuts_out_half_a_frame_before_the_keyframes_decoding_time() -> None:
    plan = _plan([6])
    spec = CutSpec(tuple(p.segment for p in plan), 160, 96, FPS)
    parts = plan_parts(spec, plan, [_keys(), _keys()])
    script = concat_script(parts, {1: Path("/w/piece.mp4")}, FPS)
    lines = script.splitlines()
    assert lines[2] == f"outpoint {(34 - 0.5) / FPS:.6f}"  # keyframe 36 decodes at frame 34
    assert lines[3] == "duration 1.500000"
    assert "inpoint 0.500000" in lines  # clip 2 from its keyframe at 12


def test_open_gop_keyframes_are_not_cut_points() -> None:
    # An I-frame followed (in decode order) by a frame shown before it: cutting there would
    # lose that frame's reference.
    text = ("0,0.0,-0.083,K__\n0,0.083,-0.041,___\n0,0.041,0.0,___\n"
            "0,0.5,0.041,K__\n0,0.458,0.08,___\n")
    keys = parse_keyframes(text, FPS)
    assert keys is not None and set(keys.points) == {0}
    assert parse_keyframes("1,0.0,0.0,K__\n", FPS) is None  # video is not stream 0


def test_refusals_name_the_difference() -> None:
    item = _plan([])[0]
    spec = CutSpec((item.segment,), 160, 96, FPS)
    assert refusal(spec, item, None) == ""
    other = replace(item, probed=_probed(colour=("pc",)))
    assert "colour tags" in refusal(spec, other, (0, item.probed))
    assert "time base" in refusal(spec, replace(item, probed=_probed(time_base="1/90000")),
                                  (0, item.probed))
    assert "320x180" in refusal(CutSpec((item.segment,), 320, 180, FPS), item, None)
