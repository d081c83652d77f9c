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
from storyboard.spec import NODE_KINDS, Parsed, SourceMap, Storyboard, suggest
from storyboard.spec.yamlsource import Path_

__all__ = ["AssetFacts", "Graph", "build_graph", "graph_of", "media_kind_of"]


def graph_of(parsed: Parsed, root: Path, *, profile: str | None = None,
             facts: dict[str, AssetFacts] | None = None) -> Graph:
    """The graph of a file validated in rounds (`spec.parse_all`): its problems and the
    graph's in one SpecError, or the graph."""
    return build_graph(parsed.usable(), parsed.smap, root, profile=profile, facts=facts,
                       broken=frozenset(name for _, name in parsed.broken),
                       earlier=parsed.problems)


def build_graph(
    board: Storyboard, smap: SourceMap, root: Path, *, profile: str | None = None,
    facts: dict[str, AssetFacts] | None = None, broken: frozenset[str] = frozenset(),
    earlier: list[Problem] | None = None,
) -> Graph:
    """Check everything that can be checked offline and return the graph, or raise SpecError
    with every problem: `earlier` ones (the models', spec/salvage.py) and the graph's own.

    The file is checked as written, then once under each of its profiles: a problem that only
    a profile causes is reported at the profile, naming the shots it breaks, whichever
    profile this command uses.
    """
    problems = list(earlier or [])
    if profile is not None and profile not in board.profiles and profile not in broken:
        raise SpecError([*problems, Problem(
            f"unknown profile '{profile}'", file=smap.file, code="unknown-profile",
            hint=suggest(profile, list(board.profiles))
            or f"profiles in this file: {', '.join(board.profiles) or 'none'}",
        )])
    facts = facts or {}
    plain = _check(Context(board, smap, root, None, facts, broken=broken))
    # A value refused earlier was taken out: "prompt is required" where the user wrote an
    # empty prompt would say the same thing twice.
    refused = {(p.line, p.column, p.field) for p in problems if p.line is not None}
    problems += [p for p in plain.problems if (p.line, p.column, p.field) not in refused]
    chosen = plain if profile is None else None
    seen = {_same(p) for p in plain.problems}
    for name in board.profiles:
        ctx = _check(Context(board, smap, root, name, facts, broken=broken))
        problems += _blame(ctx, name, [p for p in ctx.problems if _same(p) not in seen])
        if name == profile:
            chosen = ctx
    if problems or chosen is None:
        raise SpecError(problems)
    return chosen.graph


def _check(ctx: Context) -> Context:
    add_assets(ctx)
    add_shots(ctx)
    add_frames(ctx)
    check_cycles(ctx)
    add_cuts(ctx)  # cuts over shots that failed are skipped; their own problems still show
    return ctx


def _same(p: Problem) -> tuple[object, ...]:
    return (p.line, p.column, p.where, p.field, p.message)


def _blame(ctx: Context, profile: str, caused: list[Problem]) -> list[Problem]:
    """Problems only `profile` causes, one per kind of problem, at the profile's own line."""
    groups: dict[tuple[str, str, str], list[str]] = {}
    for p in caused:
        groups.setdefault((p.field, p.message, p.hint), []).append(p.where or "the file")
    base: Path_ = ("profiles", profile)
    out = []
    for (fname, message, hint), wheres in groups.items():
        head = fname.split(".")[0].split("[")[0]
        path = next((cand for k in (*NODE_KINDS, "style")
                     if (cand := (*base, k, head)) in ctx.smap.values), base)
        shown = ", ".join(dict.fromkeys(wheres))
        out.append(ctx.smap.problem(
            path, f"with this profile, {shown}: {message}", where=f"profile '{profile}'",
            field=fname, code="profile",
            hint=hint or "change the profile, or set the field in those shots"))
    return out
