"""schemas/ holds exactly what the code generates, and the schema accepts the language document's
example while refusing the shape mistakes an editor should underline.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from storyboard.catalogue import Catalogue, load_catalogue
from storyboard.spec import schema_export
from storyboard.spec.schema_export import (
    CATALOGUE_FILE,
    SCHEMA_FILE,
    catalogue_export,
    generated,
    storyboard_schema,
    write_schemas,
)

REPO = Path(__file__).resolve().parents[2]
SCHEMAS = REPO / "schemas"
DATA = REPO / "tests" / "data"
REGENERATE = "run `python -m storyboard.spec.schema_export` and commit schemas/"


@pytest.mark.parametrize("name", [SCHEMA_FILE, CATALOGUE_FILE])
def test_committed_schema_files_are_up_to_date(name: str) -> None:
    committed = SCHEMAS / name
    assert committed.is_file(), f"schemas/{name} is missing: {REGENERATE}"
    assert committed.read_text("utf-8") == generated()[name], (
        f"schemas/{name} differs from what the code generates: {REGENERATE}")


def test_files_are_sorted_indented_and_end_with_a_newline(tmp_path: Path) -> None:
    for path in write_schemas(tmp_path / "out"):
        text = path.read_text("utf-8")
        assert text.endswith("}\n") and not text.endswith("\n\n")
        assert text == json.dumps(json.loads(text), indent=2, sort_keys=True,
                                  ensure_ascii=False) + "\n"


def test_module_runs_as_a_script_into_a_folder(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    assert schema_export.main([str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [CATALOGUE_FILE, SCHEMA_FILE]
    assert "wrote" in capsys.readouterr().out
    assert schema_export.main(["a", "b"]) == 2


def test_schema_header() -> None:
    schema = storyboard_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] and schema["title"].startswith("storyboard.yaml")
    assert set(schema["required"]) == {"version", "name", "shots"}


def test_catalogue_export_round_trips_to_the_loaded_catalogue() -> None:
    exported = catalogue_export()
    assert Catalogue.model_validate(exported) == load_catalogue()
    assert [m["id"] for m in exported["models"]] == [m.id for m in load_catalogue().models]


# -- the schema against real files -----------------------------------------------------------

@pytest.fixture(scope="module")
def validator() -> Any:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((SCHEMAS / SCHEMA_FILE).read_text("utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_the_complete_example_is_valid_against_the_schema(validator: Any) -> None:
    example = yaml.safe_load((DATA / "valid" / "language-example.yaml").read_text("utf-8"))
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(example)]
    assert errors == []


def test_schema_accepts_every_written_form_of_the_language(validator: Any) -> None:
    """A shot as one node or a list of steps, a cut entry as a name or a mapping, "5s"."""
    doc = {
        "version": 1, "name": "forms",
        "shots": {"a": {"generate": {"prompt": "p", "duration": "5s"}},
                  "b": [{"generate": {"prompt": "p", "duration": 5}}, {"edit": {"prompt": "q"}}]},
        "cuts": {"c": {"shots": ["a", {"shot": "b", "trim": ["0.5s", 4]}]}},
    }
    assert list(validator.iter_errors(doc)) == []


@pytest.mark.parametrize("name", [
    "unknown-node-key.yaml", "unknown-top-level-key.yaml", "bad-shot-name.yaml",
    "bad-strength.yaml", "unquoted-aspect-ratio.yaml", "bad-project-name.yaml",
])
def test_schema_refuses_shape_mistakes(validator: Any, name: str) -> None:
    doc = yaml.safe_load((DATA / "invalid" / name).read_text("utf-8"))
    assert list(validator.iter_errors(doc)), f"the schema accepts {name}"
