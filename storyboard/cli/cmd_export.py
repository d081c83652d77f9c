"""`storyboard export CUT --format otio`: a cut as a timeline for an editing application.

Options -> `storyboard.export.export_otio` -> the file's path; nothing is built or paid.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from storyboard.project import Project


@click.command()
@click.argument("cut")
@click.option("-f", "--file", "file", default="storyboard.yaml", show_default=True,
              type=click.Path(path_type=Path), help="The storyboard file (or its folder).")
@click.option("--profile", default=None, help="Apply the file's named overrides (e.g. draft).")
@click.option("--format", "-F", "fmt", type=click.Choice(["otio"]), default="otio",
              show_default=True, help="OpenTimelineIO (.otio JSON).")
@click.option("--output", "-o", "output", default=None, type=click.Path(path_type=Path),
              help="Where to write it  [default: renders/CUT.otio in the project folder]")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def export(cut: str, file: Path, profile: str | None, fmt: str, output: Path | None,
           as_json: bool) -> None:
    """Export CUT as an OpenTimelineIO timeline (clips, trims, transitions, music).

    Media paths are relative to the project folder; shot outputs are placed in renders/media/.
    Build the cut first.
    """
    from storyboard.export import export_otio

    project = Project.load(file, profile=profile,
                           warn=lambda m: click.echo(f"warning: {m}", err=True))
    path = export_otio(project, cut, output or project.root / "renders" / f"{cut}.{fmt}")
    stale = [s.label for s in project.status([cut]) if s.state != "up to date"]
    if stale:
        click.echo(f"warning: {', '.join(stale)} changed since the last build; the timeline "
                   f"uses the outputs built last (run `storyboard build {cut}` first)", err=True)
    if as_json:
        click.echo(json.dumps({"cut": cut, "format": fmt, "path": str(path)}))
    else:
        click.echo(f"wrote {path}")
