"""The console entry point, with a no-op fast path for `storyboard build`.

A plain `storyboard build [TARGETS] [-f FILE] [--profile P] [--provider P] [--jobs N]` whose
stamp says nothing changed since the last fully successful build answers at once, before the
graph, pydantic or ffmpeg are even imported; anything else goes to the full command line.
"""

from __future__ import annotations

import sys
from pathlib import Path

from storyboard import __version__, stamp

_VALUE_OPTIONS = {"-f": "file", "--file": "file", "--profile": "profile",
                  "--provider": "provider", "--jobs": None, "-j": None}
_FLAGS = {"--keep-going", "--fail-fast", "--wait"}


def _parse_build(argv: list[str]) -> tuple[Path, str | None, str | None, list[str]] | None:
    """(file, profile, provider, targets) for a simple build, None for anything else."""
    if not argv or argv[0] != "build":
        return None
    values: dict[str, str] = {}
    targets: list[str] = []
    i = 1
    while i < len(argv):
        arg = argv[i]
        if arg in _VALUE_OPTIONS:
            if i + 1 >= len(argv):
                return None
            name = _VALUE_OPTIONS[arg]
            if name:
                values[name] = argv[i + 1]
            i += 2
            continue
        if arg in _FLAGS:
            i += 1
            continue
        if arg.startswith("-"):
            return None  # --json, --push, --max-cost, --remote, --debug...: the full path
        targets.append(arg)
        i += 1
    file = Path(values.get("file", "storyboard.yaml"))
    if file.is_dir():
        file = file / "storyboard.yaml"
    return file, values.get("profile"), values.get("provider"), targets


def _fast(argv: list[str]) -> bool:
    parsed = _parse_build(argv)
    if parsed is None:
        return False
    file, profile, provider, targets = parsed
    if not file.is_file():
        return False
    root = file.parent if str(file.parent) else Path(".")
    key = stamp.options_key(file, profile, provider, targets, __version__)
    found = stamp.check(root / ".storyboard", key, file)
    if found is None:
        return False
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
