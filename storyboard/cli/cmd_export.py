"""`storyboard export CUT`: a cut as a timeline for an editing application.

Options -> `storyboard.export.export_cut` -> the file's path and warnings; nothing is built or
paid.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from storyboard.project import Project

FORMAT_HELP = ("otio (OpenTimelineIO: Resolve, Hiero, OpenRV), otioz (the same zipped with its "
               "media), fcpxml (Final Cut Pro, Resolve), xml (FCP7 XML: Premiere, Resolve), "
               "edl (CMX 3600, one video track)  [default: from -o's suffix, else otio]")


@click.command()
@click.argument("cut")
@click.option("-f", "--file", "file", default="storyboard.yaml", show_default=True,
              type=click.Path(path_type=Path), help="The storyboard file (or its folder).")
@click.option("--profile", default=None, help="Apply the file's named overrides (e.g. draft).")
@click.option("--format", "-F", "fmt", default=None,
              type=click.Choice(["otio", "otioz", "fcpxml", "xml", "edl"]), help=FORMAT_HELP)
@click.option("--output", "-o", "output", default=None, type=click.Path(path_type=Path),
              help="Where to write it  [default: renders/CUT.SUFFIX in the project folder]")
@click.option("--absolute-paths", is_flag=True,
              help="Name media by absolute file:// URLs instead of paths relative to the "
              "exported file.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def export(cut: str, file: Path, profile: str | None, fmt: str | None, output: Path | None,
           absolute_paths: bool, as_json: bool) -> None:
    """Export CUT for an editing application: clips, trims, transitions, music.

    Shot outputs and the files the cut uses are placed in media/ beside the exported file and
    named relative to it, so the folder can move. Build the cut first.
    """
    from storyboard.export import export_cut

    project = Project.load(file, profile=profile,
                           warn=lambda m: click.echo(f"warning: {m}", err=True))
    done = export_cut(project, cut, output, fmt, absolute_paths=absolute_paths)
    warnings = list(done.warnings)
    if done.stale:
        warnings.append(f"{', '.join(done.stale)} changed since the last build; the timeline "
                        f"uses the outputs built last (run `storyboard build {cut}` first)")
    if as_json:
        click.echo(json.dumps({"cut": cut, "format": done.format, "path": str(done.path),
                               "media": [str(p) for p in done.media],
                               "warnings": warnings}))
        return
    for text in warnings:
        click.echo(f"warning: {text}", err=True)
    click.echo(f"wrote {done.path} ({len(done.media)} media file"
               f"{'s' if len(done.media) != 1 else ''} "
               f"{'inside it' if done.format == 'otioz' else 'beside it, in media/'})")
