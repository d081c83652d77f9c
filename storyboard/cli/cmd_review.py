"""`storyboard review`: write the static review page (and a contact sheet) of a project.

Options -> `Project.review` -> the page's path; nothing is built or paid.
"""

from __future__ import annotations

from pathlib import Path

import click

from storyboard.cli.common import echo_json, load_project
from storyboard.cli.options import FILE_OPTION, JSON_OPTION, PROFILE_OPTION


@click.command()
@FILE_OPTION
@PROFILE_OPTION
@click.option("--output", "-o", "output", default=None, type=click.Path(path_type=Path),
              help="Folder for index.html and its files  [default: renders/review in the "
              "project folder]")
@click.option("--contact-sheet", is_flag=True,
              help="Also write contact-sheet.png: the middle frame of every built shot.")
@JSON_OPTION
def review(file: Path, profile: str | None, output: Path | None, contact_sheet: bool,
           as_json: bool) -> None:
    """Write a static HTML page of every shot and cut: video, prompt, model, take, cost, status.

    It opens from disk with no server and no network; shots not built yet show a placeholder.
    """
    r = load_project(file, profile).review(output, contact_sheet=contact_sheet)
    if as_json:
        echo_json({"page": str(r.page),
                   "contact_sheet": str(r.contact_sheet) if r.contact_sheet else None},
                  indent=None)
        return
    click.echo(f"wrote {r.page}")
    if r.contact_sheet is not None:
        click.echo(f"wrote {r.contact_sheet}")
    elif contact_sheet:
        click.echo("no contact sheet: no shot is built yet (run `storyboard build`)")
    click.echo(f"open: {r.page.resolve().as_uri()}")
