"""`storyboard init` writes a project that validates, builds, and refuses to overwrite."""

from __future__ import annotations

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
    assert text.startswith("# yaml-language-server: $schema=")
    assert (root / ".storyboard" / "storyboard.schema.json").is_file()
    assert ".storyboard/" in (root / ".gitignore").read_text()
    assert runner.invoke(cli, ["validate", "-f", str(root)]).exit_code == 0
    r = runner.invoke(cli, ["build", "-f", str(root)])
    assert r.exit_code == 0, r.output
    assert (root / "renders" / "main.mp4").is_file()


def test_init_refuses_to_overwrite(tmp_path: Path) -> None:
    (tmp_path / "storyboard.yaml").write_text("version: 1\n")
    r = CliRunner().invoke(cli, ["init", str(tmp_path)])
    assert r.exit_code == 3
    assert "already exists" in r.output
    assert (tmp_path / "storyboard.yaml").read_text() == "version: 1\n"
