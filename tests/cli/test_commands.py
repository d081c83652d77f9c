"""`build --fail-fast`, `why`, and plan/status/why after a build with a provider of one's own
whose `name` is not the string that loads it; one event loop and one open/close per build.

The provider is tests/engine/standin.py (no ffmpeg, no network), loaded as the README says.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from storyboard.cli.main import cli
from storyboard.project import Project

ENGINE_TESTS = Path(__file__).resolve().parents[1] / "engine"
FILM = """
version: 1
name: cli-film
defaults:
  generate: {model: ray-flash-2, resolution: 540p}
shots:
  a: {generate: {prompt: A fox at dawn}}
  s: {generate: {prompt: SLOW river AFTER-FAIL}}
  t: {edit: {source: s, prompt: Paint it}}
"""


@pytest.fixture(autouse=True)
def plugin_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(ENGINE_TESTS))  # `--provider standin:make` imports it


@pytest.fixture
def film(tmp_path: Path) -> Path:
    (tmp_path / "storyboard.yaml").write_text(textwrap.dedent(FILM))
    return tmp_path


def sb(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def test_fail_fast_stops_what_has_not_started_and_exits_1(film: Path) -> None:
    f = film / "storyboard.yaml"
    f.write_text(f.read_text().replace("A fox at dawn", "FAIL at dawn"))
    r = sb("build", "-f", str(film), "--provider", "standin:make", "--fail-fast", "--jobs", "2",
           "--json")
    assert r.exit_code == 1, r.output
    done = {e["label"]: e for e in map(json.loads, r.output.splitlines()) if e["event"] == "done"}
    assert done["a"]["status"] == "failed"
    assert done["s"]["status"] == "done"  # it was running: finished and kept
    assert (done["t"]["status"], done["t"]["error"]) == ("skipped",
                                                         "stopped after a failure (--fail-fast)")
    keep = sb("build", "-f", str(film), "--provider", "standin:make", "--json")
    assert keep.exit_code == 1  # `a` still fails, but by default the rest goes on
    statuses = {e["label"]: e.get("status", e["event"])
                for e in map(json.loads, keep.output.splitlines())
                if e["event"] in ("done", "cached")}
    assert statuses == {"a": "failed", "s": "cached", "t": "done"}


def test_why_names_each_change_with_old_and_new_values(film: Path) -> None:
    r = sb("why", "a", "-f", str(film), "--provider", "standin:make")
    assert (r.exit_code, r.output) == (0, "a: new: never built\n")
    assert sb("build", "-f", str(film), "--provider", "standin:make").exit_code == 0
    r = sb("why", "a", "-f", str(film), "--provider", "standin:make")
    assert (r.exit_code, r.output) == (0, "a: up to date (cached)\n")
    f = film / "storyboard.yaml"
    f.write_text(f.read_text().replace("A fox at dawn", "A fox at dusk"))
    r = sb("why", "a", "-f", str(film), "--provider", "standin:make")
    assert r.output == "a: prompt changed: 'A fox at dawn' -> 'A fox at dusk'\n"
    data = json.loads(sb("why", "a", "-f", str(film), "--provider", "standin:make",
                         "--json").output)
    assert (data["status"], data["reasons"][0]["old"], data["reasons"][0]["new"]) == (
        "to run", "A fox at dawn", "A fox at dusk")


def test_why_an_unknown_shot_is_an_invalid_project_with_a_suggestion(film: Path) -> None:
    r = sb("why", "tt", "-f", str(film))
    assert r.exit_code == 3
    # `why` explains cuts too, so the message names both kinds of target.
    assert "no shot or cut named 'tt'" in r.output and "did you mean 't'?" in r.output


def test_a_plugin_named_otherwise_is_cached_in_plan_status_and_why(film: Path) -> None:
    """Keys use the provider's `name` ("stand-in"), not `--provider standin:make`."""
    assert sb("build", "-f", str(film), "--provider", "standin:make").exit_code == 0
    plan = sb("plan", "-f", str(film), "--provider", "standin:make", "--json")
    assert [n["status"] for n in json.loads(plan.output)["nodes"]] == ["cached"] * 3
    status = sb("status", "-f", str(film), "--provider", "standin:make")
    assert status.output.splitlines()[-1] == "0 stale, 3 up to date"
    why = sb("why", "t", "-f", str(film), "--provider", "standin:make")
    assert why.output == "t: up to date (cached)\n"
    lock = Project.load(film).ws.lock
    assert {r.provider for r in lock.nodes.values()} == {"stand-in"}


def test_one_event_loop_and_one_open_close_per_build(film: Path) -> None:
    from standin import StandIn

    provider = StandIn(paid=True)
    summary = Project.load(film).build(provider_obj=provider)
    assert not summary.failed
    assert (provider.opened, provider.closed) == (1, 1)
    assert len(provider.loops) == 1  # prices, submissions, polls and downloads: one loop
    assert sorted(provider.estimated) == ["shot:a", "shot:s", "shot:t"]  # priced, same loop


def test_a_plugin_that_is_not_a_provider_is_refused_clearly(film: Path, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch
                                                            ) -> None:
    (tmp_path / "notaprovider.py").write_text("def make(project):\n    return object()\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    r = sb("plan", "-f", str(film), "--provider", "notaprovider:make")
    assert r.exit_code == 3
    assert "gave a object, which is not a provider" in r.output
    assert "storyboard.providers.BaseProvider" in r.output
