"""One table from outcomes to exit codes (cli.md): 0 ok, 1 nodes failed, 2 usage,
3 invalid project, 4 budget refused, 130 interrupted."""

from __future__ import annotations

from storyboard.errors import BudgetError, BusyError, ProjectError, StoryboardError

OK = 0
FAILED = 1
USAGE = 2
INVALID = 3
BUDGET = 4
INTERRUPTED = 130


def code_for(exc: BaseException) -> int:
    if isinstance(exc, KeyboardInterrupt):
        return INTERRUPTED
    if isinstance(exc, BudgetError):
        return BUDGET
    if isinstance(exc, ProjectError):
        return INVALID
    if isinstance(exc, BusyError):
        return FAILED
    if isinstance(exc, StoryboardError):
        return FAILED
    return FAILED
