"""Storyboard -> dependency graph, every reference, rule and limit checked before anything runs.

Each shot step becomes a node whose request body comes from the catalogue mapping; each reference
becomes an edge; `SHOT.first_frame` / `SHOT.last_frame` become frame-extraction nodes; each cut
becomes a node over its shots. Durations and frame sizes are inferred from the nodes so that
source limits and trims are checked even for clips that do not exist yet. All problems found are
raised together as one `SpecError`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import networkx as nx

from storyboard.catalogue import (
    FieldIssue,
    frame_size,
    inferred_duration,
    load_catalogue,
    map_node,
    resolve_model,
)
from storyboard.errors import Problem, SpecError
from storyboard.graph.nodes import AudioPlan, CutPlan, MediaKind, Node, Segment
from storyboard.refs import ref, ref_of, refs_in, rename_refs
from storyboard.spec import SourceMap, Step, Storyboard, suggest
from storyboard.spec.yamlsource import Path_

IMAGE_EXT = {".png", ".jpg", ".jpeg", ".webp"}
VIDEO_EXT = {".mp4", ".mov", ".m4v", ".webm", ".mkv"}
AUDIO_EXT = {".mp3", ".wav", ".m4a", ".aac", ".ogg", ".flac", ".opus"}
FRAME_SUFFIXES = ("first_frame", "last_frame")
DEFAULT_LOOP_CROSSFADE = 1.0


@dataclass(frozen=True)
class AssetFacts:
    """What probing an input file told us (the project layer probes; the graph only reads)."""

    kind: MediaKind
    duration: float | None = None
    width: int | None = None
    height: int | None = None
    size_bytes: int | None = None


def media_kind_of(path: str) -> MediaKind | None:
    ext = Path(path).suffix.lower()
    if ext in IMAGE_EXT:
        return "image"
    if ext in VIDEO_EXT:
        return "video"
    if ext in AUDIO_EXT:
        return "audio"
    return None


def inside(root: Path, candidate: Path) -> bool:
    try:
        candidate.resolve().relative_to(root.resolve())
    except ValueError:
        return False
    return True


class Graph:
    """Nodes by id plus a networkx DiGraph of edges input -> consumer."""

    def __init__(self) -> None:
        self.nodes: dict[str, Node] = {}
        self.g: nx.DiGraph = nx.DiGraph()

    def add(self, node: Node) -> None:
        self.nodes[node.id] = node
        self.g.add_node(node.id)
        for src in node.inputs:
            self.g.add_edge(src, node.id)

    def order(self) -> list[str]:
        """Topological order, ties broken by id so output is stable."""
        return list(nx.lexicographical_topological_sort(self.g))

    def upstream(self, ids: list[str]) -> set[str]:
        out = set(ids)
        for i in ids:
            out |= nx.ancestors(self.g, i)
        return out

    def downstream(self, node_id: str) -> set[str]:
        return set(nx.descendants(self.g, node_id))

    def shot_node(self, shot: str) -> str | None:
        """The node whose output is the shot (its last step)."""
        steps = [n for n in self.nodes.values() if n.shot == shot and n.kind != "frame"]
        return steps[-1].id if steps else None

    def cuts(self) -> list[Node]:
        return [n for n in self.nodes.values() if n.kind == "cut"]


class _Builder:
    def __init__(
        self, board: Storyboard, smap: SourceMap, root: Path, profile: str | None,
        facts: dict[str, AssetFacts],
    ) -> None:
        self.board = board
        self.smap = smap
        self.root = root
        self.profile = profile
        self.facts = facts
        self.problems: list[Problem] = []
        self.graph = Graph()
        self.shot_out: dict[str, str] = {}  # shot name -> id of its last step (filled in order)

    # -- problems ---------------------------------------------------------------------------
    def problem(self, path: Path_, message: str, *, where: str = "", field: str = "",
                hint: str = "", key: bool = False) -> None:
        self.problems.append(self.smap.problem(path, message, where=where, field=field,
                                               hint=hint, key=key))

    # -- assets -----------------------------------------------------------------------------
    def add_assets(self) -> None:
        for name, rel in self.board.assets.items():
            path: Path_ = ("assets", name)
            where = f"asset '{name}'"
            kind = media_kind_of(rel)
            p = Path(rel)
            if p.is_absolute() or not inside(self.root, self.root / p):
                self.problem(path, f"'{rel}' is outside the project folder", where=where,
                             hint="copy the file into the project and use a relative path")
                continue
            if not (self.root / p).is_file():
                self.problem(path, f"file '{rel}' does not exist", where=where,
                             hint=f"put the file at {rel} (relative to the storyboard file)")
                continue
            if kind is None:
                self.problem(path, f"'{rel}' is not a file type storyboard reads", where=where,
                             hint="use an image (.png .jpg .webp), video (.mp4 .mov .webm) or "
                             "audio (.mp3 .wav .m4a) file")
                continue
            facts = self.facts.get(name, AssetFacts(kind))
            loc = self.smap.at(path)
            self.graph.add(Node(
                id=f"asset:{name}", kind="asset", label=name, media=facts.kind, path=p.as_posix(),
                duration=facts.duration, width=facts.width, height=facts.height,
                line=loc[0] if loc else None, column=loc[1] if loc else None,
            ))
        for name in self.board.shots:
            if name in self.board.assets:
                self.problem(("shots", name), f"'{name}' is both an asset and a shot",
                             where=f"shot '{name}'", key=True,
                             hint="assets and shots share one namespace: rename one of them")

    # -- references -------------------------------------------------------------------------
    def resolve_ref(self, ref: str, want: Literal["video", "image", "audio"], path: Path_,
                    where: str, field: str, shot: str | None) -> str | None:
        base, _, suffix = ref.partition(".")
        if suffix and suffix not in FRAME_SUFFIXES:
            self.problem(path, f"'{ref}' is not a reference", where=where, field=field,
                         hint=f"write NAME, NAME.first_frame or NAME.last_frame "
                         f"({suggest(suffix, list(FRAME_SUFFIXES)) or 'no such suffix'})")
            return None
        if shot is not None and base == shot:
            self.problem(path, f"shot '{shot}' refers to itself", where=where, field=field,
                         hint="refer to another shot or an asset")
            return None
        names = list(self.board.assets) + list(self.board.shots)
        if base not in names:
            self.problem(path, f"unknown name '{base}'", where=where, field=field,
                         hint=suggest(base, names) or "define it under assets: or shots:")
            return None
        if base in self.board.assets:
            node_id = f"asset:{base}"
            if node_id not in self.graph.nodes:
                return None  # its own problem is already reported
            kind = self.graph.nodes[node_id].media
        else:
            node_id = f"shot:{base}"  # placeholder until shots are built; fixed in link()
            kind = "video"
        if suffix:
            if kind != "video":
                self.problem(path, f"'{ref}' takes a frame from {base}, which is {_a(kind)}, "
                             "not a video", where=where, field=field,
                             hint=f"use {base} itself" if kind == "image" else "use a video")
                return None
            kind = "image"
            node_id = f"frame:{base}.{suffix}"
        if kind != want:
            hint = (f"use {base}.first_frame or {base}.last_frame" if want == "image"
                    and kind == "video" else f"name {_a(want)} from assets:"
                    + (" or shots:" if want == "video" else ""))
            self.problem(path, f"'{ref}' is {_a(kind)}, but {field} needs {_a(want)}", where=where,
                         field=field, hint=hint)
            return None
        return node_id

    # -- shots ------------------------------------------------------------------------------
    def merged_fields(self, step: Step) -> dict[str, Any]:
        kind = step.kind
        merged: dict[str, Any] = {}
        defaults = getattr(self.board.defaults, kind)
        if defaults is not None:
            merged.update(defaults.model_dump(exclude_none=True))
        merged.update(step.fields.model_dump(exclude_none=True))
        style = self.board.defaults.style
        if self.profile is not None:
            prof = self.board.profiles[self.profile]
            over = getattr(prof, kind)
            if over is not None:
                merged.update(over.model_dump(exclude_none=True))
            style = prof.style or style
        if style and merged.get("prompt"):
            merged["prompt"] = f"{merged['prompt']}, {style}"
        return merged

    def shot_order(self) -> list[str]:
        """Shots in dependency order, so durations and sizes of sources are known when needed."""
        deps: nx.DiGraph = nx.DiGraph()
        names = list(self.board.shots)
        deps.add_nodes_from(names)
        for shot, steps in self.board.shots.items():
            for step in steps:
                f = step.fields.model_dump(exclude_none=True)
                refs = [f.get("source"), f.get("start_frame"), f.get("end_frame")]
                refs += [k["image"] for k in f.get("keyframes") or []]
                for name in refs:
                    base = str(name).partition(".")[0] if name else ""
                    if base in self.board.shots and base != shot:
                        deps.add_edge(base, shot)
        if not nx.is_directed_acyclic_graph(deps):
            return names  # the cycle is reported once the graph is linked
        return list(nx.lexicographical_topological_sort(deps, key=names.index))

    def add_shots(self) -> None:
        for shot in self.shot_order():
            steps = self.board.shots[shot]
            raw_shot = self.smap.values.get(("shots", shot, 0))
            multi = raw_shot is not None
            prev: str | None = None
            for i, step in enumerate(steps):
                base_path: Path_ = (
                    ("shots", shot, i, step.kind) if multi else ("shots", shot, step.kind)
                )
                node = self.add_step(shot, i, len(steps), step, base_path, prev, multi)
                if node is None:
                    prev = None
                    break
                prev = node.id
            if prev is not None:
                self.shot_out[shot] = prev

    def add_step(self, shot: str, i: int, count: int, step: Step, base: Path_,
                 prev: str | None, multi: bool) -> Node | None:
        where = f"shot '{shot}'" + (f" step {i + 1}" if multi else "")
        node_id = f"shot:{shot}" if i == count - 1 else f"shot:{shot}/{i + 1}"
        label = shot if not multi else f"{shot} step {i + 1}"
        fields = self.merged_fields(step)
        kind = step.kind
        loc = self.smap.at(base)
        start = len(self.problems)

        def fpath(name: str) -> Path_:
            return (*base, name)

        source_id: str | None = None
        if kind in ("edit", "reframe") or (kind == "loop" and not fields.get("prompt")):
            if "source" in fields:
                source_id = self.resolve_ref(fields["source"], "video", fpath("source"), where,
                                             "source", shot)
            elif prev is not None:
                source_id = prev
            else:
                hint = ("a loop needs a prompt (to generate one) or a source (to loop footage)"
                        if kind == "loop" else "name the video to work on: an asset or a shot")
                self.problem(base, f"{kind} needs a source", where=where, field="source", hint=hint)
                return None
        elif kind == "generate" and prev is not None and "start_frame" not in fields:
            fields["start_frame"] = f"{shot}.__prev_last__"

        if kind == "loop" and not fields.get("prompt"):
            return self.add_local_loop(node_id, label, shot, fields, source_id, base, where, loc)

        spec, issue = resolve_model(kind, fields.get("model"), fields.get("resolution"))
        if issue is not None or spec is None:
            assert issue is not None
            self.problem(fpath(issue.field), issue.message, where=where, field=issue.field,
                         hint=issue.hint)
            return None
        # File inputs: map the refs (names) to node ids before the catalogue sees them.
        refs: dict[str, str] = {}
        for fname in ("start_frame", "end_frame"):
            if fname in fields:
                value = fields[fname]
                if value == f"{shot}.__prev_last__" and prev is not None:
                    refs[value] = self.frame_of(prev, "last")
                    continue
                rid = self.resolve_ref(value, "image", fpath(fname), where, fname, shot)
                if rid:
                    refs[value] = rid
        for k, kf in enumerate(fields.get("keyframes") or []):
            rid = self.resolve_ref(kf["image"], "image", (*fpath("keyframes"), k, "image"),
                                   where, f"keyframes[{k}].image", shot)
            if rid:
                refs[kf["image"]] = rid
        if source_id is not None:
            fields["source"] = source_id
            refs[source_id] = source_id
        mapped, issues = map_node(kind, fields, spec)
        for iss in issues:
            self.field_problem(base, iss, where)
        if len(self.problems) > start:
            return None
        body = rename_refs(mapped.body, refs)
        inputs = tuple(dict.fromkeys(refs_in(body)))
        duration, width, height = self.infer_output(kind, spec.id, mapped.body, fields, source_id,
                                                    spec.fixed_resolution)
        self.check_limits(spec.limits.source_max_seconds, spec.limits.source_max_bytes,
                          source_id, fpath("source") if "source" in step.fields.model_fields_set
                          else base, where, spec.short)
        roles = {role: target for role, api in spec.fields.items()
                 if (target := ref_of(body.get(api))) is not None}
        node = Node(
            id=node_id, kind=kind, label=label, media="video", shot=shot, model_id=spec.id,
            model=spec.short, body=body, inputs=inputs, roles=roles, fields=_public(fields),
            take=int(fields.get("take", 1)), duration=duration, width=width, height=height,
            line=loc[0] if loc else None, column=loc[1] if loc else None,
        )
        self.graph.add(node)
        return node

    def field_problem(self, base: Path_, iss: FieldIssue, where: str) -> None:
        head = iss.field.split(".")[0].split("[")[0]
        path: Path_ = (*base, head)
        if iss.field.startswith("params."):
            path = (*base, "params", iss.field.split(".", 1)[1])
        self.problem(path, iss.message, where=where, field=iss.field, hint=iss.hint)

    def add_local_loop(self, node_id: str, label: str, shot: str, fields: dict[str, Any],
                       source_id: str | None, base: Path_, where: str,
                       loc: tuple[int, int] | None) -> Node | None:
        if source_id is None:
            return None
        extra = sorted(set(fields) - {"source", "crossfade", "take", "model", "resolution"})
        if extra:
            self.problem((*base, extra[0]), f"a loop of footage (no prompt) does not take "
                         f"'{extra[0]}'", where=where, field=extra[0],
                         hint="add a prompt to generate a loop with a model, or remove it")
            return None
        crossfade = float(fields.get("crossfade", DEFAULT_LOOP_CROSSFADE))
        src_dur, w, h = self.source_facts(source_id)
        duration = None
        if src_dur is not None:
            if crossfade * 2 > src_dur:
                self.problem((*base, "crossfade"), f"a {crossfade:g} s crossfade is too long for "
                             f"a {src_dur:g} s source", where=where, field="crossfade",
                             hint=f"use at most {src_dur / 2:g} s")
                return None
            duration = src_dur - crossfade
        node = Node(
            id=node_id, kind="local_loop", label=label, media="video", shot=shot,
            inputs=(source_id,), roles={"source": source_id},
            body={"source": ref(source_id), "crossfade": crossfade},
            fields=_public(fields), take=int(fields.get("take", 1)), crossfade=crossfade,
            duration=duration, width=w, height=h,
            line=loc[0] if loc else None, column=loc[1] if loc else None,
        )
        self.graph.add(node)
        return node

    def frame_of(self, video_node: str, which: Literal["first", "last"]) -> str:
        name = video_node.split(":", 1)[1]
        return f"frame:{name}.{which}_frame"

    def source_facts(self, source_id: str) -> tuple[float | None, int | None, int | None]:
        node = self.graph.nodes.get(self._final(source_id))
        if node is None:
            return None, None, None
        return node.duration, node.width, node.height

    def _final(self, node_id: str) -> str:
        if node_id.startswith("shot:") and node_id not in self.graph.nodes:
            return self.shot_out.get(node_id[5:], node_id)
        return node_id

    def infer_output(self, kind: str, model_id: str, body: dict[str, Any], fields: dict[str, Any],
                     source_id: str | None, fixed_res: str | None
                     ) -> tuple[float | None, int | None, int | None]:
        spec = load_catalogue().by_id(model_id)
        assert spec is not None
        if kind in ("generate", "loop"):
            res = (fixed_res or body.get("resolution") or _param_default(spec, "resolution")
                   or "720p")
            ar = body.get("aspectRatio") or _param_default(spec, "aspectRatio") or "16:9"
            w, h = frame_size(ar, res)
            return inferred_duration(spec, body), w, h
        src_dur, sw, sh = self.source_facts(source_id) if source_id else (None, None, None)
        if kind == "reframe":
            ar = body.get("aspectRatio") or _param_default(spec, "aspectRatio") or "16:9"
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

    def check_limits(self, max_s: float | None, max_b: int | None, source_id: str | None,
                     path: Path_, where: str, model: str) -> None:
        if source_id is None:
            return
        dur, _, _ = self.source_facts(source_id)
        if max_s is not None and dur is not None and dur > max_s + 1e-6:
            self.problem(path, f"the source is {dur:g} s long; {model} takes at most {max_s:g} s",
                         where=where, field="source",
                         hint="trim the source or use ray-3.2-edit / ray-3.2-reframe")
        node = self.graph.nodes.get(self._final(source_id))
        if max_b is not None and node is not None and node.path:
            size = self.facts.get(node.name, AssetFacts("video")).size_bytes
            if size is None and (self.root / node.path).is_file():
                size = (self.root / node.path).stat().st_size
            if size is not None and size > max_b:
                self.problem(path, f"the source is {size / 1e6:.1f} MB; {model} takes at most "
                             f"{max_b / 1e6:g} MB", where=where, field="source",
                             hint="re-encode it smaller")

    # -- frames and links -------------------------------------------------------------------
    def link(self) -> None:
        """Point `shot:NAME` placeholders at each shot's last step, and add frame nodes."""
        for node_id in list(self.graph.nodes):
            node = self.graph.nodes[node_id]
            fixed = tuple(self._final(i) for i in node.inputs)
            for i in fixed:
                if i.startswith("frame:") and i not in self.graph.nodes:
                    self.add_frame(i)
            if fixed != node.inputs:
                final = {i: self._final(i) for i in node.inputs}
                body = rename_refs(node.body, final)
                roles = {r: final.get(i, i) for r, i in node.roles.items()}
                self.graph.g.remove_node(node_id)
                self.graph.add(_replace(node, inputs=fixed, body=body, roles=roles))
            else:
                self.graph.g.add_node(node_id)
                for src in fixed:
                    self.graph.g.add_edge(src, node_id)

    def add_frame(self, frame_id: str) -> None:
        target, _, suffix = frame_id[len("frame:"):].rpartition(".")
        which: Literal["first", "last"] = "first" if suffix == "first_frame" else "last"
        if target in self.board.assets:
            video = f"asset:{target}"
        elif "/" in target:
            video = f"shot:{target}"
        else:
            video = self.shot_out.get(target, f"shot:{target}")
        if video not in self.graph.nodes:
            return
        v = self.graph.nodes[video]
        self.graph.add(Node(
            id=frame_id, kind="frame", label=f"{target}.{suffix}", media="image",
            shot=None, inputs=(video,), roles={"source": video}, which=which, width=v.width,
            height=v.height,
            body={"video": ref(video), "frame": which},
        ))

    def check_cycles(self) -> None:
        try:
            cycle = nx.find_cycle(self.graph.g)
        except nx.NetworkXNoCycle:
            return
        members = [a for a, _ in cycle]
        names = [self.graph.nodes[m].label if m in self.graph.nodes else m for m in members]
        first = next((self.graph.nodes[m] for m in members if m in self.graph.nodes
                      and self.graph.nodes[m].shot), None)
        shot = first.shot if first else None
        self.problem(("shots", shot) if shot else (), "these shots depend on each other in a "
                     f"cycle: {' -> '.join([*names, names[0]])}",
                     where=f"shot '{shot}'" if shot else "",
                     hint="break the cycle: one of them must not use the other's frames or output")

    # -- cuts -------------------------------------------------------------------------------
    def add_cuts(self) -> None:
        for name, cut in self.board.cuts.items():
            where = f"cut '{name}'"
            segs: list[Segment] = []
            ok = True
            first_video: Node | None = None
            durations: list[float | None] = []
            for i, entry in enumerate(cut.shots):
                epath: Path_ = ("cuts", name, "shots", i)
                ref = entry.shot
                if ref in self.board.shots:
                    node_id = self.shot_out.get(ref)
                    if node_id is None:
                        ok = False
                        continue
                elif ref in self.board.assets:
                    asset = self.graph.nodes.get(f"asset:{ref}")
                    if asset is not None and asset.media != "video":
                        self.problem(epath, f"'{ref}' is {_a(asset.media)}, not a video",
                                     where=where, field=f"shots[{i}]",
                                     hint="a cut lists shots and video assets")
                    if asset is None or asset.media != "video":
                        ok = False  # a missing asset file is reported under assets
                        continue
                    node_id = asset.id
                else:
                    names = list(self.board.shots)
                    self.problem(epath, f"unknown shot '{ref}'", where=where,
                                 field=f"shots[{i}]",
                                 hint=suggest(ref, names) or "cuts list shot names")
                    ok = False
                    continue
                node = self.graph.nodes[node_id]
                first_video = first_video or node
                clip = node.duration
                tin, tout = (entry.trim if entry.trim else (0.0, None))
                if entry.trim and clip is not None and entry.trim[1] > clip + 1e-6:
                    self.problem((*epath, "trim"), f"trim [{entry.trim[0]:g}, {entry.trim[1]:g}] "
                                 f"ends after the end of {ref} ({clip:g} s)", where=where,
                                 field=f"shots[{i}].trim",
                                 hint=f"use an OUT point of at most {clip:g}")
                    ok = False
                end = tout if tout is not None else clip
                length = end - tin if end is not None else None
                tr = entry.transition
                ttype = tr.type if tr else "cut"
                tdur = tr.duration if tr and tr.type != "cut" else 0.0
                if ttype != "cut" and i == 0:
                    self.problem((*epath, "transition"), "the first clip has no previous clip "
                                 "to transition from", where=where,
                                 field=f"shots[{i}].transition",
                                 hint="remove it, or move it to the second entry")
                    ok = False
                elif ttype != "cut":
                    prev_len = durations[-1] if durations else None
                    for neighbour, ln in ((segs[-1].node if segs else "", prev_len), (ref, length)):
                        if ln is not None and tdur > ln + 1e-6:
                            label = self.graph.nodes[neighbour].label if neighbour in \
                                self.graph.nodes else ref
                            self.problem((*epath, "transition"), f"a {tdur:g} s {ttype} is "
                                         f"longer than {label} ({ln:g} s)", where=where,
                                         field=f"shots[{i}].transition.duration",
                                         hint=f"use at most {ln:g} s")
                            ok = False
                for r in range(entry.repeat):
                    segs.append(Segment(node_id, tin, tout, ttype if r == 0 else "cut",
                                        tdur if r == 0 else 0.0))
                    durations.append(length)
            audio = None
            if cut.audio is not None:
                apath: Path_ = ("cuts", name, "audio", "asset")
                aid = self.resolve_ref(cut.audio.asset, "audio", apath, where, "audio.asset",
                                       None) \
                    if cut.audio.asset not in self.board.shots else None
                if cut.audio.asset in self.board.shots:
                    self.problem(apath, f"'{cut.audio.asset}' is a shot, not an audio asset",
                                 where=where, field="audio.asset", hint="name an audio asset")
                if aid is None:
                    ok = False
                else:
                    a = cut.audio
                    audio = AudioPlan(aid, a.volume, a.fade_in, a.fade_out, a.start)
            output = cut.output or f"renders/{name}.mp4"
            if Path(output).is_absolute() or not inside(self.root, self.root / output):
                self.problem(("cuts", name, "output"), f"output '{output}' is outside the "
                             "project folder", where=where, field="output",
                             hint="use a relative path such as renders/NAME.mp4")
                ok = False
            if not ok or first_video is None:
                continue
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
            loc = self.smap.at(("cuts", name))
            plan = CutPlan(tuple(segs), width, height, float(cut.fps or 24), cut.fit, audio,
                           cut.clip_audio, output, total)
            inputs = tuple(dict.fromkeys([s.node for s in segs] + ([audio.node] if audio else [])))
            self.graph.add(Node(
                id=f"cut:{name}", kind="cut", label=name, media="video", inputs=inputs,
                cut=plan, duration=total, width=width, height=height,
                line=loc[0] if loc else None, column=loc[1] if loc else None,
            ))


def _a(kind: str | None) -> str:
    return {"image": "an image", "video": "a video", "audio": "an audio file"}.get(str(kind), "?")


def _ratio(w: int, h: int) -> str:
    from math import gcd

    g = gcd(w, h) or 1
    return f"{w // g}:{h // g}"


def _param_default(spec: Any, api: str) -> Any:
    p = spec.parameters.get(api)
    return p.default if p is not None else None


def _public(fields: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in sorted(fields.items()) if not str(v).endswith(".__prev_last__")}


def _replace(node: Node, **changes: Any) -> Node:
    from dataclasses import replace

    return replace(node, **changes)


def build_graph(
    board: Storyboard, smap: SourceMap, root: Path, *, profile: str | None = None,
    facts: dict[str, AssetFacts] | None = None,
) -> Graph:
    """Check everything that can be checked offline and return the graph, or raise SpecError."""
    if profile is not None and profile not in board.profiles:
        raise SpecError([Problem(
            f"unknown profile '{profile}'", file=smap.file,
            hint=suggest(profile, list(board.profiles))
            or f"profiles in this file: {', '.join(board.profiles) or 'none'}",
        )])
    b = _Builder(board, smap, root, profile, facts or {})
    b.add_assets()
    b.add_shots()
    b.link()
    b.check_cycles()
    b.add_cuts()  # cuts over shots that failed are skipped; their own problems still show
    if b.problems:
        raise SpecError(b.problems)
    return b.graph
