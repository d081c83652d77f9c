"""Fixtures for the review page: the built trailer, its review folder, and Debian's Chromium
(`.ci/run` installs it; without it the browser tests are skipped and say why)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from review_helpers import built_trailer, copy_project, three_takes

from storyboard.project import Project
from storyboard.review import write_review

CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return built_trailer(tmp_path_factory)


@pytest.fixture(scope="module")
def project_dir(built: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_project(built, tmp_path_factory.mktemp("review") / "trailer")


@pytest.fixture(scope="module")
def page(project_dir: Path) -> Path:
    """The review page of the built trailer, with a contact sheet."""
    return write_review(Project.load(project_dir), project_dir / "renders" / "review",
                        contact_sheet=True)


@pytest.fixture(scope="session")
def chromium() -> Path:
    """Never installed from here: a test does not install system software."""
    found = CHROMIUM if CHROMIUM.exists() else None
    other = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None and other is None:
        pytest.skip("headless check needs Chromium (/usr/bin/chromium): `.ci/run` installs it "
                    "(apt-get install chromium, as root)")
    return found or Path(str(other))


@pytest.fixture(scope="session")
def takes_built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return three_takes(tmp_path_factory)
