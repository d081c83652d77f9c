"""A cloned project's `.env` is untrusted: it may not send the user's credentials to a host it
chose, a base URL must be https or loopback, a broken `.env` is a located error, and `doctor`
says where each setting came from. Through the real CLI, in a child process."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from storyboard.errors import CredentialsError
from storyboard.settings import Settings
from storyboard.testing import FakeScenario
from tests.hostile.untrusted import Untouched, cli, project

pytest_plugins = ["storyboard.testing.pytest_plugin"]

SHOT = "shots:\n  s:\n    generate: {prompt: a lighthouse at dawn}\n"
USER = {"SCENARIO_API_KEY": "users-own-key", "SCENARIO_API_SECRET": "users-own-secret-5e3"}


class Attacker:
    """A loopback HTTP server that records every request it receives (and answers 200)."""

    def __init__(self) -> None:
        self.seen: list[str] = []
        seen = self.seen

        class Handler(BaseHTTPRequestHandler):
            def _any(self) -> None:
                seen.append(f"{self.command} {self.path} {self.headers.get('Authorization')}")
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b"{}")

            do_GET = do_POST = do_PUT = _any

            def log_message(self, *_args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def attacker() -> Iterator[Attacker]:
    a = Attacker()
    yield a
    a.stop()


# Each case runs the CLI in a child process (about a second): one stays in the fast lane.
E2E = pytest.mark.e2e


@pytest.mark.parametrize("command", ["plan", pytest.param("build", marks=E2E)])
def test_project_env_base_url_never_receives_the_users_credentials(
    tmp_path: Path, attacker: Attacker, command: str
) -> None:
    root = project(tmp_path, SHOT, with_image=False)
    (root / ".env").write_text(f"SCENARIO_BASE_URL={attacker.url}\n", "utf-8")
    before = Untouched(root)
    ran = cli(root, command, "--provider", "scenario", env=USER)
    assert ran.code == 3, ran.out
    assert ".env sets SCENARIO_BASE_URL to '127.0.0.1'" in ran.out
    assert "come from your environment" in ran.out
    assert attacker.seen == []
    assert "users-own-secret-5e3" not in ran.out
    before.check()


@E2E
def test_plain_http_to_another_machine_is_refused_before_any_connection(tmp_path: Path) -> None:
    # `.invalid` never resolves: reaching the network would fail differently (and slowly).
    root = project(tmp_path, SHOT, with_image=False)
    env = {**USER, "SCENARIO_BASE_URL": "http://api.attacker.invalid/v1"}
    ran = cli(root, "plan", "--provider", "scenario", env=env)
    assert ran.code == 3, ran.out
    assert "plain http to 'api.attacker.invalid'" in ran.out and "https" in ran.out
    ran = cli(root, "plan", "--provider", "scenario",
              env={**USER, "SCENARIO_BASE_URL": "ftp://127.0.0.1/v1"})
    assert ran.code == 3 and "not an https URL" in ran.out, ran.out


@E2E
def test_a_project_may_use_its_own_host_with_its_own_credentials(
    tmp_path: Path, fake_scenario: FakeScenario
) -> None:
    root = project(tmp_path, SHOT, with_image=False)
    (root / ".env").write_text(f"SCENARIO_BASE_URL={fake_scenario.base_url}\n"
                               "SCENARIO_API_KEY=test-key\nSCENARIO_API_SECRET=test-secret\n",
                               "utf-8")
    ran = cli(root, "plan", "--provider", "scenario", env={})
    assert ran.code == 0, ran.out
    assert sum(fake_scenario.counters.requests.values()) > 0


@E2E
def test_doctor_names_where_each_setting_came_from(tmp_path: Path, attacker: Attacker) -> None:
    root = project(tmp_path, SHOT, with_image=False)
    (root / ".env").write_text(f"SCENARIO_BASE_URL={attacker.url}\n"
                               "STORYBOARD_POLL_INTERVAL=5\n", "utf-8")
    ran = cli(root, "doctor", "--json", env=USER)
    checks = {c["name"]: c for c in json.loads(ran.out[ran.out.index("["):])}
    said = checks["settings"]["detail"]
    assert f"SCENARIO_BASE_URL {attacker.url} (project .env)" in said
    assert "SCENARIO_API_KEY set (environment)" in said
    assert "STORYBOARD_POLL_INTERVAL set (project .env)" in said
    assert "users-own" not in ran.out
    assert checks["scenario credentials"]["state"] == "fail"
    assert attacker.seen == []


BAD_ENV = {
    "bytes that are not UTF-8": (b"SCENARIO_API_KEY=k\nA=\xff\xfe\n", ".env:2: not UTF-8"),
    "a NUL": (b"A=1\x00\n", ".env:1: contains a NUL"),
    "a bad poll interval": (b"STORYBOARD_POLL_INTERVAL=-1\n",
                            "STORYBOARD_POLL_INTERVAL in "),
    "a poll interval that is not a number": (b"STORYBOARD_POLL_INTERVAL=soon\n",
                                             "STORYBOARD_POLL_INTERVAL in "),
    "a huge file": (b"A=" + b"x" * (128 * 1024) + b"\n", "larger than"),
}


@E2E
@pytest.mark.parametrize("case", sorted(BAD_ENV))
def test_a_broken_env_file_is_a_located_error(tmp_path: Path, case: str) -> None:
    data, said = BAD_ENV[case]
    root = project(tmp_path, SHOT, with_image=False)
    (root / ".env").write_bytes(data)
    ran = cli(root, "plan", "--provider", "scenario", env=USER)
    assert ran.code == 3, ran.out
    assert said in ran.out


@E2E
def test_an_env_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    root = project(tmp_path, SHOT, with_image=False)
    os.mkfifo(root / ".env")
    ran = cli(root, "plan", "--provider", "scenario", env=USER, timeout=60)
    assert ran.code == 3 and "FIFO" in ran.out, ran.out


@pytest.mark.parametrize(("url", "ok"), [
    ("https://api.cloud.scenario.com/v1", True), ("https://mirror.example/v1", True),
    ("http://127.0.0.1:8080/v1", True), ("http://localhost:9/v1", True),
    ("http://[::1]:9/v1", True), ("http://10.0.0.1/v1", False),
    ("http://mirror.example/v1", False), ("file:///etc/passwd", False), ("https:///x", False),
])
def test_base_urls_from_the_environment_need_https_or_loopback(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, url: str, ok: bool
) -> None:
    for k, v in {**USER, "SCENARIO_BASE_URL": url}.items():
        monkeypatch.setenv(k, v)
    settings = Settings.load(tmp_path)
    assert settings.sources["SCENARIO_BASE_URL"] == "environment"
    if ok:
        assert settings.credentials() == ("users-own-key", "users-own-secret-5e3")
    else:
        with pytest.raises(CredentialsError, match="https"):
            settings.credentials()
