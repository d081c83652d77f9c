"""Fixtures for the review page: the built trailer, its review folder, and Debian's Chromium
(installed with apt-get when missing and we are root, else the browser tests are skipped)."""

from __future__ import annotations

import os
import shutil
import subprocess
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
    if not CHROMIUM.exists():
        if shutil.which("apt-get") is None or os.geteuid() != 0:
            pytest.skip("headless check needs Debian's chromium (/usr/bin/chromium): run "
                        "`apt-get install chromium` as root")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        for argv in (["apt-get", "update"], ["apt-get", "install", "-y", "chromium"]):
            try:
                done = subprocess.run(argv, capture_output=True, text=True, env=env,
                                      timeout=900, check=False)
            except (OSError, subprocess.TimeoutExpired) as exc:
                pytest.skip(f"cannot install chromium ({' '.join(argv)}: {exc})")
            if done.returncode != 0:
                pytest.skip(f"cannot install chromium ({' '.join(argv)} exited "
                            f"{done.returncode}: {done.stderr.strip()[-300:]})")
    if not CHROMIUM.exists():
        pytest.skip("apt-get install chromium did not provide /usr/bin/chromium")
    return CHROMIUM


@pytest.fixture(scope="session")
def takes_built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return three_takes(tmp_path_factory)
