"""Review copies of cuts (`storyboard build --burn-in`): the rendered cut with record timecode
and each entry's shot name burned in, written beside it as NAME.burnin.mp4.

The cut itself, and its cache entry, stay clean: the copy is a hand-off file like an export,
made from the built cut and the clips the lock names, read through `Project`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from storyboard.errors import ProjectError
from storyboard.graph import Node
from storyboard.media import CutSegment, CutSpec

if TYPE_CHECKING:  # annotations only: Project calls into this package
    from storyboard.project import Project


def burn_in_path(render: Path) -> Path:
    """Where the review copy of `render` goes: beside it, `.burnin` before the suffix."""
    return render.with_name(f"{render.stem}.burnin{render.suffix}")


def review_copies(project: Project, cuts: set[str]) -> list[Path]:
    """A burned-in copy of each built cut among the node ids `cuts`; their paths."""
    made: list[Path] = []
    for node in project.graph.cuts():
        if node.id in cuts and node.cut is not None:
            made.append(_review_copy(project, node))
    return made


def _review_copy(project: Project, cut: Node) -> Path:
    plan = cut.cut
    assert plan is not None
    segments: list[CutSegment] = []
    labels: list[str] = []
    placer = project.placer(project.work_dir("burnin"))
    for seg in plan.segments:
        node = project.graph.nodes[seg.node]
        if node.kind == "asset" and node.path:
            path = project.root / node.path
        else:
            rec = project.built(node.id)
            if rec is None:
                raise ProjectError(f"cut '{cut.name}': {node.label} is not built; run "
                                   f"`storyboard build {cut.name}` first")
            path = placer.source(rec.output)
        segments.append(CutSegment(path, seg.trim_in, seg.trim_out, seg.transition,
                                   seg.transition_duration))
        labels.append(node.shot or node.name)
    spec = CutSpec(tuple(segments), plan.width, plan.height, plan.fps, plan.fit, None,
                   plan.clip_audio)
    render = project.root / plan.output
    dst = burn_in_path(render)
    project.ffmpeg.burn_in(spec, labels, render, dst)
    return dst
