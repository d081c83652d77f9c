"""What the fake Scenario stores: jobs, assets and uploads as plain records, the counters and
snapshots tests read, and the small helpers (dates, ids, page tokens) every part of the state uses.

No behaviour here beyond formatting: `jobs.py`, `assets.py` and `uploads.py` act on these records.
"""

from __future__ import annotations

import base64
import binascii
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from storyboard.testing.models import Rejected

MIB = 1024 * 1024
OWNER_ID = "user_fakescenario"  # the one author and owner of everything on the fake

CANCEL_AT = 0.5  # a canceled job ends this far into its latency

# The status words of the official SDK's models (scenario-sdk 2.4.0).

JobStatus = Literal["pending", "queued", "warming-up", "in-progress", "finalizing", "success",
                   "failure", "canceled"]
UploadStatus = Literal["pending", "validating", "imported", "failed"]


def iso(t: float) -> str:
    """ISO-8601 UTC with milliseconds and Z, as Scenario writes dates."""
    return datetime.fromtimestamp(t, tz=UTC).isoformat(timespec="milliseconds").replace(
        "+00:00", "Z"
    )


def new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(11)}"


def trace_id() -> str:
    return uuid.uuid4().hex


@dataclass(frozen=True)
class Counters:
    """A snapshot of what the fake has seen since the last `reset_counters()`.

    `identical_submissions` counts created jobs whose (modelId, body) equals that of any earlier
    job on this server (also one from before the reset): each one is a job paid for twice.
    """

    jobs_created: int = 0
    identical_submissions: int = 0
    peak_parallel_jobs: int = 0
    dry_runs: int = 0
    uploads: int = 0
    assets_created: int = 0
    cu_charged: int = 0
    requests: Mapping[str, int] = field(default_factory=dict)
    faults: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class JobSnapshot:
    """A job as the fake sees it now (for tests that inspect `FakeScenario.jobs`)."""

    job_id: str
    model_id: str
    body: Mapping[str, Any]
    status: JobStatus
    progress: float
    cost: int
    asset_ids: tuple[str, ...]
    error: str | None
    created_at: float


@dataclass
class Job:
    id: str
    seq: int
    model_id: str
    body: dict[str, Any]
    input: dict[str, Any]
    cost: int
    created: float
    latency: float
    asset_id: str
    moderated: str | None  # the word that fails the job
    stuck: bool = False  # a "never_finishes" fault: in progress for ever
    canceled: bool = False  # a "canceled" fault: ends `canceled` half way, with no result

    @property
    def ends_at(self) -> float:
        return self.created + self.latency * (CANCEL_AT if self.canceled else 1.0)


@dataclass
class Asset:
    id: str
    kind: str
    mime_type: str
    name: str
    created: float
    ready_at: float  # a job's result exists only once the job succeeded
    path: Path | None = None  # uploaded bytes; None for job results (rendered on demand)
    render: tuple[float, int, int] | None = None
    duration: float | None = None
    width: int | None = None
    height: int | None = None
    size: int | None = None
    source: str = "uploaded"  # the SDK's `source` and `metadata.type`, e.g. txt2video
    hidden: bool = False  # `hide: true` on upload keeps it out of the user's library


@dataclass
class Upload:
    id: str
    file_name: str
    content_type: str
    kind: str
    file_size: int
    parts: int
    created: float
    expires: float
    hide: bool = False  # assetOptions.hide, passed on to the imported asset
    status: UploadStatus = "pending"
    part_sizes: dict[int, int] = field(default_factory=dict)
    completed_at: float | None = None
    entity_id: str | None = None
    error_message: str | None = None


@dataclass
class Timeline:
    status: JobStatus
    progress: float
    history: list[tuple[str, float]]


def encode_token(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode().rstrip("=")


def decode_token(token: str) -> int:
    """The offset a page token stands for (opaque to clients, as the real tokens are)."""
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        kind, _, offset = text.partition(":")
        if kind != "offset" or int(offset) < 0:
            raise ValueError(text)
        return int(offset)
    except (ValueError, UnicodeDecodeError, binascii.Error):
        raise Rejected(400, "Invalid paginationToken") from None
