"""The console entry point, with a no-op fast path for `storyboard build`.

A `storyboard build` whose stamp says nothing changed since the last fully successful build
with the same options answers at once, before the graph, pydantic or ffmpeg are imported;
anything else goes to the full command line. The arguments are parsed by the very parameters
of the `build` command (`cli/options.py`), so the two can never disagree about what a command
line means; only options the stamp answers for (`STAMP_SAFE`) may differ from their defaults.
"""

from __future__ import annotations

import sys
from pathlib import Path

from storyboard import __version__, stamp


def _parse_build(argv: list[str]) -> stamp.Parsed | None:
    """(file, profile, provider, targets) for a build the stamp can answer, else None."""
    import click
    from click.core import ParameterSource

    from storyboard.cli.options import STAMP_SAFE, build_options

    def nothing(**_params: object) -> None:
        return None

    # No --help here: asking for help (or any parse error) is the full command line's job.
    command = click.command("build", add_help_option=False)(build_options(nothing))
    try:
        ctx = command.make_context("build", list(argv))
    except click.exceptions.ClickException:
        return None
    for name in ctx.params:
        if name not in STAMP_SAFE and ctx.get_parameter_source(name) is not ParameterSource.DEFAULT:
            return None  # --json, --push, --max-cost, --remote...: the full path
    return (str(ctx.params["file"]), ctx.params["profile"], ctx.params["provider"],
            list(ctx.params["targets"]))


def _fast(argv: list[str]) -> bool:
    if not argv or argv[0] != "build":
        return False
    args = argv[1:]
    parsed = stamp.recall(args, __version__)
    recalled = parsed is not None
    parsed = parsed or _parse_build(args)
    if parsed is None:
        return False
    file = Path(parsed[0])
    if file.is_dir():
        file = file / "storyboard.yaml"
    profile, provider, targets = parsed[1:]
    if not file.is_file():
        return False
    root = file.parent if str(file.parent) else Path(".")
    key = stamp.options_key(file, profile, provider, targets, __version__)
    found = stamp.check(root / ".storyboard", key, file)
    if found is None:
        return False
    if not recalled:
        stamp.learn(root, args, __version__, parsed)
    n = found.counts.get("cached", 0)
    sys.stderr.write(f"0 built, {n} cached, 0 failed, 0 skipped in 0.0s; spent 0 CU "
                     "(nothing changed since the last build)\n")
    for render in found.renders:
        sys.stdout.write(f"rendered {root / render}\n")
    return True


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if _fast(args):
        return
    from storyboard.cli.main import main as full

    full(args)
