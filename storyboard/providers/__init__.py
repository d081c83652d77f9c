"""Providers run model nodes: `preview` (local animatics) and `scenario` (Luma through Scenario)."""

from storyboard.providers.base import (
    BaseProvider,
    Fetched,
    InputFile,
    Intent,
    JobStatus,
    Lookup,
    Provider,
    Recoverable,
    Request,
)

__all__ = [
    "BaseProvider",
    "Fetched",
    "InputFile",
    "Intent",
    "JobStatus",
    "Lookup",
    "Provider",
    "Recoverable",
    "Request",
]
