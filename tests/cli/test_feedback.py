"""Commands that take seconds say what they are doing before they do it: `plan` and `build` on
Scenario upload inputs and price each node with a dry run."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from storyboard.cli.main import cli
from storyboard.testing import FakeScenario

FILM = """version: 1
name: feedback
assets:
  still: assets/still.png
shots:
  dawn: {generate: {prompt: A fox at dawn, start_frame: still}}
  globe: {generate: {prompt: A globe}}
  leap: {generate: {prompt: The fox leaps, start_frame: dawn.last_frame}}
"""


NOTE = ("pricing 2 nodes on scenario (a dry run each; first uploading the 1 input file they "
        "use, unless already uploaded) ...")


def _film(tmp_path: Path, fake: FakeScenario, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in fake.env.items():
        monkeypatch.setenv(name, value)
    (tmp_path / "assets").mkdir()
    shutil.copy(Path(__file__).resolve().parents[2] / "storyboard" / "templates" / "still.png",
                tmp_path / "assets" / "still.png")
    (tmp_path / "storyboard.yaml").write_text(FILM)


@pytest.mark.e2e  # a dry run per node against the fake server
def test_plan_on_scenario_says_what_it_prices_before_pricing(
    tmp_path: Path, fake_scenario: FakeScenario, monkeypatch: pytest.MonkeyPatch,
) -> None:
    _film(tmp_path, fake_scenario, monkeypatch)
    r = CliRunner().invoke(cli, ["plan", "-f", str(tmp_path), "--provider", "scenario"])
    assert r.exit_code == 0, r.output
    # dawn and globe can be priced now; leap waits for dawn's last frame (blocked, not priced)
    assert r.stderr.splitlines()[0] == NOTE
    assert "4 nodes: 2 to run, 2 blocked, 0 cached" in r.stdout  # the frame is a node too


@pytest.mark.e2e  # a paid build against the fake server
def test_a_paid_build_says_what_it_prices_before_its_plan(
    tmp_path: Path, fake_scenario: FakeScenario, monkeypatch: pytest.MonkeyPatch,
) -> None:
    _film(tmp_path, fake_scenario, monkeypatch)
    r = CliRunner().invoke(cli, ["build", "-f", str(tmp_path), "--provider", "scenario",
                                 "--json", "dawn"])
    events = [json.loads(line) for line in r.stdout.splitlines() if line.startswith("{")]
    assert [e["event"] for e in events][:2] == ["note", "plan"], r.output
    assert events[0]["text"] == NOTE.replace("2 nodes", "1 node"), events[0]
