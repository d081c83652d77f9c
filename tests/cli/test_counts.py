"""Counts agree: `validate`, the rows and the last line of `plan`, the live view and the build's
summary count the same nodes in the same words (docs/diagnostics.md, "Words the counts use"),
with plurals right; exit codes come from the one table (2 usage, 3 invalid project or lock)."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from storyboard.cli.main import cli
from storyboard.cli.reporters import PlainReporter, plan_counts
from storyboard.engine import Plan, PlannedNode

# 1 asset (an input, not a node), 3 shots, 1 frame taken from dawn, 1 cut: 5 nodes, of which
# `build` with no targets makes the cut and what it needs (4); globe is in no cut.
FILM = """version: 1
name: counts
assets:
  still: assets/still.png
shots:
  dawn: {generate: {prompt: A fox at dawn, start_frame: still}}
  leap: {generate: {prompt: The fox leaps, start_frame: dawn.last_frame}}
  globe: {generate: {prompt: A globe}}
cuts:
  trailer: {shots: [dawn, leap]}
"""
ONE = ("version: 1\nname: one\nshots:\n  dawn: {generate: {prompt: A}}\n"
       "cuts:\n  t: {shots: [dawn]}\n")


def project(tmp_path: Path, text: str = FILM) -> Path:
    (tmp_path / "assets").mkdir(exist_ok=True)
    shutil.copy(Path(__file__).resolve().parents[2] / "storyboard" / "templates" / "still.png",
                tmp_path / "assets" / "still.png")
    (tmp_path / "storyboard.yaml").write_text(text)
    return tmp_path


def sb(*args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(cli, list(args))
    return r.exit_code, r.stdout, r.stderr


def test_validate_and_plan_count_the_same_nodes(tmp_path: Path) -> None:
    root = project(tmp_path)
    code, out, _ = sb("validate", "-f", str(root))
    assert code == 0 and out.strip().endswith(
        "ok (3 shots, 1 cut, 4 nodes; 1 node outside every cut, built only when named)")
    code, out, _ = sb("plan", "-f", str(root))
    rows, last = out.strip().splitlines()[:-1], out.strip().splitlines()[-1]
    assert code == 0 and len(rows) == 4
    states = [r.split("  ")[0].strip() for r in rows]
    assert last.startswith(f"4 nodes: {states.count('to run')} to run, "
                           f"{states.count('blocked')} blocked, {states.count('cached')} cached;")
    assert states.count("to run") == 1 and states.count("blocked") == 3  # they wait for dawn
    code, out, _ = sb("validate", "-f", str(root), "--json")
    code, plan, _ = sb("plan", "-f", str(root), "--json")
    assert json.loads(out)["nodes"] == len(json.loads(plan)["nodes"]) == 4


def test_plurals_are_right(tmp_path: Path) -> None:
    root = project(tmp_path, ONE)
    code, out, _ = sb("validate", "-f", str(root))
    assert code == 0 and out.strip().endswith("ok (1 shot, 1 cut, 2 nodes)")
    node = PlannedNode("shot:dawn", "dawn", "generate", "ray-3.2", "preview", "to run")
    assert plan_counts(Plan((node,), "preview")) == "1 node: 1 to run, 0 blocked, 0 cached"


@pytest.mark.e2e  # builds with the preview provider (ffmpeg)
def test_the_build_reports_and_summary_count_the_plan_nodes(tmp_path: Path) -> None:
    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg is not on PATH")
    root = project(tmp_path)
    code, out, err = sb("build", "-f", str(root), "--json")
    assert code == 0, err
    events = [json.loads(line) for line in out.splitlines()]
    plan = next(e for e in events if e["event"] == "plan")
    summary = next(e for e in events if e["event"] == "summary")
    assert len(plan["nodes"]) == 4 and summary["done"] == 4
    code, out, _ = sb("plan", "-f", str(root))  # cached frames are rows too
    assert out.strip().splitlines()[-1].startswith("4 nodes: 0 to run, 0 blocked, 4 cached;")
    assert len(out.strip().splitlines()) == 5


def test_the_plain_log_counts_the_plan_in_the_same_words() -> None:
    out = io.StringIO()
    nodes = (PlannedNode("shot:a", "a", "generate", "ray-3.2", "preview", "to run"),
             PlannedNode("frame:a.last", "a.last_frame", "frame", None, "local", "blocked"))
    PlainReporter(out).plan(Plan(nodes, "preview"))
    assert out.getvalue().endswith("plan: 2 nodes: 1 to run, 1 blocked, 0 cached "
                                   "(provider preview)\n")


def test_push_and_pull_without_a_remote_are_usage_errors(tmp_path: Path) -> None:
    root = project(tmp_path)
    for command in ("push", "pull"):
        code, _, err = sb(command, "-f", str(root))
        assert code == 2 and "no remote cache is configured" in err


@pytest.mark.parametrize("damage", ["folder", "conflict"])
def test_a_lock_that_cannot_be_read_is_an_invalid_project(tmp_path: Path, damage: str) -> None:
    root = project(tmp_path)
    lock = root / "storyboard.lock"
    if damage == "folder":
        lock.mkdir()
    else:
        lock.write_text("<<<<<<< HEAD\nnodes: {}\n=======\nnodes: {}\n>>>>>>> theirs\n")
    for command in ("plan", "status"):
        code, _, err = sb(command, "-f", str(root))
        assert code == 3, err
        assert "storyboard.lock" in err and "Traceback" not in err


def test_the_live_view_shows_a_row_per_node_and_ends_on_a_clean_line() -> None:
    from rich.console import Console

    from storyboard.cli.reporters import LiveReporter

    out = io.StringIO()
    live = LiveReporter(Console(file=out, force_terminal=True, width=100))
    nodes = (PlannedNode("shot:a", "a", "generate", "ray-3.2", "preview", "to run"),
             PlannedNode("frame:a.last", "a.last_frame", "frame", None, "local", "blocked"))
    live.plan(Plan(nodes, "preview"))
    assert len(live.rows) == 2  # frames too: the summary counts them
    live.stop()  # what the build command does on Ctrl-C, before "interrupted: ..."
    live.stop()  # and again after the summary: harmless
    assert live.live is None and out.getvalue().replace("\x1b[?25h", "").endswith("\n")
    assert "0/2" in out.getvalue()
