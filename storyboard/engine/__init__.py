"""The engine: node status, the asyncio runner, the submission journal, events.

`status.py` decides cached-or-run for every node (plan, status, why, review and the runner read
it); `runner.py` runs what is not cached; `workspace.py` opens what a project keeps on disk.
"""

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
