"""Cuts -> nodes: each entry resolved to a shot's output or a video asset, trims and transitions
checked against the (inferred) clip lengths, the music bed resolved, the frame size chosen."""

from __future__ import annotations

from dataclasses import replace
from math import gcd
from pathlib import Path

from storyboard.catalogue import frame_size
from storyboard.graph.context import Context, a_, shot_output
from storyboard.graph.cutfields import cut_fields
from storyboard.graph.nodes import AudioPlan, CutPlan, Node, Segment
from storyboard.graph.references import resolve
from storyboard.paths import inside, length_problem
from storyboard.spec import Cut, suggest
from storyboard.spec.yamlsource import Path_


def add_cuts(ctx: Context) -> None:
    """A node per cut whose entries all resolve; the others only report their problems."""
    taken: dict[tuple[str, ...], str] = {}  # output (as _folded says) -> the cut writing it
    for name, cut in ctx.board.cuts.items():
        node = _cut(ctx, name, cut, taken)
        if node is not None:
            ctx.graph.add(node)


# A cut's clips once repeats are expanded, and its length: the planner and the renderer hold
# every clip in memory and the render runs for the length of the film.
MAX_CLIPS = 5000
MAX_CUT_SECONDS = 24 * 3600


def _cut(ctx: Context, name: str, cut: Cut, taken: dict[tuple[str, ...], str]) -> Node | None:
    board, nodes = ctx.board, ctx.graph.nodes
    where = f"cut '{name}'"
    clips = sum(entry.repeat for entry in cut.shots)
    if clips > MAX_CLIPS:
        ctx.problem(("cuts", name, "shots"), f"the cut has {clips} clips once repeats are "
                    f"counted; at most {MAX_CLIPS} are allowed", code="limit", where=where,
                    field="shots", hint="split it into several cuts, or repeat less")
        return None
    segs: list[Segment] = []
    ok = True
    first_video: Node | None = None
    durations: list[float | None] = []
    for i, entry in enumerate(cut.shots):
        epath: Path_ = ("cuts", name, "shots", i)
        ref = entry.shot
        if ref in ctx.broken:
            ok = False  # its definition was refused and reported
            continue
        if ref in board.shots:
            if ref not in ctx.built:
                ok = False
                continue
            node_id = shot_output(ref)
        elif ref in board.assets:
            asset = nodes.get(f"asset:{ref}")
            if asset is not None and asset.media != "video":
                ctx.problem(epath, f"'{ref}' is {a_(asset.media)}, not a video",
                            code="bad-reference", where=where,
                            field=f"shots[{i}]", hint="a cut lists shots and video assets")
            if asset is None or asset.media != "video":
                ok = False  # a missing asset file is reported under assets
                continue
            node_id = asset.id
        else:
            ctx.problem(epath, f"unknown shot '{ref}'",
                        code="unknown-reference", where=where, field=f"shots[{i}]",
                        hint=suggest(ref, list(board.shots)) or "cuts list shot names")
            ok = False
            continue
        node = nodes[node_id]
        first_video = first_video or node
        clip = node.duration
        tin, tout = (entry.trim if entry.trim else (0.0, None))
        if entry.trim and clip is not None and entry.trim[1] > clip + 1e-6:
            ctx.problem((*epath, "trim"), f"trim [{entry.trim[0]:g}, {entry.trim[1]:g}] "
                        f"ends after the end of {ref} ({clip:g} s)", code="cut-trim", where=where,
                        field=f"shots[{i}].trim", hint=f"use an OUT point of at most {clip:g}")
            ok = False
        end = tout if tout is not None else clip
        length = end - tin if end is not None else None
        tr = entry.transition
        ttype = tr.type if tr else "cut"
        tdur = tr.duration if tr and tr.type != "cut" else 0.0
        if ttype != "cut" and i == 0:
            ctx.problem((*epath, "transition"), "the first clip has no previous clip to "
                        "transition from",
                        code="cut-transition", where=where, field=f"shots[{i}].transition",
                        hint="remove it, or move it to the second entry")
            ok = False
        elif ttype != "cut":
            prev_len = durations[-1] if durations else None
            for neighbour, ln in ((segs[-1].node if segs else "", prev_len), (ref, length)):
                if ln is not None and tdur > ln + 1e-6:
                    label = nodes[neighbour].label if neighbour in nodes else ref
                    ctx.problem((*epath, "transition"), f"a {tdur:g} s {ttype} is longer than "
                                f"{label} ({ln:g} s)", code="cut-transition", where=where,
                                field=f"shots[{i}].transition.duration",
                                hint=f"use at most {ln:g} s")
                    ok = False
        for r in range(entry.repeat):
            segs.append(Segment(node_id, tin, tout, ttype if r == 0 else "cut",
                                tdur if r == 0 else 0.0))
            durations.append(length)
    audio = _audio(ctx, name, cut, where)
    if cut.audio is not None and audio is None:
        ok = False
    output = cut.output or f"renders/{name}.mp4"
    problem = output_problem(ctx, output, taken)
    if problem:
        ctx.problem(("cuts", name, "output") if cut.output else ("cuts", name), problem,
                    code="cut-output", where=where, field="output",
                    hint="use a path of its own inside the project, such as renders/NAME.mp4")
        ok = False
    else:
        taken[_folded(ctx.root, ctx.root / output)] = name
    if not ok or first_video is None:
        return None
    if cut.aspect_ratio or cut.resolution:
        fw, fh = first_video.width or 1280, first_video.height or 720
        ar = cut.aspect_ratio or _ratio(fw, fh)
        res = cut.resolution or f"{min(fw, fh)}p"
        width, height = frame_size(ar, res)
    else:
        width, height = first_video.width or 1280, first_video.height or 720
    total: float | None = 0.0
    for s, d in zip(segs, durations, strict=True):
        total = None if total is None or d is None else total + d - s.transition_duration
    if total is not None and total > MAX_CUT_SECONDS:
        ctx.problem(("cuts", name, "shots"), f"the cut is {_hours(total)} long; at most "
                    f"{_hours(MAX_CUT_SECONDS)} is allowed", code="limit", where=where,
                    field="shots", hint="split it into several cuts")
        return None
    loc = ctx.smap.at(("cuts", name))
    plan = CutPlan(tuple(segs), width, height, float(cut.fps or 24), cut.fit, audio,
                   cut.clip_audio, output, total)
    plan = replace(plan, fields=cut_fields(plan, lambda i: nodes[i].shot or nodes[i].name))
    inputs = tuple(dict.fromkeys([s.node for s in segs] + ([audio.node] if audio else [])))
    return Node(
        id=f"cut:{name}", kind="cut", label=name, media="video", payload=plan, inputs=inputs,
        duration=total, width=width, height=height,
        line=loc[0] if loc else None, column=loc[1] if loc else None,
    )


# The renderer writes H.264/AAC in an MP4 container: these names say what the file is.
OUTPUT_EXT = (".mp4", ".m4v", ".mov")
# Files and folders of the project that a render must never replace (besides the storyboard
# file itself and the assets): storyboard's own, git's, and the secrets file.
OWNED = frozenset({"storyboard.lock", ".env", ".gitignore", ".gitattributes", ".storyboard",
                   ".git"})


def output_problem(ctx: Context, output: str, taken: dict[tuple[str, ...], str]) -> str:
    """Why a cut may not write `output` ('' when it may): the build replaces that file, so it
    must be a video file of its own under the project, never an input or a project file.
    Names are compared case-folded: on macOS and Windows `STORYBOARD.LOCK` is the lock."""
    why = length_problem(output)
    if why:
        return f"output '{output[:80]}' cannot be a file name: {why}"
    rel = Path(output)
    target = ctx.root / rel
    if rel.is_absolute() or not inside(ctx.root, target):
        return f"output '{output}' is outside the project folder"
    if rel.suffix.lower() not in OUTPUT_EXT:
        return (f"output '{output}' does not end in a video extension the renderer writes "
                f"({', '.join(OUTPUT_EXT)})")
    resolved = _resolved(target)
    root = _resolved(ctx.root)
    key = _folded(root, resolved)
    if not key or target.is_dir():
        return f"output '{output}' is a folder, not a file"
    shown = "/".join(resolved.relative_to(root).parts)
    if key[0] in OWNED and len(key) > 1:
        return (f"output '{output}' is inside {shown.split('/')[0]}/, a folder storyboard or "
                "git keeps for itself")
    if key[0] in OWNED or key == _folded(root, Path(ctx.smap.file)):
        return f"output '{output}' would overwrite {shown}, a project file"
    for asset, path in ctx.board.assets.items():
        if _folded(root, ctx.root / path) == key:
            return f"output '{output}' would overwrite the asset '{asset}'"
    if key in taken:
        return f"output '{output}' is also the output of cut '{taken[key]}'"
    for parent in resolved.parents:
        if parent == root:
            break
        if parent.exists() and not parent.is_dir():
            return f"output '{output}' is under {parent.relative_to(root)}, which is a file"
    return ""


def _folded(root: Path, p: Path) -> tuple[str, ...]:
    """`p` under `root`, links followed, as case-folded parts: one key for every spelling of
    a file (`renders/../X.MP4`, a link to it, `x.mp4` on a case-insensitive disk)."""
    resolved, base = _resolved(p), _resolved(root)
    try:
        return tuple(part.casefold() for part in resolved.relative_to(base).parts)
    except ValueError:
        return ("", *(part.casefold() for part in resolved.parts))  # outside: never a match


def _resolved(p: Path) -> Path:
    try:
        return p.resolve()
    except (OSError, RuntimeError):  # a link loop: compared as written
        return p.absolute()


def _audio(ctx: Context, name: str, cut: Cut, where: str) -> AudioPlan | None:
    """The music bed, or None (after reporting why when the cut names one)."""
    if cut.audio is None:
        return None
    apath: Path_ = ("cuts", name, "audio", "asset")
    a = cut.audio
    if a.asset in ctx.board.shots:
        ctx.problem(apath, f"'{a.asset}' is a shot, not an audio asset",
                    code="bad-reference", where=where,
                    field="audio.asset", hint="name an audio asset")
        return None
    aid = resolve(ctx, a.asset, "audio", apath, where, "audio.asset", None)
    if aid is None:
        return None
    return AudioPlan(aid, a.volume, a.fade_in, a.fade_out, a.start)


def _hours(seconds: float) -> str:
    return f"{seconds / 3600:.1f} h" if seconds >= 3600 else f"{seconds:g} s"


def _ratio(w: int, h: int) -> str:
    g = gcd(w, h) or 1
    return f"{w // g}:{h // g}"
