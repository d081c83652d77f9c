"""Fixtures for the exports: the trailer built once per session (shared with
tests/review through its helper module) and a copy of it for this folder's tests."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "review"))
from review_helpers import built_trailer, copy_project


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return built_trailer(tmp_path_factory)


@pytest.fixture(scope="module")
def project_dir(built: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_project(built, tmp_path_factory.mktemp("export") / "trailer")
