"""The `storyboard` command: each subcommand parses options, calls one `Project` method, renders.

Errors become exit codes in one place (`main`), with no traceback unless --debug.
"""

from __future__ import annotations

import gc as collector  # `gc` is the command of that name, below
import sys
import traceback
from pathlib import Path
from typing import Any

import click

from storyboard.cli import exit_codes
from storyboard.cli.common import (
    echo_diagnostics,
    echo_json,
    error_problem,
    load_project,
    plural,
)
from storyboard.cli.options import (
    FILE_OPTION,
    JSON_MODE,
    JSON_OPTION,
    LEASES_OPTION,
    PROFILE_OPTION,
    PROVIDER_OPTION,
    build_options,
    target_options,
)
from storyboard.cli.reporters import (
    JsonReporter,
    LiveReporter,
    PlainReporter,
    plan_counts,
    summary_text,
)
from storyboard.engine import Plan, Reporter
from storyboard.errors import NotWritable, SpecError, StoryboardError


class Ctx:
    debug = False


def _fail(ctx: click.Context, message: str, code: int) -> None:
    click.echo(message, err=True)
    ctx.exit(code)


class StoryboardGroup(click.Group):
    """Turns every error into its exit code and a message, with no traceback unless --debug."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.exceptions.Abort):
            raise
        except KeyboardInterrupt:
            # a progress line may be half written: end it before saying why we stopped
            _fail(ctx, "interrupted: finished outputs are kept in the cache and the lock",
                  exit_codes.INTERRUPTED)
        except SpecError as exc:
            if json_mode := ctx.meta.get(JSON_MODE):
                echo_diagnostics(json_mode, exc.problems, exc.omitted)
            _fail(ctx, f"{exc}\n{plural(exc.count, 'problem')} found",
                  exit_codes.code_for(exc))
        except (StoryboardError, OSError) as exc:
            if not isinstance(exc, StoryboardError):  # a refused write is the user's to fix
                denied = NotWritable.of(exc)
                if denied is None:
                    self._bug(ctx, exc)
                    return None
                exc = denied
            if Ctx.debug:
                traceback.print_exc()
            if json_mode := ctx.meta.get(JSON_MODE):
                echo_diagnostics(json_mode, [error_problem(exc)])
            _fail(ctx, f"error: {exc}", exit_codes.code_for(exc))
        except Exception as exc:
            self._bug(ctx, exc)
        return None

    @staticmethod
    def _bug(ctx: click.Context, exc: BaseException) -> None:
        """A bug: say so plainly, traceback only with --debug."""
        if Ctx.debug:
            traceback.print_exc()
        _fail(ctx, f"internal error: {type(exc).__name__}: {exc} (run with --debug for "
              "the traceback and please report it)", exit_codes.FAILED)


@click.group(cls=StoryboardGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show tracebacks for unexpected errors.")
@click.version_option(package_name="storyboard")
def cli(debug: bool) -> None:
    """Make films with AI video models, declaratively.

    Write shots and cuts in storyboard.yaml; `storyboard build` runs only what changed
    (locally as an animatic by default, on Luma models with --provider scenario) and
    records what it made in storyboard.lock.
    """
    Ctx.debug = debug


@cli.command()
@click.argument("directory", default=".", type=click.Path(path_type=Path))
@click.option("--name", default=None, help="Project name (default: the folder name).")
@click.option("--force", is_flag=True,
              help="Write into a folder that already holds files (never over storyboard.yaml).")
def init(directory: Path, name: str | None, force: bool) -> None:
    """Write a small working project: storyboard.yaml, its schema, assets/, .gitignore.

    The folder must be empty (a fresh git repository is fine) unless --force. An existing
    .gitignore is kept; init adds .env, .storyboard/ and renders/ to it.
    """
    from storyboard.scaffold import init_project

    written = init_project(directory, name, force=force)
    for p in written:
        click.echo(f"wrote {p}")
    click.echo(f"next: cd {directory} && storyboard build")


@cli.command()
@FILE_OPTION
@PROFILE_OPTION
@JSON_OPTION
def validate(file: Path, profile: str | None, as_json: bool) -> None:
    """Check everything that can be checked offline; list every problem."""
    project = load_project(file, profile)
    # Nodes as `plan` and `build` count them (docs/diagnostics.md, "Words the counts use"):
    # units of work the build makes with no targets; assets are inputs, not work.
    graph = project.graph
    default = {i for i in project.order(project.target_ids()) if graph.nodes[i].kind != "asset"}
    outside = sum(1 for i, n in graph.nodes.items() if n.kind != "asset" and i not in default)
    counts = {"shots": len(project.board.shots), "cuts": len(project.board.cuts),
              "nodes": len(default), "outside": outside}
    if as_json:
        echo_json({"valid": True, **counts, "diagnostics": [], "count": 0, "omitted": 0})
    else:
        more = (f"; {plural(outside, 'node')} outside every cut, built only when named"
                if outside else "")
        click.echo(f"{project.file}: ok ({plural(counts['shots'], 'shot')}, "
                   f"{plural(counts['cuts'], 'cut')}, {plural(counts['nodes'], 'node')}{more})")


def _plan_text(plan: Plan) -> str:
    lines = []
    for n in plan.nodes:
        cost = f"{n.estimate:g} CU" if n.estimate else ""
        if n.estimate is None and n.model and n.status != "cached" and plan.provider != "preview":
            cost = "? CU"
        model = n.model or n.kind
        reasons = "; ".join(r.text for r in n.reasons)
        lines.append(f"{n.status:8} {n.label:28} {model:32} {cost:>8}  {reasons}".rstrip())
    unpriced = len(plan.unpriced) if plan.provider != "preview" else 0
    more = (f" + {unpriced} node{'s' if unpriced != 1 else ''} priced once their inputs exist"
            if unpriced else "")
    lines.append(f"{plan_counts(plan)}; estimate {plan.estimate:g} CU{more}; already paid for: "
                 f"{plan.paid_before:g} CU (provider {plan.provider})")
    return "\n".join(lines)


@cli.command()
@target_options
def plan(targets: tuple[str, ...], file: Path, provider: str | None, profile: str | None,
         as_json: bool) -> None:
    """Show every node: cached, to run or blocked, why, and the estimated cost. Runs nothing."""
    # Pricing on Scenario takes seconds (uploads, a dry run per node): say so before it starts.
    p = load_project(file, profile).plan(targets, provider,
                                         say=lambda text: click.echo(text, err=True))
    if as_json:
        echo_json({"provider": p.provider, "estimate": p.estimate, "paid_before": p.paid_before,
              "nodes": [n.as_dict() for n in p.nodes]})
    else:
        click.echo(_plan_text(p))


def _reporter(as_json: bool) -> Reporter:
    if as_json:
        return JsonReporter()
    if sys.stderr.isatty():
        return LiveReporter()
    return PlainReporter()


@cli.command()
@build_options
def build(targets: tuple[str, ...], file: Path, provider: str | None, profile: str | None,
          jobs: int, max_cost: float | None, keep_going: bool, wait: bool, remote: str | None,
          push: bool, burn_in: bool, as_json: bool) -> None:
    """Run what the plan says, then render the cuts (default: every cut)."""
    from storyboard.cli.cmd_team import echo_transfers

    project = load_project(file, profile, remote)
    reporter = _reporter(as_json)
    try:
        summary = project.build(targets, provider=provider, jobs=jobs, fail_fast=not keep_going,
                                max_cost=max_cost, reporter=reporter, wait=wait, push=push,
                                burn_in=burn_in)
    finally:  # Ctrl-C or an error: the message goes below the table, never onto its bar
        if isinstance(reporter, LiveReporter):
            reporter.stop()
    if summary.pushed is not None:
        echo_transfers(summary.pushed, as_json)
    if not as_json:
        for path in summary.renders:
            click.echo(f"rendered {path}")
    if summary.refused:
        click.get_current_context().exit(exit_codes.BUDGET)
    if summary.failed:
        click.get_current_context().exit(exit_codes.FAILED)


@cli.command()
@target_options
@LEASES_OPTION
def status(targets: tuple[str, ...], file: Path, provider: str | None, profile: str | None,
           as_json: bool, remote: str | None) -> None:
    """Offline: which nodes and cuts are stale relative to the lock and the cache, and why.

    With --remote, also the leases on the remote: which machine is making which paid node."""
    from storyboard.cli.cmd_team import echo_leases, lease_rows

    project = load_project(file, profile, remote or None)
    lines = project.status(targets, provider)
    if as_json:
        rows = [{"node": s.node, "label": s.label, "kind": s.kind, "state": s.state,
                 "reasons": [r.as_dict() for r in s.reasons]} for s in lines]
        echo_json(rows if remote is None else {"nodes": rows, "leases": lease_rows(project)})
        return
    stale = [s for s in lines if s.state != "up to date"]
    for s in lines:
        if s.kind == "frame" and s.state == "up to date":
            continue
        why = "; ".join(r.text for r in s.reasons)
        click.echo(f"{s.state:11} {s.label:28} {why}".rstrip())
    click.echo(f"{len(stale)} stale, {len(lines) - len(stale)} up to date")
    if remote is not None:
        echo_leases(project)


@cli.command()
@click.argument("shot")
@FILE_OPTION
@PROVIDER_OPTION
@PROFILE_OPTION
@JSON_OPTION
def why(shot: str, file: Path, provider: str | None, profile: str | None, as_json: bool) -> None:
    """The reasons SHOT (or a cut) would run, field by field.

    Short values read old -> new; long text (a prompt) as a word diff, [-removed-]{+added+}
    with a few words around. For a cut: the entries added, removed or moved, trims,
    transitions, music and output settings that changed since it was rendered.
    """
    row = load_project(file, profile).why(shot, provider)
    if as_json:
        echo_json(row.as_dict())
        return
    if not row.reasons:
        click.echo(f"{shot}: up to date (cached)")
    for r in row.reasons:
        click.echo(f"{shot}: {r.text}")


@cli.command()
@FILE_OPTION
@PROFILE_OPTION
@click.option("--format", "-F", "fmt", type=click.Choice(["mermaid", "dot", "json", "svg"]),
              default="mermaid", show_default=True)
def graph(file: Path, profile: str | None, fmt: str) -> None:
    """The dependency graph as Mermaid, Graphviz dot, JSON, or SVG (needs Graphviz)."""
    project = load_project(file, profile)
    if fmt == "svg":
        from storyboard.review.graphviz import dot_to_svg

        click.echo(dot_to_svg(project.graph_text("dot")), nl=False)
        return
    click.echo(project.graph_text(fmt), nl=False)


@cli.command()
@JSON_OPTION
def models(as_json: bool) -> None:
    """The Luma model catalogue: ids, short names, parameters, allowed values."""
    from storyboard.catalogue import load_catalogue

    cat = load_catalogue()
    if as_json:
        echo_json(cat.model_dump(mode="json"))
        return
    for m in cat.models:
        click.echo(f"{m.short:18} {m.id:32} {', '.join(m.kinds)}")
        for api, p in m.parameters.items():
            ours = m.api_to_field(api)
            allowed = ", ".join(str(a) for a in p.allowed) if p.allowed else ""
            rng = f"{p.min:g}..{p.max:g}" if p.min is not None and p.max is not None else ""
            req = "required" if p.required else ""
            click.echo(f"    {ours:22} -> {api:26} {p.type:12} {req:8} {allowed or rng}"
                       .rstrip())
    for alias, a in cat.aliases.items():
        pairs = ", ".join(f"{r} -> {i}" for r, i in a.by_resolution.items())
        click.echo(f"{alias:18} picks by resolution: {pairs}")


def main(argv: list[str] | None = None) -> None:
    """Console entry point."""
    # Loading a large project makes hundreds of thousands of small containers that all live
    # to the end (the file's data and source map, the lock's records, the graph): collected
    # every 700 allocations, as by default, they were walked again and again, a fifth of a
    # 5,000-shot `plan`. A command's cycles are few and small: collecting less often is safe.
    collector.set_threshold(100_000, 50, 100)
    cli.main(args=argv, prog_name="storyboard")


__all__ = ["cli", "main", "summary_text"]

from storyboard.cli.cmd_doctor import doctor  # noqa: E402

cli.add_command(doctor)

from storyboard.cli.cmd_team import gc, merge_lock, pull, push, retake  # noqa: E402

cli.add_command(retake)
cli.add_command(push)
cli.add_command(pull)
cli.add_command(gc)
cli.add_command(merge_lock)

from storyboard.cli.cmd_review import review  # noqa: E402

cli.add_command(review)

from storyboard.cli.cmd_export import export  # noqa: E402

cli.add_command(export)

from storyboard.cli.cmd_takes import takes  # noqa: E402

cli.add_command(takes)
