"""`storyboard init` writes a project that validates, builds, and refuses to overwrite."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from storyboard.cli.main import cli


@pytest.mark.e2e
def test_init_project_validates_and_builds(tmp_path: Path) -> None:
    runner = CliRunner()
    r = runner.invoke(cli, ["init", str(tmp_path / "film")])
    assert r.exit_code == 0, r.output
    root = tmp_path / "film"
    text = (root / "storyboard.yaml").read_text()
    assert text.startswith("# yaml-language-server: $schema=storyboard.schema.json\n")
    assert (root / "storyboard.schema.json").is_file()
    assert ".storyboard/" in (root / ".gitignore").read_text()
    assert runner.invoke(cli, ["validate", "-f", str(root)]).exit_code == 0
    r = runner.invoke(cli, ["build", "-f", str(root)])
    assert r.exit_code == 0, r.output
    assert (root / "renders" / "main.mp4").is_file()


def test_init_refuses_to_overwrite(tmp_path: Path) -> None:
    (tmp_path / "storyboard.yaml").write_text("version: 1\n")
    for force in ([], ["--force"]):
        r = CliRunner().invoke(cli, ["init", str(tmp_path), *force])
        assert r.exit_code == 3
        assert "already exists" in r.output
        assert (tmp_path / "storyboard.yaml").read_text() == "version: 1\n"


def test_init_refuses_a_folder_with_files_unless_forced(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine\n")
    r = CliRunner().invoke(cli, ["init", str(tmp_path)])
    assert r.exit_code == 3, r.output
    assert "is not empty (notes.txt)" in r.output and "--force" in r.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]
    r = CliRunner().invoke(cli, ["init", str(tmp_path), "--force"])
    assert r.exit_code == 0, r.output
    assert (tmp_path / "storyboard.yaml").is_file()
    assert (tmp_path / "notes.txt").read_text() == "mine\n"


def test_a_fresh_git_folder_counts_as_empty_and_its_gitignore_is_kept(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / ".gitignore").write_text("*.log\nrenders")  # no newline at the end
    r = CliRunner().invoke(cli, ["init", str(tmp_path)])
    assert r.exit_code == 0, r.output
    lines = (tmp_path / ".gitignore").read_text().splitlines()
    assert lines == ["*.log", "renders", ".env", ".storyboard/"]


def test_the_gitignore_keeps_the_secret_out_of_git(tmp_path: Path) -> None:
    assert CliRunner().invoke(cli, ["init", str(tmp_path / "film")]).exit_code == 0
    lines = (tmp_path / "film" / ".gitignore").read_text().splitlines()
    assert ".env" in lines and ".storyboard/" in lines and "renders/" in lines


def test_the_schema_reference_survives_a_clone(tmp_path: Path) -> None:
    """Only what git would commit is copied: the schema line must still name a file."""
    assert CliRunner().invoke(cli, ["init", str(tmp_path / "film")]).exit_code == 0
    root, clone = tmp_path / "film", tmp_path / "clone"
    ignored = {line.rstrip("/") for line in (root / ".gitignore").read_text().splitlines()}
    shutil.copytree(root, clone, ignore=lambda _d, names: [n for n in names if n in ignored])
    first = (clone / "storyboard.yaml").read_text().splitlines()[0]
    target = clone / first.split("$schema=", 1)[1]
    assert json.loads(target.read_text())["title"].startswith("storyboard.yaml")
    assert CliRunner().invoke(cli, ["validate", "-f", str(clone)]).exit_code == 0
