"""The engine: runs a plan with asyncio, journals paid submissions, reports events."""

from storyboard.engine.events import (
    NodeResult,
    Plan,
    PlannedNode,
    RecordingReporter,
    Reporter,
    Summary,
)
from storyboard.engine.journal import Journal
from storyboard.engine.runner import Engine, Workspace, node_request_key

__all__ = [
    "Engine",
    "Journal",
    "NodeResult",
    "Plan",
    "PlannedNode",
    "RecordingReporter",
    "Reporter",
    "Summary",
    "Workspace",
    "node_request_key",
]
