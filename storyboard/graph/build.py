"""Storyboard -> dependency graph, every reference, rule and limit checked before anything runs.

Assets become nodes (`assets.py`); each shot step becomes a node whose request body comes from
the catalogue mapping (`shots.py`); each reference becomes an edge (`references.py`):
`SHOT.first_frame` / `SHOT.last_frame` become frame-extraction nodes; each cut becomes a node
over its shots (`cuts.py`). Durations and frame sizes are inferred from the nodes so that source
limits and trims are checked even for clips that do not exist yet. All problems found are
raised together as one `SpecError`.
"""

from __future__ import annotations

from pathlib import Path

from storyboard.errors import Problem, SpecError
from storyboard.graph.assets import add_assets
from storyboard.graph.context import AssetFacts, Context, media_kind_of
from storyboard.graph.cuts import add_cuts
from storyboard.graph.dag import Graph
from storyboard.graph.references import add_frames, check_cycles
from storyboard.graph.shots import add_shots
from storyboard.spec import SourceMap, Storyboard, suggest

__all__ = ["AssetFacts", "Graph", "build_graph", "media_kind_of"]


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
    ctx = Context(board, smap, root, profile, facts or {})
    add_assets(ctx)
    add_shots(ctx)
    add_frames(ctx)
    check_cycles(ctx)
    add_cuts(ctx)  # cuts over shots that failed are skipped; their own problems still show
    if ctx.problems:
        raise SpecError(ctx.problems)
    return ctx.graph
