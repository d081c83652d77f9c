"""Fixtures for the acceptance tests: a tiny photo, and the environment that points a
storyboard subprocess at the `fake_scenario` server (the fixture comes from
storyboard.testing.pytest_plugin, enabled by each test module)."""

from __future__ import annotations

from pathlib import Path

import pytest

from storyboard.media import Ffmpeg


@pytest.fixture(scope="session")
def photo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("acceptance-media") / "photo.png"
    Ffmpeg().make_test_image(path, 320, 180, color="orange")
    return path
