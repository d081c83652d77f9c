"""`storyboard why CUT`, `plan` and `status` on a built film: a cut says which entries, trims,
transitions, music or output settings changed since it was rendered, and a long prompt's
change reads as a word diff, never a cut-off string. The lock records a cut's fields and
stays byte for byte the same when nothing changed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from review_helpers import copy_project

from storyboard.cli.main import cli
from storyboard.project import Project

pytestmark = pytest.mark.e2e  # shares the three-take film (three preview builds)


def sb(*args: str) -> str:
    done = CliRunner().invoke(cli, list(args))
    assert done.exit_code == 0, done.output
    return done.output


def test_why_cut_lists_what_changed_in_it(takes_built: Path, tmp_path: Path) -> None:
    root = copy_project(takes_built, tmp_path / "cut")
    board = root / "storyboard.yaml"
    board.write_text(board.read_text("utf-8").replace(
        "shots: [dawn, {shot: globe, trim: [0, 3], transition: {type: crossfade, duration: 0.5}}]",
        "shots: [dawn, {shot: globe, trim: [0, 2.5], transition: {type: fade, duration: 0.5}},"
        " dawn]\n    fit: crop"), "utf-8")
    lines = sb("why", "main", "-f", str(root)).splitlines()
    assert lines[:3] == ["main: entry 2 globe: trim 0-3 s -> 0-2.5 s",
                         "main: entry 2 globe: transition crossfade 0.5 s -> fade 0.5 s",
                         "main: entry 3 added: dawn"]
    assert lines[3] == "main: frame changed: …at 24 fps, fit [-pad-]{+crop+}"
    assert len(lines) == 4
    data = json.loads(sb("why", "main", "-f", str(root), "--json"))
    trim = data["reasons"][0]
    assert (trim["code"], trim["field"], trim["old"], trim["new"]) == (
        "cut changed", "entries[1].trim", "0-3 s", "0-2.5 s")


def test_why_a_cut_that_did_not_change_and_an_unknown_name(takes_built: Path) -> None:
    assert sb("why", "main", "-f", str(takes_built)) == "main: up to date (cached)\n"
    done = CliRunner().invoke(cli, ["why", "mian", "-f", str(takes_built)])
    assert done.exit_code == 3 and "no shot or cut named 'mian'" in done.output
    assert "main" in done.output


def test_plan_and_status_show_the_whole_prompt_change(takes_built: Path,
                                                      tmp_path: Path) -> None:
    root = copy_project(takes_built, tmp_path / "prompt")
    board = root / "storyboard.yaml"
    board.write_text(board.read_text("utf-8").replace("forest at dawn", "forest at dusk"),
                     "utf-8")
    diff = "prompt changed: …a snowy forest at [-dawn-]{+dusk+}, cinematic, 35mm film, soft…"
    for command in ("why", "plan", "status"):
        args = [command, "dawn"] if command == "why" else [command]
        output = sb(*args, "-f", str(root))
        assert diff in output, (command, output)
        assert "..." not in output
    data = json.loads(sb("status", "-f", str(root), "--json"))
    (reason,) = [r for s in data if s["node"] == "shot:dawn" for r in s["reasons"]]
    assert reason["new"].endswith("at dusk, cinematic, 35mm film, soft winter light")


def test_the_lock_records_the_cut_and_stays_the_same_on_rebuild(takes_built: Path,
                                                                tmp_path: Path) -> None:
    root = copy_project(takes_built, tmp_path / "lock")
    lock = root / "storyboard.lock"
    fields = Project.load(root).ws.lock.nodes["cut:main"].fields
    assert fields["entries"] == [{"clip": "dawn"}, {"clip": "globe", "trim": "0-3 s",
                                                    "transition": "crossfade 0.5 s"}]
    assert fields["frame"] == "960x540 at 24 fps, fit pad"
    before = lock.read_bytes()
    summary = Project.load(root).build(provider="preview")
    assert {r.status for r in summary.results} == {"cached"}
    assert lock.read_bytes() == before
