"""References: a name in the file (`dawn`, `fox_photo`, `dawn.last_frame`) -> a node id.

Each is checked where it is written (unknown name, self-reference, a frame of an image, the
wrong kind for the field), so every problem carries its place. Frames are recorded when
referenced and added as nodes once every shot is built (`add_frames`); cycles are looked for
once every edge exists.
"""

from __future__ import annotations

from typing import Literal

from storyboard.graph.context import Context, FrameRequest, a_, shot_output
from storyboard.graph.nodes import FrameData, Node
from storyboard.refs import ref
from storyboard.spec import suggest
from storyboard.spec.yamlsource import Path_

FRAME_SUFFIXES = ("first_frame", "last_frame")
Want = Literal["video", "image", "audio"]


def frame_of(ctx: Context, video: str, which: Literal["first", "last"]) -> str:
    """The id of a frame of node `video` (e.g. a step's last frame), recorded for `add_frames`."""
    name = video.split(":", 1)[1]
    frame_id = f"frame:{name}.{which}_frame"
    ctx.frames.setdefault(frame_id, FrameRequest(video, which, f"{name}.{which}_frame"))
    return frame_id


def resolve(ctx: Context, name: str, want: Want, path: Path_, where: str, field: str,
            shot: str | None) -> str | None:
    """The node id `name` refers to, or None after reporting why it cannot be used here."""
    base, _, suffix = name.partition(".")
    if suffix and suffix not in FRAME_SUFFIXES:
        ctx.problem(path, f"'{name}' is not a reference",
                    code="bad-reference", where=where, field=field,
                    hint=f"write NAME, NAME.first_frame or NAME.last_frame "
                    f"({suggest(suffix, list(FRAME_SUFFIXES)) or 'no such suffix'})")
        return None
    if shot is not None and base == shot:
        ctx.problem(path, f"shot '{shot}' refers to itself",
                    code="bad-reference", where=where, field=field,
                    hint="refer to another shot or an asset")
        return None
    board = ctx.board
    if base in ctx.broken:
        return None  # its definition was refused and reported
    if base not in board.assets and base not in board.shots:
        # the list of names only for the suggestion: built per reference, it made 5,000 shots
        # quadratic
        ctx.problem(path, f"unknown name '{base}'",
                    code="unknown-reference", where=where, field=field,
                    hint=suggest(base, [*board.assets, *board.shots])
                    or "define it under assets: or shots:")
        return None
    if base in board.assets:
        node_id = f"asset:{base}"
        if node_id not in ctx.graph.nodes:
            return None  # its own problem is already reported
        kind = ctx.graph.nodes[node_id].media
    else:
        node_id = shot_output(base)
        kind = "video"
    if suffix:
        if kind != "video":
            ctx.problem(path, f"'{name}' takes a frame from {base}, which is {a_(kind)}, "
                        "not a video", code="bad-reference", where=where, field=field,
                        hint=f"use {base} itself" if kind == "image" else "use a video")
            return None
        kind = "image"
        node_id = frame_of(ctx, node_id, "first" if suffix == "first_frame" else "last")
    if kind != want:
        hint = (f"use {base}.first_frame or {base}.last_frame" if want == "image"
                and kind == "video" else f"name {a_(want)} from assets:"
                + (" or shots:" if want == "video" else ""))
        ctx.problem(path, f"'{name}' is {a_(kind)}, but {field} needs {a_(want)}",
                    code="bad-reference", where=where,
                    field=field, hint=hint)
        return None
    return node_id


def add_frames(ctx: Context) -> None:
    """A frame node for every frame some node takes, from a video that exists (in the order
    nodes were added, so ids and output are stable)."""
    for node in list(ctx.graph.nodes.values()):
        for i in node.inputs:
            request = ctx.frames.get(i)
            if request is None or i in ctx.graph.nodes:
                continue
            video = ctx.graph.nodes.get(request.video)
            if video is None:
                continue  # the video's own problems are reported
            ctx.graph.add(Node(
                id=i, kind="frame", label=request.label, media="image",
                payload=FrameData(request.which, {"video": ref(video.id),
                                                  "frame": request.which}),
                inputs=(video.id,), roles={"source": video.id}, width=video.width,
                height=video.height,
            ))


def check_cycles(ctx: Context) -> None:
    members = ctx.graph.cycle()
    if members is None:
        return
    nodes = ctx.graph.nodes
    names = [nodes[m].label if m in nodes else m for m in members]
    first = next((nodes[m] for m in members if m in nodes and nodes[m].shot), None)
    shot = first.shot if first else None
    ctx.problem(("shots", shot) if shot else (), "these shots depend on each other in a "
                f"cycle: {' -> '.join([*names, names[0]])}",
                code="cycle", where=f"shot '{shot}'" if shot else "",
                hint="break the cycle: one of them must not use the other's frames or output")
