"""Suite-wide fixtures: the fake Scenario server (`fake_scenario`) for every test folder, and
the order tests are handed to the workers in."""

from __future__ import annotations

import compileall
import os
from pathlib import Path

import pytest

import storyboard

pytest_plugins = ["storyboard.testing.pytest_plugin"]

# The suite runs on several workers (`-n auto --dist worksteal` in pyproject.toml). Each worker
# starts with a slice of the tests in collection order and an idle one takes half of another's
# queue, so the slow ones go first: a minute-long kill test picked up last would hold the whole run
# open, and one picked up first runs beside everything else.
SLOWEST_FIRST = ("tests/acceptance/", "tests/team/", "tests/providers/", "tests/hostile/")


def pytest_configure(config: pytest.Config) -> None:
    """Compile the package's bytecode once, before the workers start: hundreds of tests run
    `python -m storyboard` in a child, and with PYTHONDONTWRITEBYTECODE set (as on some CI
    images) each child compiled every module it imported again, about 0.3 s of CPU a build.
    Python writes the same files itself wherever that variable is unset."""
    if not hasattr(config, "workerinput"):  # the main process, not an xdist worker
        compileall.compile_dir(Path(storyboard.__file__).parent, quiet=2)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def weight(item: pytest.Item) -> int:
        if item.get_closest_marker("e2e") is None:
            return 2
        path = item.nodeid
        return 0 if path.startswith(SLOWEST_FIRST) else 1

    items.sort(key=weight)  # stable: file order within each group


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """Two workers per core for the whole suite, one per core for a lane chosen with `-m`.

    The whole suite's slow tests mostly wait on ffmpeg, a fake server with job latency or a child
    process, so a second worker per core fills that wait. The fast lane (`-m "not e2e"`) is
    short tests that keep a core busy, where each extra worker only adds its own collection.
    """
    # The cores this process may run on (a container's CPU set), not every core of the host.
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (
        os.cpu_count() or 1)
    return cores if config.option.markexpr else min(2 * cores, 8)
