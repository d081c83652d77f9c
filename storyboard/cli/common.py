"""What every command does the same way: load the project (warnings to stderr), print JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from storyboard.errors import Problem

if TYPE_CHECKING:
    from storyboard.project import Project


def load_project(file: Path, profile: str | None = None, remote: str | None = None) -> Project:
    from storyboard.project import Project  # not for --help, init, models, doctor

    return Project.load(file, profile=profile, remote=remote,
                        warn=lambda m: click.echo(f"warning: {m}", err=True))


def echo_json(data: Any, *, indent: int | None = 2) -> None:
    click.echo(json.dumps(data, indent=indent, ensure_ascii=False, default=str))


# Commands whose --json output is a stream of JSON lines: problems are one `diagnostics` event.
STREAMING = frozenset({"plan", "build"})


def diagnostics(problems: list[Problem], omitted: int = 0) -> dict[str, Any]:
    """The diagnostics shape (docs/diagnostics.md): every listed problem, and how many more
    were found than listed."""
    items = [p.as_dict() for p in problems]
    return {"diagnostics": items, "count": len(items) + omitted, "omitted": omitted}


def echo_diagnostics(command: str, problems: list[Problem], omitted: int = 0) -> None:
    """Problems on stdout for tools: a `diagnostics` event for the streaming commands, one
    JSON document (`valid: false`) for the others."""
    data = diagnostics(problems, omitted)
    if command in STREAMING:
        echo_json({"event": "diagnostics", **data}, indent=None)
    else:
        echo_json({"valid": False, **data})


def error_problem(exc: BaseException) -> Problem:
    """An error that is not about a place in the file, in the diagnostics shape."""
    name = type(exc).__name__
    code = "".join(f"-{c.lower()}" if c.isupper() else c for c in name).lstrip("-")
    return Problem(str(exc), file="", code=code)


def plural(n: int, noun: str) -> str:
    """'1 cut', '2 cuts': every count the CLI prints."""
    return f"{n} {noun}{'' if n == 1 else 's'}"
