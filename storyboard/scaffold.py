"""`storyboard init`: a small project that validates and builds offline as it is written."""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path

from storyboard.errors import ProjectError
from storyboard.spec.schema_export import storyboard_schema

# Editors read the schema from the project's working folder; init writes it there.
SCHEMA_PATH = ".storyboard/storyboard.schema.json"

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

GITIGNORE = ".storyboard/\nrenders/\n"


def init_project(directory: Path, name: str | None = None) -> list[Path]:
    """Write storyboard.yaml, assets/still.png and .gitignore; refuse to overwrite."""
    directory.mkdir(parents=True, exist_ok=True)
    file = directory / "storyboard.yaml"
    if file.exists():
        raise ProjectError(f"{file} already exists; init writes new projects only "
                           "(choose another folder)")
    name = name or re.sub(r"[^A-Za-z0-9_-]+", "-", directory.resolve().name).strip("-") or "film"
    file.write_text(TEMPLATE.format(schema=SCHEMA_PATH, name=name), "utf-8")
    written = [file]
    still = directory / "assets" / "still.png"
    if not still.exists():
        still.parent.mkdir(parents=True, exist_ok=True)
        still.write_bytes(resources.files("storyboard.templates").joinpath("still.png")
                          .read_bytes())
        written.append(still)
    schema = directory / SCHEMA_PATH
    schema.parent.mkdir(parents=True, exist_ok=True)
    schema.write_text(json.dumps(storyboard_schema(), indent=2) + "\n", "utf-8")
    ignore = directory / ".gitignore"
    if not ignore.exists():
        ignore.write_text(GITIGNORE, "utf-8")
        written.append(ignore)
    return written
