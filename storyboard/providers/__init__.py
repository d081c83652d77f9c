"""Providers run model nodes: `preview` (local animatics) and `scenario` (Luma through Scenario)."""

from storyboard.providers.base import Fetched, InputFile, JobStatus, Provider, Request

__all__ = ["Fetched", "InputFile", "JobStatus", "Provider", "Request"]
