"""The options commands share, declared once; `build`'s whole parameter list lives here too, so
the no-op fast path (`fast.py`) parses exactly what the `build` command takes.

Only click is imported: `fast.py` reads this before anything heavy is loaded.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import click

F = TypeVar("F", bound=Callable[..., None])

FILE_OPTION = click.option(
    "-f", "--file", "file", default="storyboard.yaml", show_default=True,
    type=click.Path(path_type=Path), help="The storyboard file (or its folder).",
)
def _remember_json(ctx: click.Context, _param: click.Parameter, value: bool) -> bool:
    """--json also decides how errors are printed, after the command is gone (cli/main.py)."""
    if value:
        ctx.meta[JSON_MODE] = ctx.info_name
    return value


JSON_MODE = "storyboard.json"  # ctx.meta key: the command given --json
JSON_OPTION = click.option("--json", "as_json", is_flag=True, callback=_remember_json,
                           help="Machine-readable JSON output (see README: JSON events; "
                           "problems as diagnostics, docs/diagnostics.md).")
PROFILE_OPTION = click.option("--profile", default=None,
                              help="Apply the file's named overrides (e.g. draft).")
PROVIDER_OPTION = click.option(
    "--provider", default=None, metavar="NAME",
    help="preview (default: local, free), scenario (Luma via Scenario: paid), or "
    "package.module:factory for a provider of your own.",
)
REMOTE_OPTION = click.option("--remote", default=None, metavar="URL",
                             help="The remote cache: a folder, file://... or s3://bucket/prefix "
                             "(default: STORYBOARD_REMOTE, else `remote:` in the file).")
# `--remote` alone means the configured remote (STORYBOARD_REMOTE, `remote:` in the file).
LEASES_OPTION = click.option("--remote", "remote", is_flag=False, flag_value="", default=None,
                             metavar="[URL]", help="Also show the leases on the remote cache "
                             "(this URL, or the configured remote): who is making what.")
TRANSFER_JOBS_OPTION = click.option("--jobs", "-j", default=8, show_default=True,
                                    type=click.IntRange(1, 64), help="Parallel transfers.")


def _apply(f: F, *decorators: Callable[[F], F]) -> F:
    for decorate in reversed(decorators):  # listed in the order --help shows them
        f = decorate(f)
    return f


def target_options(f: F) -> F:
    """TARGETS, -f, --provider, --profile and --json: what plan and status take."""
    return _apply(f, click.argument("targets", nargs=-1), FILE_OPTION, PROVIDER_OPTION,
                  PROFILE_OPTION, JSON_OPTION)


# `build` options the no-op stamp answers for: the stamp's key holds targets, file, profile
# and provider; jobs, fail-fast and wait change nothing when nothing runs. Any other option
# (and any option added later) given on the command line takes the full path.
STAMP_SAFE = frozenset({"targets", "file", "profile", "provider", "jobs", "keep_going", "wait"})


def build_options(f: F) -> F:
    """Every parameter of `storyboard build`."""
    return _apply(
        f,
        click.argument("targets", nargs=-1),
        FILE_OPTION,
        PROVIDER_OPTION,
        PROFILE_OPTION,
        click.option("--jobs", "-j", default=4, show_default=True, type=click.IntRange(1, 64),
                     help="Parallel jobs per provider."),
        click.option("--max-cost", type=float, default=None,
                     help="Refuse to start (exit 4) when the estimate is above this many "
                     "credits."),
        click.option("--keep-going/--fail-fast", default=True, show_default=True,
                     help="Finish independent branches after a failure, or stop at the first."),
        click.option("--wait", is_flag=True,
                     help="Wait for another build of this project to finish."),
        click.option("--remote", default=None, metavar="URL",
                     help="A shared cache to read through (a folder or s3://bucket/prefix)."),
        click.option("--push", is_flag=True,
                     help="Upload what this build made to the remote cache."),
        click.option("--burn-in", is_flag=True,
                     help="Also write a review copy of each cut, NAME.burnin.mp4 beside it, "
                     "with record timecode and each entry's shot name burned in (the cut "
                     "itself stays clean)."),
        JSON_OPTION,
    )
