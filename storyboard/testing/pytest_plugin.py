"""pytest fixture `fake_scenario`: a started `FakeScenario` per test, stopped afterwards.

Enable with `pytest_plugins = ["storyboard.testing.pytest_plugin"]`. Rendered result clips are
shared across the session so many tests stay fast; a bug inside the fake fails the test.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from storyboard.testing.fake import FakeScenario


@pytest.fixture(scope="session")
def fake_scenario_clip_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fake-scenario-clips")


@pytest.fixture
def fake_scenario(fake_scenario_clip_dir: Path) -> Iterator[FakeScenario]:
    """A running fake with fast defaults (latency 0.05 s, upload import delay 0.01 s)."""
    fake = FakeScenario(latency=0.05, upload_import_delay=0.01, clip_dir=fake_scenario_clip_dir)
    with fake:
        yield fake
        errors = fake.internal_errors
    assert not errors, "the fake Scenario server hit a bug:\n" + "\n".join(errors)
