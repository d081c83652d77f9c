"""Fixtures for the fake Scenario tests (the `fake_scenario` fixture itself comes from
storyboard.testing.pytest_plugin, enabled by each test module)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from scenario_helpers import ManualClock, client_for

from storyboard.testing import FakeScenario
from storyboard.testing.clips import ClipCache


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def api(fake_scenario: FakeScenario) -> Iterator[httpx.Client]:
    with client_for(fake_scenario) as c:
        yield c


@pytest.fixture(scope="session")
def clip_cache(tmp_path_factory: pytest.TempPathFactory) -> ClipCache:
    """Input videos for upload tests, rendered once per session."""
    return ClipCache(tmp_path_factory.mktemp("input-clips"))
