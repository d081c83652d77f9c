"""The generated files under `schemas/`: the storyboard file's JSON Schema and the model catalogue.

Editors validate storyboard.yaml against the schema (the `$schema` comment `storyboard init`
writes); the catalogue is exported for tools that do not read Python. Both come from code
(`spec.models`, `catalogue/luma-models.json`); a test fails when the committed files are stale.
Run `python -m storyboard.spec.schema_export [DIR]` to regenerate them.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from storyboard.spec.models import Storyboard

SCHEMA_FILE = "storyboard.schema.json"
CATALOGUE_FILE = "luma-models.json"
SCHEMA_ID = "urn:storyboard:schema:storyboard-file:1"
# pydantic keeps a constraint it cannot push into a union under its own pydantic name; JSON
# Schema applies these keywords to numbers only, so beside an anyOf they mean what pydantic meant.
_CONSTRAINTS = {"gt": "exclusiveMinimum", "ge": "minimum", "lt": "exclusiveMaximum",
                "le": "maximum"}


def storyboard_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of a storyboard file, format version 1."""
    schema = _as_validated(Storyboard.model_json_schema())
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        **schema,
        "title": "storyboard.yaml (format version 1)",
    }


def catalogue_export() -> dict[str, Any]:
    """The Luma model catalogue as the package loads it, defaults filled in."""
    # Imported here: spec sits below catalogue (which imports spec), and only this export
    # looks upward.
    from storyboard.catalogue import load_catalogue

    return load_catalogue().model_dump(mode="json")


def dumps(data: dict[str, Any]) -> str:
    """The committed form: sorted keys, two-space indent, a trailing newline."""
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def generated() -> dict[str, str]:
    """File name -> the text `write_schemas` writes."""
    return {SCHEMA_FILE: dumps(storyboard_schema()), CATALOGUE_FILE: dumps(catalogue_export())}


def write_schemas(directory: Path) -> list[Path]:
    """Write both files into `directory` (created if needed); return their paths."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in generated().items():
        path = directory / name
        path.write_text(text, "utf-8")
        written.append(path)
    return written


def _as_validated(node: Any) -> Any:
    """Make the schema refuse what the models refuse: constraints on unions, and names (keys of
    shots, assets, cuts, profiles) that do not match their pattern."""
    if isinstance(node, list):
        return [_as_validated(v) for v in node]
    if not isinstance(node, dict):
        return node
    fixed = {k: _as_validated(v) for k, v in node.items()}
    if "anyOf" in fixed:
        for ours, theirs in _CONSTRAINTS.items():
            if ours in fixed:
                fixed[theirs] = fixed.pop(ours)
    if "patternProperties" in fixed and "additionalProperties" not in fixed:
        fixed["additionalProperties"] = False
    return fixed


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) > 1 or (args and args[0].startswith("-")):
        print("usage: python -m storyboard.spec.schema_export [DIR]  (default: schemas)",
              file=sys.stderr)
        return 2
    for path in write_schemas(Path(args[0] if args else "schemas")):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
