"""`storyboard doctor`: every line ok or a fix; credentials checked against the fake server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from storyboard.cli.main import cli
from storyboard.testing import FakeScenario

pytest_plugins = ["storyboard.testing.pytest_plugin"]


def _doctor(tmp_path: Path) -> tuple[int, list[dict[str, str]], str]:
    r = CliRunner().invoke(cli, ["doctor", "-f", str(tmp_path), "--json"])
    return r.exit_code, json.loads(r.stdout), r.output


def test_doctor_without_credentials_is_ok_and_says_how_to_set_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for var in ("SCENARIO_API_KEY", "SCENARIO_API_SECRET", "SCENARIO_SDK_API_KEY",
                "SCENARIO_SDK_API_SECRET"):
        monkeypatch.delenv(var, raising=False)
    code, checks, _ = _doctor(tmp_path)
    assert code == 0
    by_name = {c["name"]: c for c in checks}
    assert by_name["ffmpeg"]["state"] == "ok" and "version" in by_name["ffmpeg"]["detail"]
    assert by_name["ffprobe"]["state"] == "ok"
    assert "SCENARIO_API_KEY" in by_name["scenario credentials"]["fix"]
    assert by_name["disk"]["state"] in ("ok", "warn")


def test_doctor_accepts_good_credentials_and_flags_bad_ones_without_printing_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_scenario: FakeScenario
) -> None:
    monkeypatch.setenv("SCENARIO_BASE_URL", fake_scenario.base_url)
    monkeypatch.setenv("SCENARIO_API_KEY", "test-key")
    monkeypatch.setenv("SCENARIO_API_SECRET", "test-secret")
    code, checks, _ = _doctor(tmp_path)
    assert code == 0
    assert {c["name"]: c["state"] for c in checks}["scenario credentials"] == "ok"

    monkeypatch.setenv("SCENARIO_API_SECRET", "wrong-secret-d0c70r")
    code, checks, output = _doctor(tmp_path)
    assert code == 1
    cred = {c["name"]: c for c in checks}["scenario credentials"]
    assert cred["state"] == "fail" and cred["fix"]
    assert "wrong-secret-d0c70r" not in output
