"""Shots -> nodes: each step becomes a model node (or a local loop), its request body mapped by
the catalogue, its references resolved, its output's duration and frame size inferred, and
its source checked against the model's limits.

Shots are built in dependency order, so the duration and size of a source are known when a
step needs them; references to shots resolve to their output ids whatever the order.
"""

from __future__ import annotations

import heapq
from typing import Any

from storyboard.catalogue import (
    FieldIssue,
    ModelSpec,
    frame_size,
    inferred_duration,
    map_node,
    resolve_model,
)
from storyboard.graph.context import AssetFacts, Context
from storyboard.graph.nodes import LocalLoopData, ModelData, Node
from storyboard.graph.references import frame_of, resolve
from storyboard.refs import ref, ref_of, refs_in
from storyboard.spec import Step
from storyboard.spec.yamlsource import Path_

DEFAULT_LOOP_CROSSFADE = 1.0
LOCAL_LOOP_FIELDS = {"source", "crossfade", "take", "model", "resolution"}


def add_shots(ctx: Context) -> None:
    for shot in shot_order(ctx):
        steps = ctx.board.shots[shot]
        multi = ctx.smap.values.get(("shots", shot, 0)) is not None  # written as a step list
        prev: str | None = None
        for i, step in enumerate(steps):
            base: Path_ = ("shots", shot, i, step.kind) if multi else ("shots", shot, step.kind)
            node = _add_step(ctx, shot, i, len(steps), step, base, prev, multi)
            prev = node.id if node is not None else None
            if prev is None:
                break  # later steps build on this one: its problems are enough
        if prev is not None:
            ctx.built.add(shot)


def shot_order(ctx: Context) -> list[str]:
    """Shots in dependency order, so durations and sizes of sources are known when needed."""
    board = ctx.board
    names = list(board.shots)
    after: dict[str, set[str]] = {name: set() for name in names}  # shot -> shots using it
    needs = dict.fromkeys(names, 0)  # shot -> how many shots it uses
    for shot, steps in board.shots.items():
        for step in steps:
            # the fields' values as pydantic keeps them: a kind without one of these fields
            # gives None at once (getattr raised and caught an AttributeError per miss)
            f = step.fields.__dict__
            named = [f.get("source"), f.get("start_frame"), f.get("end_frame")]
            named += [k.image for k in f.get("keyframes") or []]
            for name in named:
                base = str(name).partition(".")[0] if name else ""
                if base in after and base != shot and shot not in after[base]:
                    after[base].add(shot)
                    needs[shot] += 1
    # Kahn's algorithm, the ready shot written first going first (what networkx's
    # lexicographical sort keyed by file order gives), without building a second graph.
    place = {name: i for i, name in enumerate(names)}  # file order breaks ties
    ready = [(place[n], n) for n in names if not needs[n]]
    heapq.heapify(ready)
    out: list[str] = []
    while ready:
        _, name = heapq.heappop(ready)
        out.append(name)
        for user in after[name]:
            needs[user] -= 1
            if not needs[user]:
                heapq.heappush(ready, (place[user], user))
    return out if len(out) == len(names) else names  # a cycle is reported once linked


def merged_fields(ctx: Context, step: Step) -> dict[str, Any]:
    """Defaults under the step's own fields under the profile's, and the style on the prompt."""
    kind = step.kind
    under, over, style = _kind_fields(ctx, kind)
    merged: dict[str, Any] = dict(under)
    merged.update(getattr(step, kind).model_dump(exclude_none=True))
    merged.update(over)
    if style and merged.get("prompt"):
        merged["prompt"] = f"{merged['prompt']}, {style}"
    return merged


def _kind_fields(ctx: Context, kind: str) -> tuple[dict[str, Any], dict[str, Any], str | None]:
    """The defaults' fields for `kind`, the profile's, and the style: the same for every step
    of a kind, so dumped once per graph, not once per step (read only: each step copies)."""
    found = ctx.kinds.get(kind)
    if found is None:
        board = ctx.board
        defaults = getattr(board.defaults, kind)
        under = defaults.model_dump(exclude_none=True) if defaults is not None else {}
        over: dict[str, Any] = {}
        style = board.defaults.style
        if ctx.profile is not None:
            prof = board.profiles[ctx.profile]
            theirs = getattr(prof, kind)
            if theirs is not None:
                over = theirs.model_dump(exclude_none=True)
            style = prof.style or style
        found = ctx.kinds[kind] = (under, over, style)
    return found


def _add_step(ctx: Context, shot: str, i: int, count: int, step: Step, base: Path_,
              prev: str | None, multi: bool) -> Node | None:
    where = f"shot '{shot}'" + (f" step {i + 1}" if multi else "")
    node_id = f"shot:{shot}" if i == count - 1 else f"shot:{shot}/{i + 1}"
    label = shot if not multi else f"{shot} step {i + 1}"
    fields = merged_fields(ctx, step)  # what the user asked for: recorded for `why`
    kind = step.kind
    loc = ctx.smap.at(base)
    start = len(ctx.problems)

    def fpath(name: str) -> Path_:
        return (*base, name)

    # What the catalogue maps: the user's fields with every file reference as a node id.
    sent = dict(fields)
    source_id: str | None = None
    if kind in ("edit", "reframe") or (kind == "loop" and not fields.get("prompt")):
        if "source" in fields:
            source_id = resolve(ctx, fields["source"], "video", fpath("source"), where,
                                "source", shot)
        elif prev is not None:
            source_id = prev
        else:
            hint = ("a loop needs a prompt (to generate one) or a source (to loop footage)"
                    if kind == "loop" else "name the video to work on: an asset or a shot")
            ctx.problem(base, f"{kind} needs a source",
                        code="missing-source", where=where, field="source", hint=hint)
            return None
    elif kind == "generate" and prev is not None and "start_frame" not in fields:
        sent["start_frame"] = frame_of(ctx, prev, "last")  # a later step starts where one ends

    if kind == "loop" and not fields.get("prompt"):
        return _add_local_loop(ctx, node_id, label, shot, fields, source_id, base, where, loc)

    choice = (kind, fields.get("model"), fields.get("resolution"))
    if (chosen := ctx.models.get(choice)) is None:  # the same few choices for every step
        chosen = ctx.models[choice] = resolve_model(*choice)
    spec, issue = chosen
    if issue is not None or spec is None:
        assert issue is not None
        ctx.problem(fpath(issue.field), issue.message,
                    code="model", where=where, field=issue.field,
                    hint=issue.hint)
        return None
    for fname in ("start_frame", "end_frame"):
        if fname in fields:
            rid = resolve(ctx, fields[fname], "image", fpath(fname), where, fname, shot)
            if rid:
                sent[fname] = rid
    if fields.get("keyframes"):
        sent["keyframes"] = [dict(kf) for kf in fields["keyframes"]]
        _distinct_frames(ctx, sent["keyframes"], fpath("keyframes"), where)
        for k, kf in enumerate(sent["keyframes"]):
            rid = resolve(ctx, kf["image"], "image", (*fpath("keyframes"), k, "image"), where,
                          f"keyframes[{k}].image", shot)
            if rid:
                kf["image"] = rid
    if source_id is not None:
        fields["source"] = sent["source"] = source_id
    mapped, issues = map_node(kind, sent, spec)
    for iss in issues:
        _field_problem(ctx, base, iss, where)
    if len(ctx.problems) > start:
        return None
    body = mapped.body
    duration, width, height = _infer_output(ctx, kind, spec, body, source_id)
    _check_limits(ctx, spec, source_id, fpath("source")
                  if "source" in getattr(step, kind).model_fields_set else base, where)
    node = Node(
        id=node_id, kind=kind, label=label, media="video", shot=shot,
        payload=ModelData(spec.id, spec.short, body, dict(sorted(fields.items())),
                          int(fields.get("take", 1))),
        inputs=tuple(dict.fromkeys(refs_in(body))),
        roles={role: target for role, api in spec.fields.items()
               if api in body and (target := ref_of(body[api])) is not None},
        duration=duration, width=width, height=height,
        line=loc[0] if loc else None, column=loc[1] if loc else None,
    )
    ctx.graph.add(node)
    return node


def _distinct_frames(ctx: Context, keyframes: list[dict[str, Any]], path: Path_,
                     where: str) -> None:
    """Two images for one frame index: the API refuses the job, only once it is paid for."""
    first: dict[int, int] = {}
    for k, kf in enumerate(keyframes):
        at = first.setdefault(kf["frame"], k)
        if at != k:
            ctx.problem((*path, k, "frame"), f"frame {kf['frame']} already has a keyframe "
                        f"(keyframes[{at}])", code="bad-value", where=where,
                        field=f"keyframes[{k}].frame",
                        hint="give each keyframe its own frame index, or remove one")


def _field_problem(ctx: Context, base: Path_, iss: FieldIssue, where: str) -> None:
    head = iss.field.split(".")[0].split("[")[0]
    path: Path_ = (*base, head)
    if iss.field.startswith("params."):
        path = (*base, "params", iss.field.split(".", 1)[1])
    ctx.problem(path, iss.message, code="model-rule", where=where, field=iss.field, hint=iss.hint)


def _add_local_loop(ctx: Context, node_id: str, label: str, shot: str, fields: dict[str, Any],
                    source_id: str | None, base: Path_, where: str,
                    loc: tuple[int, int] | None) -> Node | None:
    if source_id is None:
        return None
    extra = sorted(set(fields) - LOCAL_LOOP_FIELDS)
    if extra:
        ctx.problem((*base, extra[0]), f"a loop of footage (no prompt) does not take "
                    f"'{extra[0]}'", code="bad-value", where=where, field=extra[0],
                    hint="add a prompt to generate a loop with a model, or remove it")
        return None
    crossfade = float(fields.get("crossfade", DEFAULT_LOOP_CROSSFADE))
    src_dur, w, h = _source_facts(ctx, source_id)
    duration = None
    if src_dur is not None:
        if crossfade * 2 > src_dur:
            ctx.problem((*base, "crossfade"), f"a {crossfade:g} s crossfade is too long for "
                        f"a {src_dur:g} s source",
                        code="loop-crossfade", where=where, field="crossfade",
                        hint=f"use at most {src_dur / 2:g} s")
            return None
        duration = src_dur - crossfade
    node = Node(
        id=node_id, kind="local_loop", label=label, media="video", shot=shot,
        payload=LocalLoopData(crossfade, {"source": ref(source_id), "crossfade": crossfade},
                              dict(sorted(fields.items())), int(fields.get("take", 1))),
        inputs=(source_id,), roles={"source": source_id},
        duration=duration, width=w, height=h,
        line=loc[0] if loc else None, column=loc[1] if loc else None,
    )
    ctx.graph.add(node)
    return node


def _source_facts(ctx: Context, source_id: str) -> tuple[float | None, int | None, int | None]:
    node = ctx.graph.nodes.get(source_id)
    if node is None:
        return None, None, None
    return node.duration, node.width, node.height


def _param_default(spec: ModelSpec, api: str) -> Any:
    p = spec.parameters.get(api)
    return p.default if p is not None else None


def _infer_output(ctx: Context, kind: str, spec: ModelSpec, body: dict[str, Any],
                  source_id: str | None) -> tuple[float | None, int | None, int | None]:
    """The duration and frame size the model will return, from the request and the source."""
    full = spec
    if kind in ("generate", "loop"):
        res = (spec.fixed_resolution or body.get("resolution")
               or _param_default(full, "resolution") or "720p")
        ar = body.get("aspectRatio") or _param_default(full, "aspectRatio") or "16:9"
        w, h = frame_size(ar, res)
        return inferred_duration(full, body), w, h
    src_dur, sw, sh = _source_facts(ctx, source_id) if source_id else (None, None, None)
    if kind == "reframe":
        ar = body.get("aspectRatio") or _param_default(full, "aspectRatio") or "16:9"
        res = body.get("resolution") or (f"{min(sw, sh)}p" if sw and sh else "720p")
        w, h = frame_size(ar, res)
        return src_dur, w, h
    # edit keeps the source's shape; resolution names its short side
    if sw and sh:
        res = body.get("resolution")
        if res:
            short = int(res.rstrip("p"))
            scale = short / min(sw, sh)
            return src_dur, int(round(sw * scale / 2) * 2), int(round(sh * scale / 2) * 2)
        return src_dur, sw, sh
    return src_dur, None, None


def _check_limits(ctx: Context, spec: ModelSpec, source_id: str | None, path: Path_,
                  where: str) -> None:
    """A source longer or bigger than the model takes is a problem before anything is sent."""
    if source_id is None:
        return
    max_s, max_b, model = spec.limits.source_max_seconds, spec.limits.source_max_bytes, spec.short
    dur, _, _ = _source_facts(ctx, source_id)
    if max_s is not None and dur is not None and dur > max_s + 1e-6:
        ctx.problem(path, f"the source is {dur:g} s long; {model} takes at most {max_s:g} s",
                    code="source-limit", where=where, field="source",
                    hint="trim the source or use ray-3.2-edit / ray-3.2-reframe")
    node = ctx.graph.nodes.get(source_id)
    if max_b is not None and node is not None and node.path:
        size = ctx.facts.get(node.name, AssetFacts("video")).size_bytes
        if size is None and (ctx.root / node.path).is_file():
            size = (ctx.root / node.path).stat().st_size
        if size is not None and size > max_b:
            ctx.problem(path, f"the source is {size / 1e6:.1f} MB; {model} takes at most "
                        f"{max_b / 1e6:g} MB", code="source-limit", where=where, field="source",
                        hint="re-encode it smaller")
