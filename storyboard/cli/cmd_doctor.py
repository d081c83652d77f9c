"""`storyboard doctor`: print each preflight check as ok or a fix."""

from __future__ import annotations

import json
from pathlib import Path

import click

from storyboard.cli.options import FILE_OPTION, JSON_OPTION

MARK = {"ok": "ok  ", "warn": "warn", "fail": "FAIL", "info": "info"}


@click.command()
@FILE_OPTION
@click.option("--remote", default=None, help="A remote cache URL to check.")
@JSON_OPTION
def doctor(file: Path, remote: str | None, as_json: bool) -> None:
    """Check ffmpeg, credentials, cache, disk space and the remote; each line ok or a fix."""
    from storyboard.doctor import run_checks  # settings, media, asyncio: doctor's alone

    root = file if file.is_dir() else file.parent
    checks = run_checks(root, remote)
    if as_json:
        click.echo(json.dumps([c.__dict__ for c in checks], indent=2))
    else:
        for c in checks:
            line = f"{MARK[c.state]}  {c.name:22} {c.detail}"
            if c.fix and c.state != "ok":
                line += f"\n      fix: {c.fix}"
            click.echo(line)
    if any(c.state == "fail" for c in checks):
        click.get_current_context().exit(1)
