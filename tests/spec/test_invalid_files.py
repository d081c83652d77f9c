"""Every invalid file in tests/data/invalid/ fails validation with the message its table promises.

The table is tests/data/invalid/expected.yaml: per file, the substrings the error text must hold
(place, shot, field, what is wrong, what to do) and what probing its assets would have said.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import yaml

from storyboard.errors import Problem, SpecError
from storyboard.graph import AssetFacts, graph_of
from storyboard.spec import parse_all

if TYPE_CHECKING:  # annotations only: click's runner is imported where a test uses it
    from click.testing import Result

REPO = Path(__file__).resolve().parents[2]
INVALID = REPO / "tests" / "data" / "invalid"
MakeProject = Callable[[Path], Path]
EXPECTED: dict[str, dict[str, Any]] = yaml.safe_load((INVALID / "expected.yaml").read_text())
FILES = sorted(p.name for p in INVALID.glob("*.yaml") if p.name != "expected.yaml")


def validate(path: Path, facts: dict[str, AssetFacts] | None = None) -> None:
    """What `storyboard validate` does offline, minus probing (facts stand in for it)."""
    graph_of(parse_all(path.read_text("utf-8"), path.name), path.parent, facts=facts)


def facts_of(name: str) -> dict[str, AssetFacts]:
    return {asset: AssetFacts(**f) for asset, f in EXPECTED[name].get("facts", {}).items()}


def test_every_file_has_expectations_and_every_expectation_a_file() -> None:
    assert sorted(EXPECTED) == FILES
    assert len(FILES) >= 34


@pytest.mark.parametrize("name", FILES)
def test_invalid_file_reports_its_problem(name: str, make_project: MakeProject) -> None:
    path = make_project(INVALID / name)
    with pytest.raises(SpecError) as info:
        validate(path, facts_of(name))
    text = str(info.value)
    for part in EXPECTED[name]["expect"]:
        assert part in text, f"{name}: expected {part!r} in:\n{text}"
    assert all(p.file == name for p in info.value.problems)
    assert all(p.hint for p in info.value.problems), text  # each says what to do


def test_three_independent_problems_are_reported_in_one_run(make_project: MakeProject) -> None:
    with pytest.raises(SpecError) as info:
        validate(make_project(INVALID / "three-problems.yaml"))
    fields = [(p.where, p.field) for p in info.value.problems]
    assert fields == [
        ("shot 'dawn'", "camera"),
        ("shot 'leap'", "start_frame"),
        ("cut 'trailer'", "shots[0].trim"),
    ]


@pytest.mark.parametrize(("name", "wrong", "right"), [
    ("flash-duration-7.yaml", "duration: 7", "duration: 9"),
    ("camera-on-ray32.yaml", "prompt:", "model: ray-flash-2\n      prompt:"),
    ("cut-trim-beyond-end.yaml", "[1, 6]", "[1, 5]"),
    ("unquoted-aspect-ratio.yaml", "16:9", '"16:9"'),
])
def test_a_file_is_valid_once_its_one_mistake_is_fixed(
    name: str, wrong: str, right: str, make_project: MakeProject,
) -> None:
    """The fixtures fail for the reason they name, not because of their surroundings."""
    path = make_project(INVALID / name)
    path.write_text(path.read_text().replace(wrong, right))
    validate(path)


# -- the command line --------------------------------------------------------------------------

CLI_FILES = [n for n in FILES if "facts" not in EXPECTED[n]]


def in_project(name: str, tmp_path: Path, real_media: Path) -> Path:
    """The invalid file copied into a project beside the real assets it names."""
    shutil.copytree(real_media, tmp_path / "assets")
    return Path(shutil.copy(INVALID / name, tmp_path / name))


def cli_validate(name: str, tmp_path: Path, real_media: Path, *extra: str) -> Result:
    """`storyboard validate` on that project in process (click's runner)."""
    from click.testing import CliRunner

    from storyboard.cli.main import cli

    path = in_project(name, tmp_path, real_media)
    return CliRunner().invoke(cli, ["validate", "-f", str(path), *extra])


@pytest.mark.parametrize("name", CLI_FILES)
def test_cli_validate_exits_3_without_a_traceback(
    name: str, tmp_path: Path, real_media: Path,
) -> None:
    """In process (click's runner): the same command line, probing the real assets."""
    r = cli_validate(name, tmp_path, real_media)
    assert r.exit_code == 3, r.output
    assert r.exception is None or isinstance(r.exception, SystemExit)
    assert "Traceback" not in r.output
    for part in EXPECTED[name]["expect"]:
        assert part in r.output, f"{name}: expected {part!r} in:\n{r.output}"


@pytest.mark.e2e  # a Python process per file
@pytest.mark.parametrize("name", ["three-problems.yaml", "yaml-syntax.yaml",
                                  "asset-unknown-extension.yaml"])
def test_python_m_storyboard_validate_exits_3_without_a_traceback(
    name: str, tmp_path: Path, real_media: Path,
) -> None:
    """The installed entry point (`python -m storyboard`), errors on stderr."""
    path = in_project(name, tmp_path, real_media)
    proc = subprocess.run(
        [sys.executable, "-m", "storyboard", "validate", "-f", str(path)],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    for part in EXPECTED[name]["expect"]:
        assert part in proc.stderr, f"{name}: expected {part!r} in:\n{proc.stderr}"


# -- the same problems for tools: --json ---------------------------------------------------------

DOCUMENTED_CODES = set(re.findall(r"^\| `([a-z-]+)` \|", (REPO / "docs" / "diagnostics.md")
                                  .read_text("utf-8"), re.M))
SHAPE = {"file", "line", "column", "end_line", "end_column", "severity", "code", "shot", "where",
         "field", "message", "hint"}


def as_text(d: dict[str, Any]) -> str:
    """A JSON diagnostic written as the text line (errors.Problem.__str__) says it."""
    fields = {k: d[k] or "" for k in ("message", "file", "where", "field", "hint", "code")}
    return str(Problem(**fields, line=d["line"], column=d["column"]))


@pytest.mark.parametrize("name", CLI_FILES)
def test_cli_validate_json_gives_every_diagnostic_on_stdout(
    name: str, tmp_path: Path, real_media: Path,
) -> None:
    r = cli_validate(name, tmp_path, real_media, "--json")
    assert r.exit_code == 3, r.output
    doc = json.loads(r.stdout)
    assert doc["valid"] is False
    assert doc["count"] == len(doc["diagnostics"]) + doc["omitted"] >= 1
    lines = [as_text(d) for d in doc["diagnostics"]]
    assert r.stderr.splitlines()[:-1] == lines  # the text is the JSON, line for line
    for d in doc["diagnostics"]:
        assert set(d) == SHAPE
        assert d["code"] in DOCUMENTED_CODES, d
        assert d["severity"] == "error"
        if d["line"] is not None:
            assert (d["end_line"], d["end_column"]) >= (d["line"], d["column"])
    for part in EXPECTED[name]["expect"]:
        assert any(part in line for line in lines), f"{name}: {part!r} not in {lines}"


@pytest.mark.parametrize("name", [n for n in FILES if n not in CLI_FILES])
def test_diagnostics_of_probed_files_have_the_json_shape(
    name: str, make_project: MakeProject,
) -> None:
    """Files that need probing facts are checked in process, through the same `as_dict`."""
    with pytest.raises(SpecError) as info:
        validate(make_project(INVALID / name), facts_of(name))
    dicts = [p.as_dict() for p in info.value.problems]
    assert all(set(d) == SHAPE and d["code"] in DOCUMENTED_CODES for d in dicts), dicts
    assert [as_text(d) for d in dicts] == [str(p) for p in info.value.problems]
