"""What every command does the same way: load the project (warnings to stderr), print JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from storyboard.project import Project


def load_project(file: Path, profile: str | None = None, remote: str | None = None) -> Project:
    return Project.load(file, profile=profile, remote=remote,
                        warn=lambda m: click.echo(f"warning: {m}", err=True))


def echo_json(data: Any, *, indent: int | None = 2) -> None:
    click.echo(json.dumps(data, indent=indent, ensure_ascii=False, default=str))
