"""A faithful fake of Scenario's Generation API for tests: a real HTTP server on 127.0.0.1 with
the Luma models' validation, jobs that advance over time, uploads, signed downloads of real MP4s,
fault injection (the kinds are listed in `faults.py`) and counters. Use `FakeScenario` directly
or the `fake_scenario` pytest fixture (`pytest_plugins = ["storyboard.testing.pytest_plugin"]`).
"""

from __future__ import annotations

from storyboard.testing.fake import FakeScenario
from storyboard.testing.faults import (
    DEFAULT_FAULT_KINDS,
    FAULT_KINDS,
    TRANSIENT_FAULT_KINDS,
    Fault,
    FaultKind,
)
from storyboard.testing.models import BASE_CU, RESOLUTION_FACTOR, cost_for
from storyboard.testing.server import ROUTE_NAMES
from storyboard.testing.state import Counters, JobSnapshot

__all__ = [
    "BASE_CU",
    "DEFAULT_FAULT_KINDS",
    "FAULT_KINDS",
    "RESOLUTION_FACTOR",
    "ROUTE_NAMES",
    "TRANSIENT_FAULT_KINDS",
    "Counters",
    "FakeScenario",
    "Fault",
    "FaultKind",
    "JobSnapshot",
    "cost_for",
]
