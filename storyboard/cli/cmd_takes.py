"""`storyboard takes SHOT`: every take of a shot that the lock and the cache know.

Options -> `Project.takes` -> a table: take, when, provider, model, cost, output (here or not)
and the prompt that made it as a word diff against the one the file asks for now.
"""

from __future__ import annotations

from pathlib import Path

import click

from storyboard.cli.common import echo_json, load_project
from storyboard.cli.options import FILE_OPTION, JSON_OPTION, PROFILE_OPTION


@click.command()
@click.argument("shot")
@FILE_OPTION
@click.option("--provider", default=None, metavar="NAME",
              help="The provider the current take is for (default: the file's, else preview).")
@PROFILE_OPTION
@JSON_OPTION
def takes(shot: str, file: Path, provider: str | None, profile: str | None,
          as_json: bool) -> None:
    """Every take of SHOT that the lock and the cache know, the current one marked (*).

    For each: when it was made, provider, model, cost, whether its output is in the local
    cache, and the prompt that made it as a word diff against the prompt the file has now.
    Offline and free; `storyboard retake SHOT --take N` goes back to one.
    """
    found = load_project(file, profile).takes(shot, provider)
    if as_json:
        echo_json({
            "shot": found.shot, "node": found.node, "prompt": found.prompt,
            "takes": [{**t.as_dict(), "prompt_diff": found.prompt_diff(t)} for t in found.takes],
        })
        return
    current = found.current
    built = sum(1 for t in found.takes if t.built)
    click.echo(f"{found.shot}: {built} take{'s' if built != 1 else ''} known"
               + (f"; the file asks for take {current.take}"
                  + ("" if current.built else " (not built yet)") if current else ""))
    click.echo(f"  {'take':5} {'made':21} {'provider':9} {'model':28} {'cost':>8}  output")
    for t in found.takes:
        mark = "*" if t.current else " "
        if not t.built:
            output = f"not built yet (storyboard build {found.shot})"
        elif t.present:
            output = f"{t.output[:12]}  in the cache"
        else:
            output = f"{t.output[:12]}  not here (storyboard pull)"
        if t.locked and not t.current:
            output += "; built last (the lock's)"
        cost = f"{t.cost:g} CU"
        click.echo(f"{mark} {t.take:<5} {t.time or '-':21} {t.provider:9} {t.model or '-':28} "
                   f"{cost:>8}  {output}".rstrip())
        if t.prompt is None:
            click.echo("        prompt: not recorded in this working copy")
        elif (diff := found.prompt_diff(t)) is not None:
            click.echo(f"        prompt: {diff}")
