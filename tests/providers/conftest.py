"""Fixtures for the Scenario provider tests. The `fake_scenario` fixture itself comes from
storyboard.testing.pytest_plugin, enabled by each test module."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from provider_helpers import KEY, SECRET, Sleeps

from storyboard.media import Ffmpeg
from storyboard.providers.scenario import RetryPolicy, ScenarioClient
from storyboard.testing import FakeScenario


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def client(fake_scenario: FakeScenario, sleeps: Sleeps) -> Iterator[ScenarioClient]:
    c = ScenarioClient(fake_scenario.base_url, KEY, SECRET, sleep=sleeps, timeout=10.0,
                       retry=RetryPolicy(attempts=4), upload_poll=0.01)
    yield c
    asyncio.run(c.aclose())


@pytest.fixture(scope="session")
def ffmpeg() -> Ffmpeg:
    return Ffmpeg()


@pytest.fixture(scope="session")
def media(tmp_path_factory: pytest.TempPathFactory, ffmpeg: Ffmpeg) -> Path:
    """A tiny image and a two-second clip, made once per session."""
    d = tmp_path_factory.mktemp("media")
    ffmpeg.make_test_image(d / "photo.png", 160, 90)
    ffmpeg.make_test_clip(d / "clip.mp4", 2.0, 160, 90)
    return d
