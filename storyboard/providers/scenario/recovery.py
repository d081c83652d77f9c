"""Finding the job a lost submission created: Scenario has no idempotency key, so a job is
recognised by its `metadata.input` (our body) and the model the journal recorded.

Pure functions over listed jobs; `provider.py` decides when to list and what to do when none
matches.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from storyboard.catalogue import load_catalogue
from storyboard.hashing import hash_text

# Jobs are looked for from a little before the journal's intent: clocks differ between us and
# the service, and the intent is written just before the request leaves.
FIND_MARGIN = timedelta(minutes=2)
# With the server's own time in the journal, only its rounding (Date headers are whole seconds)
# and a spread between the service's machines remain.
SERVER_MARGIN = timedelta(seconds=2)


def match_job(jobs: list[dict[str, Any]], model_id: str, body: Mapping[str, Any],
              near: datetime, claimed: Collection[str]) -> str | None:
    """The unclaimed job whose input is our body: an exact match first, else one whose
    input only adds what the service fills in itself (a parameter at its default, or a
    field that is no parameter of the model); among equals, the one created closest to
    `near`. A job whose input sets a parameter we did not send is another request's."""
    spec = load_catalogue().by_id(model_id)
    params = spec.parameters if spec is not None else {}
    best: tuple[int, float, str] | None = None
    for job in jobs:
        job_id = job.get("jobId")
        meta = job.get("metadata")
        if not isinstance(job_id, str) or job_id in claimed or not isinstance(meta, dict):
            continue
        given = meta.get("input")
        if not isinstance(given, dict):
            continue
        if given.get("modelId", job.get("modelId", model_id)) != model_id:
            continue
        if any(k not in given or given[k] != v for k, v in body.items()):
            continue
        extra = set(given) - set(body) - {"modelId"}
        if any(k in params and given[k] != params[k].default for k in extra):
            continue
        created = parse_time(job.get("createdAt"))
        distance = abs((created - near).total_seconds()) if created else float("inf")
        rank = (len(extra), distance, job_id)
        if best is None or rank < best:
            best = rank
    return best[2] if best else None


def canonical(model_id: str | None, body: Mapping[str, Any]) -> str:
    """A digest of a request as sent (`model_id` None: of the body alone)."""
    return hash_text(json.dumps([model_id, body], sort_keys=True, separators=(",", ":")))


def parse_time(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        t = datetime.fromisoformat(value)
    except ValueError:
        return None
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def iso(t: datetime) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
