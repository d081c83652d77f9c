"""`storyboard export CUT`: a cut as a timeline for an editing application.

Options -> `Project.export` -> the file's path, its media and warnings; nothing is built or
paid.
"""

from __future__ import annotations

from pathlib import Path

import click

from storyboard.cli.common import echo_json, load_project
from storyboard.cli.options import FILE_OPTION, JSON_OPTION, PROFILE_OPTION

FORMAT_HELP = ("otio (OpenTimelineIO: Resolve, Hiero, OpenRV), otioz (the same zipped with its "
               "media), fcpxml (Final Cut Pro, Resolve), xml (FCP7 XML: Premiere, Resolve), "
               "edl (CMX 3600, one video track)  [default: from -o's suffix, else otio]")


@click.command()
@click.argument("cut")
@FILE_OPTION
@PROFILE_OPTION
@click.option("--format", "-F", "fmt", default=None,
              type=click.Choice(["otio", "otioz", "fcpxml", "xml", "edl"]), help=FORMAT_HELP)
@click.option("--output", "-o", "output", default=None, type=click.Path(path_type=Path),
              help="Where to write it  [default: renders/CUT.SUFFIX in the project folder]")
@click.option("--absolute-paths", is_flag=True,
              help="Name media by absolute file:// URLs instead of paths relative to the "
              "exported file.")
@JSON_OPTION
def export(cut: str, file: Path, profile: str | None, fmt: str | None, output: Path | None,
           absolute_paths: bool, as_json: bool) -> None:
    """Export CUT for an editing application: clips, trims, transitions, music.

    Shot outputs and the files the cut uses are placed in media/ beside the exported file and
    named relative to it, so the folder can move. Build the cut first.
    """
    r = load_project(file, profile).export(cut, fmt=fmt, output=output,
                                           absolute_paths=absolute_paths)
    warnings = list(r.warnings)
    if r.stale:
        warnings.append(f"{', '.join(r.stale)} changed since the last build; the timeline "
                        f"uses the outputs built last (run `storyboard build {cut}` first)")
    if as_json:
        echo_json({"cut": r.cut, "format": r.format, "path": str(r.path),
                   "media": [str(p) for p in r.media], "warnings": warnings}, indent=None)
        return
    for text in warnings:
        click.echo(f"warning: {text}", err=True)
    click.echo(f"wrote {r.path} ({len(r.media)} media file{'s' if len(r.media) != 1 else ''} "
               f"{'inside it' if r.format == 'otioz' else 'beside it, in media/'})")
