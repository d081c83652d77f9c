"""`storyboard export CUT --format otio`: a cut as a timeline for an editing application.

Options -> `Project.export` -> the file's path; nothing is built or paid.
"""

from __future__ import annotations

from pathlib import Path

import click

from storyboard.cli.common import echo_json, load_project
from storyboard.cli.options import FILE_OPTION, JSON_OPTION, PROFILE_OPTION


@click.command()
@click.argument("cut")
@FILE_OPTION
@PROFILE_OPTION
@click.option("--format", "-F", "fmt", type=click.Choice(["otio"]), default="otio",
              show_default=True, help="OpenTimelineIO (.otio JSON).")
@click.option("--output", "-o", "output", default=None, type=click.Path(path_type=Path),
              help="Where to write it  [default: renders/CUT.otio in the project folder]")
@JSON_OPTION
def export(cut: str, file: Path, profile: str | None, fmt: str, output: Path | None,
           as_json: bool) -> None:
    """Export CUT as an OpenTimelineIO timeline (clips, trims, transitions, music).

    Media paths are relative to the project folder; shot outputs are placed in renders/media/.
    Build the cut first.
    """
    r = load_project(file, profile).export(cut, fmt=fmt, output=output)
    if r.stale:
        click.echo(f"warning: {', '.join(r.stale)} changed since the last build; the timeline "
                   f"uses the outputs built last (run `storyboard build {cut}` first)", err=True)
    if as_json:
        echo_json({"cut": r.cut, "format": r.format, "path": str(r.path)}, indent=None)
    else:
        click.echo(f"wrote {r.path}")
