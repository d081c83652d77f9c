"""A cut as an OpenTimelineIO timeline, for an editing application to take over.

One video clip per cut entry (repeats expanded) whose media is the shot's output, placed in
`renders/media/` under a readable name and referenced by a path relative to the project folder
(so the project can move); trims become source ranges at the cut's frame rate; transitions
become OTIO transitions; the music bed sits on an audio track. The only user of opentimelineio.

Frame arithmetic follows `media/cut.py` exactly (whole frames; each transition overlaps the
clips it joins by its length). OTIO transitions take no time in a track: they borrow media
beyond the clips' source ranges. So each transition of `d` frames, centred on the cut point,
shortens the outgoing clip's range by its out offset and the incoming clip's by its in offset
(half of `d` each); those frames become the handles the transition plays, and the track lasts
exactly as long as the rendered cut.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import opentimelineio as otio
from opentimelineio.opentime import RationalTime, TimeRange

from storyboard.errors import Problem, ProjectError, SpecError
from storyboard.graph import CutPlan, Node, Segment
from storyboard.media.graph import frame_count, frames_in
from storyboard.spec import suggest

if TYPE_CHECKING:  # annotations only: Project calls into this module
    from storyboard.project import Project

MEDIA_DIR = "renders/media"  # relative to the project folder
NAMESPACE = "storyboard"


@dataclass(frozen=True)
class _Entry:
    segment: Segment
    node: Node
    media: str  # relative to the project folder, posix
    available: int  # frames of media
    trim_in: int  # frames
    frames: int  # frames kept after trimming, as the cut renders them
    overlap: int  # frames shared with the previous entry
    metadata: dict[str, Any]


def export_otio(project: Project, cut_name: str, path: Path | str) -> Path:
    """Write cut `cut_name` of `project` as an .otio file at `path`; return the path.

    Every shot the cut uses must be built (the lock names its output and the cache holds it).
    """
    node = _cut_node(project, cut_name)
    plan = node.cut
    assert plan is not None
    entries = _entries(project, node, plan)
    timeline = _timeline(project, node, plan, entries)
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.partial")
    try:
        otio.adapters.write_to_file(timeline, str(tmp), adapter_name="otio_json")
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)
    project.ws.stat.save()
    return target


def _cut_node(project: Project, cut_name: str) -> Node:
    node = project.graph.nodes.get(f"cut:{cut_name}")
    if node is None or node.cut is None:
        names = list(project.board.cuts)
        raise SpecError([Problem(
            f"no cut named '{cut_name}'", file=str(project.file),
            hint=suggest(cut_name, names) or (f"cuts: {', '.join(names)}" if names
                                              else "add a cut under `cuts:`"),
        )])
    return node


def _entries(project: Project, cut: Node, plan: CutPlan) -> list[_Entry]:
    fps = plan.fps
    entries: list[_Entry] = []
    placed: dict[str, tuple[str, float, dict[str, Any]]] = {}
    for index, seg in enumerate(plan.segments):
        node = project.graph.nodes[seg.node]
        if seg.node not in placed:
            placed[seg.node] = _place(project, cut, node)
        media, duration, metadata = placed[seg.node]
        end = duration if seg.trim_out is None else min(seg.trim_out, duration)
        frames = frame_count(end - seg.trim_in, fps)  # as media/cut.py's plan_cut counts
        overlap = 0
        if index > 0 and seg.transition != "cut":
            overlap = frames_in(seg.transition_duration, fps)
        entries.append(_Entry(seg, node, media, frame_count(duration, fps),
                              frames_in(seg.trim_in, fps), frames, overlap, metadata))
    return entries


def _place(project: Project, cut: Node, node: Node) -> tuple[str, float, dict[str, Any]]:
    """Put the node's media where the timeline can name it; its seconds and metadata."""
    ws = project.ws
    if node.kind == "asset":
        assert node.path is not None
        source = project.root / node.path
        media = Path(node.path).as_posix()
        meta: dict[str, Any] = {"asset": node.name, "node": node.id,
                                "digest": ws.stat.digest(source)}
    else:
        rec = ws.lock.nodes.get(node.id)
        if rec is None or not ws.store.has(rec.output):
            raise ProjectError(
                f"cut '{cut.name}': shot '{node.shot or node.name}' has not been built yet; "
                f"run `storyboard build {cut.name}` first")
        name = f"{node.shot or node.name}-{rec.output[:12]}.mp4"
        source = project.root / MEDIA_DIR / name
        ws.store.materialize(rec.output, source)
        media = f"{MEDIA_DIR}/{name}"
        meta = {"shot": node.shot or node.name, "node": node.id, "key": rec.key,
                "model": rec.model, "model_name": node.model, "job": rec.job, "cost": rec.cost,
                "take": rec.take, "provider": rec.provider, "digest": rec.output,
                "made": rec.time}
    info = ws.ffmpeg.probe(source)
    if info.kind != "video" or not info.duration:
        raise ProjectError(f"cut '{cut.name}': {media} is {info.kind}, not a video clip")
    return media, info.duration, meta


def _timeline(project: Project, cut: Node, plan: CutPlan, entries: list[_Entry]
              ) -> otio.schema.Timeline:
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
        "paths_relative_to": "the project folder (the one holding storyboard.yaml)",
    }
    video = otio.schema.Track(name="video", kind=otio.schema.TrackKind.Video)
    for index, entry in enumerate(entries):
        # Frames of this clip that play only under the transitions around it (as handles).
        head = _split(entry.overlap)[0]
        tail = _split(entries[index + 1].overlap)[1] if index + 1 < len(entries) else 0
        if entry.overlap:
            video.append(_transition(entry, t))
        ref = otio.schema.ExternalReference(
            target_url=entry.media, available_range=TimeRange(t(0), t(entry.available)))
        clip = otio.schema.Clip(
            name=entry.metadata.get("shot") or entry.metadata.get("asset") or entry.node.name,
            media_reference=ref,
            source_range=TimeRange(t(entry.trim_in + head), t(entry.frames - head - tail)),
        )
        clip.metadata[NAMESPACE] = {
            **entry.metadata, "entry": index + 1,
            "trim_in": entry.segment.trim_in, "trim_out": entry.segment.trim_out,
        }
        video.append(clip)
    timeline.tracks.append(video)
    if plan.audio is not None:
        timeline.tracks.append(_music(project, plan, total, t))
    return timeline


def _split(overlap: int) -> tuple[int, int]:
    """A transition's (in_offset, out_offset) in whole frames: before and after the cut point,
    half each (an odd frame goes before). The outgoing clip gives up `out_offset` frames of its
    range and the incoming clip `in_offset`: the media each plays under the transition."""
    return overlap - overlap // 2, overlap // 2


def _transition(entry: _Entry, t: Any) -> otio.schema.Transition:
    seg = entry.segment
    frames = entry.overlap
    fade = seg.transition == "fade"
    transition = otio.schema.Transition(
        name="fade to black" if fade else "crossfade",
        transition_type=otio.schema.TransitionTypes.SMPTE_Dissolve,
        in_offset=t(_split(frames)[0]), out_offset=t(_split(frames)[1]),
    )
    transition.metadata[NAMESPACE] = {
        "transition": seg.transition, "duration": seg.transition_duration,
        "fade_to_black": fade,
    }
    return transition


def _music(project: Project, plan: CutPlan, total: int, t: Any) -> otio.schema.Track:
    bed = plan.audio
    assert bed is not None
    node = project.graph.nodes[bed.node]
    assert node.path is not None
    info = project.ws.ffmpeg.probe(project.root / node.path)
    available = info.duration or 0.0
    track = otio.schema.Track(name="music", kind=otio.schema.TrackKind.Audio)
    ref = otio.schema.ExternalReference(
        target_url=Path(node.path).as_posix(),
        available_range=TimeRange(t(0), RationalTime(available * plan.fps, plan.fps)))
    clip = otio.schema.Clip(name=node.name, media_reference=ref,
                            source_range=TimeRange(t(bed.start * plan.fps), t(total)))
    clip.metadata[NAMESPACE] = {
        "asset": node.name, "node": node.id, "start": bed.start, "volume": bed.volume,
        "fade_in": bed.fade_in, "fade_out": bed.fade_out,
    }
    track.append(clip)
    return track
