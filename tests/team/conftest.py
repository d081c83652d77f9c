"""Fixtures for projects in git and in teams: real git repositories in tmp, the fake Scenario
server, folder remotes and a real S3 API (moto's server) on loopback."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from storyboard.testing import FakeScenario


@pytest.fixture
def scenario_env(fake_scenario: FakeScenario, monkeypatch: pytest.MonkeyPatch) -> FakeScenario:
    """The fake Scenario server, with the environment a paid build needs pointing at it."""
    for name, value in fake_scenario.env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("STORYBOARD_POLL_INTERVAL", "0.05")
    monkeypatch.delenv("STORYBOARD_REMOTE", raising=False)
    return fake_scenario


@pytest.fixture(autouse=True)
def _no_ambient_remote(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("STORYBOARD_REMOTE", raising=False)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """A real S3 API (moto in server mode) on 127.0.0.1, for the session."""
    try:
        import s3fs  # noqa: F401
        from moto.server import ThreadedMotoServer
    except ImportError as exc:  # the reason shows in the skip line
        pytest.skip(f"S3 remote tests need moto[server] and s3fs: {exc}")
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3_bucket(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
              ) -> str:
    """A fresh bucket on the loopback S3 server; the environment points s3:// URLs at it."""
    import boto3

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("STORYBOARD_S3_ENDPOINT", moto_endpoint)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    name = "films-" + str(abs(hash(request.node.nodeid)) % 10**8)
    boto3.client("s3", endpoint_url=moto_endpoint, region_name="us-east-1").create_bucket(
        Bucket=name)
    return name


