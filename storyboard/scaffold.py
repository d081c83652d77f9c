"""`storyboard init`: a small project that validates and builds offline as it is written."""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path

from storyboard.errors import ProjectError
from storyboard.spec.schema_export import storyboard_schema

# Editors read the schema from the project; init writes it beside the file, where it is
# committed with it, so a fresh clone completes and checks fields too (`.storyboard/` is
# git-ignored, and a path into the installed package differs from machine to machine).
SCHEMA_PATH = "storyboard.schema.json"
# What a folder may already hold for init to call it empty: a fresh `git init`, a Finder file.
HOUSEKEEPING = frozenset({".git", ".gitignore", ".gitattributes", ".DS_Store"})

TEMPLATE = """\
# yaml-language-server: $schema={schema}
version: 1
name: {name}

defaults:
  generate: {{model: ray-3.2, aspect_ratio: "16:9", resolution: 720p}}
  style: "cinematic, soft morning light"

assets:
  still: assets/still.png

shots:
  opening:
    generate:
      prompt: A lighthouse on a cliff at sunrise, waves rolling in
      start_frame: still
      duration: 5
  closer:
    generate:
      prompt: The camera drifts toward the lighthouse lamp as it turns
      start_frame: opening.last_frame
      duration: 5

cuts:
  main:
    shots:
      - opening
      - {{shot: closer, transition: {{type: crossfade, duration: 0.5}}}}
"""

# `.env` holds the Scenario secret: `git add -A` must never commit it.
GITIGNORE = (".env", ".storyboard/", "renders/")


def init_project(directory: Path, name: str | None = None, *,
                 force: bool = False) -> list[Path]:
    """Write storyboard.yaml, its schema, assets/still.png and .gitignore lines. Refuse a
    folder that holds anything else unless `force`; never overwrite storyboard.yaml."""
    file = directory / "storyboard.yaml"
    if file.exists():
        raise ProjectError(f"{file} already exists; init writes new projects only "
                           "(choose another folder, or remove that file first)")
    if directory.is_dir():
        others = sorted(p.name for p in directory.iterdir() if p.name not in HOUSEKEEPING)
        if others and not force:
            shown = ", ".join(others[:5]) + (", ..." if len(others) > 5 else "")
            raise ProjectError(f"{directory} is not empty ({shown}); init writes new projects "
                               "into an empty folder (name a new folder, such as "
                               "`storyboard init film`, or add --force to write here anyway)")
    elif directory.exists():
        raise ProjectError(f"{directory} is a file, not a folder (name a folder for the project)")
    directory.mkdir(parents=True, exist_ok=True)
    name = name or re.sub(r"[^A-Za-z0-9_-]+", "-", directory.resolve().name).strip("-") or "film"
    file.write_text(TEMPLATE.format(schema=SCHEMA_PATH, name=name), "utf-8")
    written = [file]
    schema = directory / SCHEMA_PATH
    schema.write_text(json.dumps(storyboard_schema(), indent=2) + "\n", "utf-8")
    written.append(schema)
    still = directory / "assets" / "still.png"
    if not still.exists():
        still.parent.mkdir(parents=True, exist_ok=True)
        still.write_bytes(resources.files("storyboard.templates").joinpath("still.png")
                          .read_bytes())
        written.append(still)
    if _ignore(directory / ".gitignore"):
        written.append(directory / ".gitignore")
    return written


def _ignore(path: Path) -> bool:
    """Add the lines of GITIGNORE that `path` lacks, keeping what it holds; True if written."""
    text = path.read_text("utf-8", errors="replace") if path.is_file() else ""
    have = {line.strip().rstrip("/") for line in text.splitlines()}
    missing = [line for line in GITIGNORE if line.rstrip("/") not in have]
    if not missing:
        return False
    if text and not text.endswith("\n"):
        text += "\n"
    path.write_text(text + "".join(f"{line}\n" for line in missing), "utf-8")
    return True
