"""A cut as one OpenTimelineIO timeline: the model every export format is written from.

Tracks: `video` (one clip per cut entry, repeats expanded), `clip audio` (the same clips' sound,
when the cut keeps it) and `music` (the bed). Media are placed beside the exported file by the
caller's `Placer`, and named by the caller's `url` (relative to the exported file, or absolute).

Frame arithmetic follows `media/cut.py` exactly (whole frames at the cut's rate; each
transition overlaps the clips it joins by its length). OTIO transitions take no time in a
track: they borrow media beyond the clips' ranges. A transition of `d` frames around a cut
point takes `a = ceil(d/2)` frames before it and `b = d // 2` after, so the outgoing clip's
range gives up its last `b` frames and the incoming clip's its first `a` (the handles the
transition plays), and the track lasts exactly as long as the rendered cut. A crossfade is one
dissolve (a, b). A dip to black (`fade`, ffmpeg's fadeblack: out to black over the first half,
in from black over the second) is what editors write for it: a dissolve into a zero-length
black gap (a, 0), the gap, and a dissolve out of it (0, b). The clips' ranges are the same
either way. Clip audio always crossfades, as the render's acrossfade does.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import opentimelineio as otio
from opentimelineio.opentime import RationalTime, TimeRange

from storyboard.cache.place import Placer
from storyboard.errors import Problem, ProjectError, SpecError
from storyboard.graph import CutPlan, Node, Segment
from storyboard.media.graph import frame_count, frames_in
from storyboard.spec import suggest

if TYPE_CHECKING:  # annotations only: Project calls into this package
    from storyboard.project import Project

NAMESPACE = "storyboard"
MEDIA_FOLDER = "media"  # beside the exported file
DISSOLVE = "Cross Dissolve"  # what the transition is called in editing applications


@dataclass(frozen=True)
class Media:
    """One file the timeline names, placed beside the export."""

    path: Path
    frames: int  # whole frames at the cut's rate
    has_audio: bool
    metadata: dict[str, Any]


@dataclass(frozen=True)
class _Entry:
    segment: Segment
    node: Node
    media: Media
    trim_in: int  # frames
    frames: int  # frames kept after trimming, as the cut renders them
    overlap: int  # frames shared with the previous entry


@dataclass
class Built:
    """The timeline and what the formats need to know about it."""

    timeline: otio.schema.Timeline
    plan: CutPlan
    media: list[Path] = field(default_factory=list)  # every file it names
    has_fades: bool = False  # a dip to black
    has_music_levels: bool = False  # volume other than 1, or fades on the music
    left_out: list[str] = field(default_factory=list)  # audio tracks a format cannot hold


def cut_node(project: Project, cut_name: str) -> Node:
    node = project.graph.nodes.get(f"cut:{cut_name}")
    if node is None or node.cut is None:
        names = list(project.board.cuts)
        raise SpecError([Problem(
            f"no cut named '{cut_name}'", file=str(project.file), code="unknown-target",
            hint=suggest(cut_name, names) or (f"cuts: {', '.join(names)}" if names
                                              else "add a cut under `cuts:`"),
        )])
    return node


def build_timeline(project: Project, cut: Node, placer: Placer,
                   url: Callable[[Path], str], paths: str, *, sound: bool = True) -> Built:
    """The cut as a Timeline whose media references are `url(placed file)`.

    Every shot the cut uses must be built (the lock names its output and the cache holds it).
    `paths` says in words what the references are relative to (timeline metadata); without
    `sound` the audio tracks are left out (and named in `left_out`).
    """
    plan = cut.cut
    assert plan is not None
    entries = _entries(project, cut, plan, placer)
    fps = plan.fps

    def t(frames: float) -> RationalTime:
        return RationalTime(frames, fps)

    timeline = otio.schema.Timeline(name=cut.name)
    total = sum(e.frames - e.overlap for e in entries)
    timeline.metadata[NAMESPACE] = {
        "project": project.board.name, "cut": cut.name, "render": plan.output,
        "width": plan.width, "height": plan.height, "fps": fps, "fit": plan.fit,
        "clip_audio": plan.clip_audio, "duration": total / fps,
        # Nodes whose newest output predates the file: the timeline shows the last one built.
        "stale": [s.label for s in project.status([cut.name]) if s.state != "up to date"],
        "paths_relative_to": paths,
    }
    built = Built(timeline, plan)
    built.media = list(dict.fromkeys(e.media.path for e in entries))
    timeline.tracks.append(_video_track(entries, url, t, built))
    if plan.clip_audio and any(e.media.has_audio for e in entries):
        if sound:
            timeline.tracks.append(_clip_audio_track(entries, url, t))
        else:
            built.left_out.append("clip audio")
    if plan.audio is not None:
        if sound:
            music, path = _music(project, plan, placer, url, total, t, built)
            timeline.tracks.append(music)
            built.media.append(path)
        else:
            built.left_out.append("music")
    return built


def _entries(project: Project, cut: Node, plan: CutPlan, placer: Placer) -> list[_Entry]:
    fps = plan.fps
    entries: list[_Entry] = []
    placed: dict[str, tuple[Media, float]] = {}
    for index, seg in enumerate(plan.segments):
        node = project.graph.nodes[seg.node]
        if seg.node not in placed:
            placed[seg.node] = _place(project, cut, node, placer, fps)
        media, duration = placed[seg.node]
        end = duration if seg.trim_out is None else min(seg.trim_out, duration)
        frames = frame_count(end - seg.trim_in, fps)  # as media/cut.py's plan_cut counts
        overlap = 0
        if index > 0 and seg.transition != "cut":
            overlap = frames_in(seg.transition_duration, fps)
        entries.append(_Entry(seg, node, media, frames_in(seg.trim_in, fps), frames, overlap))
    return entries


def _place(project: Project, cut: Node, node: Node, placer: Placer, fps: float
           ) -> tuple[Media, float]:
    """Put the node's media beside the export; the placed file and its seconds."""
    if node.kind == "asset":
        assert node.path is not None
        source = project.root / node.path
        digest = project.file_digest(source)
        path = placer.file(source, digest, node.name)
        meta: dict[str, Any] = {"asset": node.name, "node": node.id, "digest": digest,
                                "source": node.path}
    else:
        rec = project.built(node.id)
        if rec is None:
            raise ProjectError(
                f"cut '{cut.name}': shot '{node.shot or node.name}' has not been built yet; "
                f"run `storyboard build {cut.name}` first")
        path = placer.output(rec.output, node.shot or node.name)
        meta = {"shot": node.shot or node.name, "node": node.id, "key": rec.key,
                "model": rec.model, "model_name": node.model, "job": rec.job, "cost": rec.cost,
                "take": rec.take, "provider": rec.provider, "digest": rec.output,
                "made": rec.time}
    info = project.ffmpeg.probe(path)
    if info.kind != "video" or not info.duration:
        raise ProjectError(f"cut '{cut.name}': {node.label} is {info.kind}, not a video clip")
    media = Media(path, frame_count(info.duration, fps), info.has_audio, meta)
    return media, info.duration


def split(overlap: int) -> tuple[int, int]:
    """A transition's frames before and after its cut point (an odd frame goes before)."""
    return overlap - overlap // 2, overlap // 2


def _clip(entry: _Entry, index: int, head: int, tail: int, url: Callable[[Path], str],
          t: Callable[[float], RationalTime]) -> otio.schema.Clip:
    media = entry.media
    ref = otio.schema.ExternalReference(
        target_url=url(media.path), available_range=TimeRange(t(0), t(media.frames)))
    name = media.metadata.get("shot") or media.metadata.get("asset") or entry.node.name
    clip = otio.schema.Clip(name=name, media_reference=ref,
                            source_range=TimeRange(t(entry.trim_in + head),
                                                   t(entry.frames - head - tail)))
    clip.metadata[NAMESPACE] = {
        **media.metadata, "entry": index + 1, "file": media.path.name,
        "trim_in": entry.segment.trim_in, "trim_out": entry.segment.trim_out,
    }
    return clip


def _handles(entries: list[_Entry], index: int) -> tuple[int, int]:
    """Frames of entry `index` that play only under the transitions around it."""
    head = split(entries[index].overlap)[0]
    tail = split(entries[index + 1].overlap)[1] if index + 1 < len(entries) else 0
    return head, tail


def _dissolve(name: str, before: int, after: int, t: Callable[[float], RationalTime],
              meta: dict[str, Any]) -> otio.schema.Transition:
    transition = otio.schema.Transition(
        name=name, transition_type=otio.schema.TransitionTypes.SMPTE_Dissolve,
        in_offset=t(before), out_offset=t(after))
    transition.metadata[NAMESPACE] = meta
    return transition


def _video_track(entries: list[_Entry], url: Callable[[Path], str],
                 t: Callable[[float], RationalTime], built: Built) -> otio.schema.Track:
    track = otio.schema.Track(name="video", kind=otio.schema.TrackKind.Video)
    for index, entry in enumerate(entries):
        if entry.overlap:
            seg = entry.segment
            before, after = split(entry.overlap)
            meta = {"transition": seg.transition, "duration": seg.transition_duration}
            if seg.transition == "fade":
                built.has_fades = True
                track.append(_dissolve(DISSOLVE, before, 0, t, {**meta, "part": "to black"}))
                # Zero frames long: the instant of black between the two halves. Its start is
                # arbitrary; `before` keeps an EDL writer's black event at source 00:00:00:00.
                track.append(otio.schema.Gap(name="black",
                                             source_range=TimeRange(t(before), t(0))))
                track.append(_dissolve(DISSOLVE, 0, after, t, {**meta, "part": "from black"}))
            else:
                track.append(_dissolve(DISSOLVE, before, after, t, meta))
        track.append(_clip(entry, index, *_handles(entries, index), url, t))
    return track


def _clip_audio_track(entries: list[_Entry], url: Callable[[Path], str],
                      t: Callable[[float], RationalTime]) -> otio.schema.Track:
    """The clips' own sound, under the same cut points; every transition a crossfade."""
    track = otio.schema.Track(name="clip audio", kind=otio.schema.TrackKind.Audio)
    for index, entry in enumerate(entries):
        if entry.overlap:
            before, after = split(entry.overlap)
            track.append(_dissolve("Cross Fade", before, after, t, {
                "transition": "crossfade", "duration": entry.segment.transition_duration}))
        head, tail = _handles(entries, index)
        if entry.media.has_audio:
            track.append(_clip(entry, index, head, tail, url, t))
        else:  # silence where a clip has no sound, so later clips keep their places
            track.append(otio.schema.Gap(source_range=TimeRange(
                t(0), t(entry.frames - head - tail))))
    return track


def music_levels(volume: float, fade_in: float, fade_out: float, total: int, length: int,
                 fps: float) -> list[tuple[int, float]]:
    """The music's gain as (frame from the clip's start, linear gain) keyframes, as the render
    applies it (`volume`, then linear fades in over the cut's first `fade_in` seconds and out
    over its last `fade_out`), over the `length` frames the file covers of the cut's `total`.
    Empty when the gain is the same throughout (the volume alone says it)."""
    fin = min(fade_in * fps, total)
    fout = min(fade_out * fps, total)
    if not fin and not fout:
        return []

    def gain(frame: float) -> float:
        g = volume
        if fin:
            g *= min(1.0, frame / fin)
        if fout:
            g *= min(1.0, max(0.0, (total - frame) / fout))
        return round(g, 6)

    points = {0.0, float(length)}
    points |= {p for p in (fin, total - fout) if 0 < p < length}
    return [(round(p), gain(p)) for p in sorted(points)]


def _music(project: Project, plan: CutPlan, placer: Placer, url: Callable[[Path], str],
           total: int, t: Callable[[float], RationalTime], built: Built
           ) -> tuple[otio.schema.Track, Path]:
    bed = plan.audio
    assert bed is not None
    node = project.graph.nodes[bed.node]
    assert node.path is not None
    source = project.root / node.path
    digest = project.file_digest(source)
    path = placer.file(source, digest, node.name)
    info = project.ffmpeg.probe(path)
    available = math.floor((info.duration or 0.0) * plan.fps + 1e-6)
    start = frames_in(bed.start, plan.fps)
    # The render pads a bed shorter than the cut with silence; the clip stops where the file
    # does, so an editor never sees a range past the end of the media.
    length = max(0, min(total, available - start))
    track = otio.schema.Track(name="music", kind=otio.schema.TrackKind.Audio)
    ref = otio.schema.ExternalReference(target_url=url(path),
                                        available_range=TimeRange(t(0), t(available)))
    clip = otio.schema.Clip(name=node.name, media_reference=ref,
                            source_range=TimeRange(t(start), t(length)))
    levels = music_levels(bed.volume, bed.fade_in, bed.fade_out, total, length, plan.fps)
    built.has_music_levels = bool(levels) or bed.volume != 1
    clip.metadata[NAMESPACE] = {
        "asset": node.name, "node": node.id, "digest": digest, "source": node.path,
        "file": path.name, "start": bed.start, "volume": bed.volume, "fade_in": bed.fade_in,
        "fade_out": bed.fade_out,
        # (frame from the clip's start, linear gain): what the render applies
        "levels": [list(p) for p in levels],
    }
    track.append(clip)
    return track, path
