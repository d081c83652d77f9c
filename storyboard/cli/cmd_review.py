"""`storyboard review`: write the static review page (and a contact sheet) of a project.

Options -> `storyboard.review.write_review` -> the page's path; nothing is built or paid.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from storyboard.project import Project


@click.command()
@click.option("-f", "--file", "file", default="storyboard.yaml", show_default=True,
              type=click.Path(path_type=Path), help="The storyboard file (or its folder).")
@click.option("--profile", default=None, help="Apply the file's named overrides (e.g. draft).")
@click.option("--output", "-o", "output", default=None, type=click.Path(path_type=Path),
              help="Folder for index.html and its files  [default: renders/review in the "
              "project folder]")
@click.option("--contact-sheet", is_flag=True,
              help="Also write contact-sheet.png: the middle frame of every built shot.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def review(file: Path, profile: str | None, output: Path | None, contact_sheet: bool,
           as_json: bool) -> None:
    """Write a static HTML page of every shot and cut: video, prompt, model, take, cost, status.

    It opens from disk with no server and no network; shots not built yet show a placeholder.
    """
    from storyboard.review import write_review

    project = Project.load(file, profile=profile,
                           warn=lambda m: click.echo(f"warning: {m}", err=True))
    page = write_review(project, output or project.root / "renders" / "review", contact_sheet)
    sheet = page.parent / "contact-sheet.png"
    made = contact_sheet and sheet.is_file()
    if as_json:
        click.echo(json.dumps({"page": str(page), "contact_sheet": str(sheet) if made else None}))
        return
    click.echo(f"wrote {page}")
    if made:
        click.echo(f"wrote {sheet}")
    elif contact_sheet:
        click.echo("no contact sheet: no shot is built yet (run `storyboard build`)")
    click.echo(f"open: {page.resolve().as_uri()}")
