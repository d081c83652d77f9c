"""Everything the fake Scenario remembers, joined into one object the HTTP layer calls.

No HTTP here: `server.py` parses requests and calls these methods, which return JSON-ready dicts
or raise `Rejected`. The shared lock, clock and counters are in `core.py`; each concept has its
own module: `jobs.py`, `assets.py`, `uploads.py`, with the records in `records.py`.
"""

from __future__ import annotations

from storyboard.testing.assets import AssetsMixin
from storyboard.testing.jobs import JobsMixin
from storyboard.testing.records import Counters, JobSnapshot, trace_id
from storyboard.testing.uploads import UploadsMixin

__all__ = ["Counters", "FakeState", "JobSnapshot", "trace_id"]


class FakeState(JobsMixin, AssetsMixin, UploadsMixin):
    """Jobs, assets and uploads over one shared `StateCore`."""
