"""The engine: node status, the asyncio runner, the submission journal, events.

`status.py` decides cached-or-run for every node (plan, status, why, review and the runner read
it); `runner.py` runs what is not cached; `workspace.py` opens what a project keeps on disk.
Names load on first use, so a command that never runs anything (validate, plan) does not
import the runner, asyncio or the providers.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from storyboard.engine.events import (
        NodeResult,
        Plan,
        PlannedNode,
        RecordingReporter,
        Reporter,
        Summary,
    )
    from storyboard.engine.journal import Journal
    from storyboard.engine.paid import RateLimits
    from storyboard.engine.runner import Engine
    from storyboard.engine.status import NodeStatus, Statuses, node_request_key
    from storyboard.engine.workspace import Workspace

_HOMES = {
    "Engine": "runner", "Journal": "journal", "NodeResult": "events", "NodeStatus": "status",
    "Plan": "events", "PlannedNode": "events", "RateLimits": "paid",
    "RecordingReporter": "events",
    "Reporter": "events", "Statuses": "status", "Summary": "events", "Workspace": "workspace",
    "node_request_key": "status",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value: Any = vars(importlib.import_module(f"{__name__}.{home}"))[name]
    globals()[name] = value  # the next lookup is a plain attribute
    return value


__all__ = [
    "Engine",
    "Journal",
    "NodeResult",
    "NodeStatus",
    "Plan",
    "PlannedNode",
    "RateLimits",
    "RecordingReporter",
    "Reporter",
    "Statuses",
    "Summary",
    "Workspace",
    "node_request_key",
]
