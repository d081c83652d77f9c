"""Commands for projects shared in git and in teams: retake, push, pull, gc, merge-lock.

Each parses options, calls one function of the core (`takes`, `Project.push/pull`, `cache.gc`,
`cache.merge`) and renders the result; progress of transfers is drawn here, never in the core.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import click

from storyboard.cli.common import echo_json, load_project
from storyboard.cli.options import (
    FILE_OPTION,
    JSON_OPTION,
    LEASES_OPTION,
    REMOTE_OPTION,
    TRANSFER_JOBS_OPTION,
)
from storyboard.remote import Transfer, TransferReport

if TYPE_CHECKING:  # annotations only: `status --remote` and `gc` import them when used
    from storyboard.project import Project
    from storyboard.team import LeaseView


def _age(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 3600}h{s % 3600 // 60:02d}m" if s >= 3600 else \
        f"{s // 60}m{s % 60:02d}s" if s >= 60 else f"{s}s"


def _lease_row(v: LeaseView) -> dict[str, object]:
    return {"node": v.node, "key": v.key, "holder": v.holder, "job": v.job,
            "age": round(v.age, 1), "held": round(v.held, 1), "gone": v.gone,
            "published": v.published}


def lease_rows(project: Project) -> list[dict[str, object]]:
    from storyboard.team import leases_on

    return [_lease_row(v) for v in leases_on(project.open_remote())]


def echo_leases(project: Project) -> None:
    """`status --remote`: one line per lease: node, holder, age, job."""
    from storyboard.team import leases_on

    remote = project.open_remote()
    views = leases_on(remote)
    click.echo(f"{len(views)} leases on {remote.url}" + (":" if views else ""))
    for v in views:
        state = "gone" if v.gone else "live"
        click.echo(f"  {v.node:28} {state} {v.holder}, held {_age(v.held)}, heartbeat "
                   f"{_age(v.age)} ago, job {v.job or '(not sent yet)'}")


def _size(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"  # pragma: no cover


@contextmanager
def _progress(label: str, as_json: bool) -> Iterator[Callable[[Transfer], None] | None]:
    """A progress bar on a terminal; nothing in logs or with --json."""
    if as_json or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    with Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(),
                  console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(label, total=None)

        def show(t: Transfer) -> None:
            bar.update(task, total=t.total, completed=t.done)

        yield show


def echo_transfers(r: TransferReport, as_json: bool) -> None:
    """A push or pull report: one summary line, then every problem."""
    if as_json:
        echo_json({
            "event": r.direction, "remote": r.url, "named": r.named, "present": r.present,
            "moved": len(r.moved), "bytes": r.bytes, "missing": r.missing, "corrupt": r.corrupt,
            "failed": [{"object": d, "error": e} for d, e in r.failed],
            "elapsed": round(r.elapsed, 3)}, indent=None)
        return
    verb = "pushed" if r.direction == "push" else "pulled"
    where = "on the remote" if r.direction == "push" else "here"
    to = "to" if r.direction == "push" else "from"
    click.echo(f"{verb} {len(r.moved)} objects ({_size(r.bytes)}) {to} {r.url}; "
               f"{r.present} already {where}; {r.elapsed:.2f} s")
    if r.missing:
        whom = ("not in the local cache (build them first)" if r.direction == "push"
                else "not on the remote (a build will make them again)")
        click.echo(f"{len(r.missing)} objects {whom}: "
                   + ", ".join(d[:12] for d in r.missing[:10])
                   + (" ..." if len(r.missing) > 10 else ""), err=True)
    for d in r.corrupt:
        if r.direction == "pull":
            click.echo(f"corrupt on the remote: {d[:12]} (does not match its digest; not used. "
                       "Run `storyboard push --force` from a working copy that has it)", err=True)
        else:
            click.echo(f"corrupt here: {d[:12]} (the local copy does not match its digest; not "
                       "uploaded. `storyboard build` makes it again)", err=True)
    for d, e in r.failed:
        click.echo(f"failed: {d[:12]}: {e}", err=True)


def _exit_unless_ok(r: TransferReport) -> None:
    if not r.ok:
        click.get_current_context().exit(1)


@click.command()
@FILE_OPTION
@REMOTE_OPTION
@TRANSFER_JOBS_OPTION
@click.option("--force", is_flag=True,
              help="Upload every object again, even those the remote already lists.")
@JSON_OPTION
def push(file: Path, remote: str | None, jobs: int, force: bool, as_json: bool) -> None:
    """Copy the cache objects the lock names (every node and its history) to the remote."""
    project = load_project(file, remote=remote)
    with _progress("pushing", as_json) as show:
        report = project.push(jobs=jobs, force=force, progress=show)
    echo_transfers(report, as_json)
    _exit_unless_ok(report)


@click.command()
@FILE_OPTION
@REMOTE_OPTION
@TRANSFER_JOBS_OPTION
@JSON_OPTION
def pull(file: Path, remote: str | None, jobs: int, as_json: bool) -> None:
    """Fetch the cache objects the lock names from the remote, each verified by its digest."""
    project = load_project(file, remote=remote)
    with _progress("pulling", as_json) as show:
        report = project.pull(jobs=jobs, progress=show)
    echo_transfers(report, as_json)
    _exit_unless_ok(report)


@click.command()
@click.argument("shot")
@FILE_OPTION
@click.option("--take", "take", type=click.IntRange(1, None), default=None,
              help="Set this take instead of the next one (e.g. go back to 1).")
def retake(shot: str, file: Path, take: int | None) -> None:
    """Ask for a new take of SHOT (the old take stays in the cache and the lock history)."""
    from storyboard.takes import retake as write_take

    c = write_take(file, shot, take)
    where = f"step {c.step} ({c.kind})" if c.step else c.kind
    click.echo(f"{shot}: {where} take {c.old} -> {c.new} (line {c.line}); "
               "`storyboard build` makes it, earlier takes stay in the cache and the lock")


@click.command()
@FILE_OPTION
@click.option("--dry-run", is_flag=True, help="List what would be removed; remove nothing.")
@click.option("--grace", type=click.FloatRange(0, None), default=None, metavar="SECONDS",
              help="Keep unnamed files younger than this (default 600: a build may be running).")
@LEASES_OPTION
@JSON_OPTION
def gc(file: Path, dry_run: bool, grace: float | None, remote: str | None, as_json: bool
       ) -> None:
    """Remove cache objects that no lock, take, run record or journal entry names.

    With --remote (alone: the configured remote), also the leases there whose holders are
    gone; without it gc stays offline."""
    project = load_project(file, remote=remote or None)
    r = project.gc(dry_run=dry_run) if grace is None else project.gc(dry_run=dry_run, grace=grace)
    cleared: tuple[list[LeaseView], list[LeaseView]] = ([], [])
    if remote is not None:
        from storyboard.team import clear_gone

        cleared = clear_gone(project.open_remote(), dry_run=dry_run)
    if as_json:
        echo_json({
            "dry_run": r.dry_run, "kept": r.kept, "recent": r.recent, "freed": r.freed,
            "objects": [{"object": d, "size": s} for d, s in r.objects],
            "temps": [{"path": p, "size": s} for p, s in r.temps],
            "leases": [_lease_row(v) for v in cleared[0]],
            "leases_kept": [_lease_row(v) for v in cleared[1]]}, indent=None)
        return
    _echo_cleared(*cleared, dry_run)
    verb = "would remove" if dry_run else "removed"
    for d, s in r.objects:
        click.echo(f"{verb} object {d}  {_size(s)}")
    for p, s in r.temps:
        click.echo(f"{verb} temp {p}  {_size(s)}")
    click.echo(f"{verb} {len(r.objects)} objects and {len(r.temps)} temp files "
               f"({_size(r.freed)}); kept {r.kept} named objects"
               + (f" and {r.recent} recent unnamed ones (--grace 0 to include them)"
                  if r.recent else ""))


def _echo_cleared(removed: list[LeaseView], kept: list[LeaseView], dry_run: bool) -> None:
    verb = "would remove" if dry_run else "removed"
    for v in removed:
        click.echo(f"{verb} lease of {v.node} (holder {v.holder} is gone)")
    for v in kept:
        click.echo(f"kept lease of {v.node}: its holder {v.holder} is gone, but its job "
                   f"{v.job} was never shared; the next build of it adopts that job")


@click.command("merge-lock")
@click.argument("base", type=click.Path(path_type=Path))
@click.argument("ours", type=click.Path(path_type=Path))
@click.argument("theirs", type=click.Path(path_type=Path))
def merge_lock(base: Path, ours: Path, theirs: Path) -> None:
    """Git merge driver for storyboard.lock: merge node by node into OURS.

    Set up once per clone: `git config merge.storyboard.driver "storyboard merge-lock %O %A %B"`
    and, committed, `storyboard.lock merge=storyboard` in .gitattributes.
    """
    from storyboard.cache.merge import merge_files

    for node_id in merge_files(base, ours, theirs):
        click.echo(f"storyboard.lock: {node_id} was rebuilt on both sides; kept ours, theirs is "
                   "in its history (`storyboard build` makes the merged one)", err=True)
