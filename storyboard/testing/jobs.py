"""The fake's jobs: submission (validated by `models.py`, priced, limited in parallel), the
status timeline computed from the clock, reads, listing with pagination, and test snapshots.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from storyboard.testing.core import StateCore
from storyboard.testing.models import Rejected, SourceInfo, validate
from storyboard.testing.records import (
    CANCEL_AT,
    Asset,
    Job,
    JobSnapshot,
    JobStatus,
    Timeline,
    decode_token,
    encode_token,
    iso,
    new_id,
)

JOB_PAGE_DEFAULT = 50  # the SDK's documented default
JOB_PAGE_MAX = 100
FILTERS = ("status", "type", "types", "workflowId")  # switch the listing to update order


def _when(iso_date: str) -> float:
    dt = datetime.fromisoformat(iso_date)
    return (dt if dt.tzinfo else dt.replace(tzinfo=UTC)).timestamp()


def _date(query: Mapping[str, str], name: str) -> float | None:
    if name not in query:
        return None
    try:
        return _when(query[name])
    except ValueError:
        raise Rejected(400, f"Invalid {name}: expected an ISO-8601 date") from None


class JobsMixin(StateCore):
    def _timeline(self, job: Job, now: float) -> Timeline:
        """Every status the SDK names, in order, at fixed fractions of the job's latency: a
        client sees `warming-up` and `finalizing` too, and `canceled` after a "canceled" fault."""
        c, lat = job.created, job.latency
        final: JobStatus = "failure" if job.moderated else "success"
        marks: list[tuple[JobStatus, float]] = [
            ("pending", c), ("queued", c + 0.1 * lat), ("warming-up", c + 0.2 * lat),
            ("in-progress", c + 0.3 * lat), ("finalizing", c + 0.95 * lat), (final, c + lat),
        ]  # fmt: skip
        if job.canceled:
            marks = [*marks[:4], ("canceled", job.ends_at)]
        if job.stuck:
            marks = marks[:4]  # the job never gets past in-progress
        reached = [m for m in marks if m[1] <= now] or [marks[0]]
        if lat <= 0:
            reached = [marks[0], marks[-1]]
        status = reached[-1][0]
        history: list[tuple[str, float]] = list(reached)
        if status in ("success", "failure", "canceled"):
            progress = 1.0
        elif status == "finalizing":
            progress = 0.99
        elif status == "in-progress":
            # A stuck job still looks alive: its progress creeps up, never to the end.
            cap = 0.95 if job.stuck else 0.98
            progress = min(cap, max(0.0, (now - (c + 0.3 * lat)) / (0.65 * lat or 1.0)))
        else:
            progress = 0.0
        return Timeline(status, round(progress, 3), history)

    def _job_json(self, job: Job, now: float) -> dict[str, Any]:
        tl = self._timeline(job, now)
        metadata: dict[str, Any] = {"input": job.input, "assetIds": []}
        if tl.status == "success":
            metadata["assetIds"] = [job.asset_id]
        if tl.status == "failure":
            metadata["error"] = (
                f"Content moderation: the prompt was flagged ('{job.moderated}')"
            )
            metadata["hint"] = "Rephrase the prompt without the flagged words and submit again."
        if tl.status == "canceled":
            metadata["error"] = "The job was canceled"
        return {
            "jobId": job.id,
            "jobType": "custom",
            "status": tl.status,
            "progress": tl.progress,
            "statusHistory": [{"status": s, "date": iso(t)} for s, t in tl.history],
            "metadata": metadata,
            "billing": {"cuCost": job.cost, "cuDiscount": 0},
            "createdAt": iso(job.created),
            "updatedAt": iso(tl.history[-1][1]),
        }

    def _source_info(self, asset_id: str, now: float) -> SourceInfo | None:
        a = self._assets.get(asset_id)
        if a is None or a.ready_at > now:
            return None
        return SourceInfo(a.kind, a.duration, a.width, a.height, a.size)

    def submit(
        self, model_id: str, body: Any, dry_run: bool, *, remaining: float | None = None
    ) -> tuple[int, dict[str, Any]]:
        """POST /generate/custom/{modelId}: (HTTP status, body). Raises `Rejected`."""
        with self._lock:
            now = self.clock()
            accepted = validate(model_id, body, lambda aid: self._source_info(aid, now))
            priced = {"creativeUnitsCost": accepted.cost, "creativeUnitsDiscount": 0,
                      "costDetails": {}}  # fmt: skip
            if dry_run:
                self._bump("dry_runs")
                return 269, priced
            active = self._active_jobs(now)
            limit = self.max_parallel_jobs
            if limit is not None and active >= limit:
                ends = sorted(j.ends_at for j in self._jobs.values()
                              if not j.stuck and now < j.ends_at)  # fmt: skip
                wait = max(0.001, math.ceil((ends[0] - now) * 1000) / 1000) if ends else 1.0
                raise Rejected(
                    429, "Too many parallel jobs", remainingSeconds=wait,
                    details={"actionName": "parallel-jobs", "actionLimit": limit},
                )
            model = accepted.model
            defaults = {n: p.default for n, p in model.parameters.items()
                        if p.default is not None and n not in body}  # fmt: skip
            self._seq += 1
            prompt = accepted.prompt.lower()
            moderated = next((w for w in self.moderated_words if w.lower() in prompt), None)
            job = Job(
                id=new_id("job"), seq=self._seq, model_id=model_id, body=dict(body),
                input={**defaults, **body, "modelId": model_id}, cost=accepted.cost,
                created=now, latency=self.latency, asset_id=new_id("asset"), moderated=moderated,
            )  # fmt: skip
            self._jobs[job.id] = job
            if moderated is None:
                self._assets[job.asset_id] = Asset(
                    id=job.asset_id, kind="video", mime_type="video/mp4",
                    name=f"{job.id}.mp4", created=now + job.latency, ready_at=now + job.latency,
                    render=(accepted.seconds, accepted.width, accepted.height),
                    duration=accepted.seconds, width=accepted.width, height=accepted.height,
                    source=accepted.source,
                )  # fmt: skip
            key = model_id + "\n" + json.dumps(body, sort_keys=True, separators=(",", ":"))
            if key in self._seen_submissions:
                self._bump("identical_submissions")
            self._seen_submissions.add(key)
            self._bump("jobs_created")
            self._bump("cu_charged", accepted.cost)
            peak = max(self._counts.get("peak_parallel_jobs", 0), self._active_jobs(now))
            self._counts["peak_parallel_jobs"] = peak
            return 200, {"job": self._job_json(job, now), **priced}

    def get_job(self, job_id: str) -> dict[str, Any]:
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None:
                raise Rejected(404, f"Job {job_id} not found")
            return {"job": self._job_json(job, self.clock())}

    def stall_job(self, job_id: str) -> None:
        """A "never_finishes" fault: a job not yet finished stays in progress for ever and its
        result never appears. A finished job (or an unknown id) is left alone."""
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None or job.stuck or job.canceled or self.clock() >= job.ends_at:
                return
            job.stuck = True
            asset = self._assets.get(job.asset_id)
            if asset is not None:
                asset.ready_at = math.inf

    def cancel_job(self, job_id: str) -> None:
        """A "canceled" fault: the job ends `canceled` half way through and makes nothing (as
        when Scenario's side cancels it). A job already past that point is left alone."""
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None or job.stuck or job.canceled:
                return
            if self.clock() >= job.created + job.latency * CANCEL_AT:
                return
            job.canceled = True
            self._assets.pop(job.asset_id, None)

    def job_action(self, job_id: str, body: Any) -> dict[str, Any]:
        with self._lock:
            if job_id not in self._jobs:
                raise Rejected(404, f"Job {job_id} not found")
        action = body.get("action") if isinstance(body, dict) else None
        raise Rejected(400, f"Action {action!r} is not allowed for jobs of type custom")

    def list_jobs(self, query: Mapping[str, str]) -> dict[str, Any]:
        """GET /jobs as the SDK documents it: newest created first with `createdAfter`; with
        `status`, `type`, `types` or `workflowId`, newest updated first with `updatedAfter`, and
        `createdAfter` refused (a real server answers 400 to that combination)."""
        try:
            size = int(query.get("pageSize", JOB_PAGE_DEFAULT))
        except ValueError:
            raise Rejected(400, "Invalid pageSize: expected an integer") from None
        if not 1 <= size <= JOB_PAGE_MAX:
            raise Rejected(400, f"Invalid pageSize: must be within 1..{JOB_PAGE_MAX}")
        filters = [f for f in FILTERS if f in query]
        if filters and "createdAfter" in query:
            raise Rejected(400, f"createdAfter is only allowed without status, type, types and "
                           f"workflowId (got {', '.join(filters)}): use updatedAfter with them")
        if not filters and "updatedAfter" in query:
            raise Rejected(400, "updatedAfter is only allowed with status, type, types or "
                           "workflowId: use createdAfter without them")
        created_after = _date(query, "createdAfter")
        updated_after = _date(query, "updatedAfter")
        types = {t for t in (query.get("types") or query.get("type") or "").split(",") if t}
        status = query.get("status")
        offset = decode_token(query["paginationToken"]) if "paginationToken" in query else 0
        with self._lock:
            now = self.clock()
            views = [(j, self._job_json(j, now)) for j in self._jobs.values()]
        if filters:  # newest update first
            views.sort(key=lambda v: (v[1]["updatedAt"], v[0].seq), reverse=True)
        else:
            views.sort(key=lambda v: v[0].seq, reverse=True)
        picked = [view for j, view in views
                  if (created_after is None or j.created > created_after)
                  and (updated_after is None or _when(view["updatedAt"]) > updated_after)
                  and (not types or view["jobType"] in types)
                  and (status is None or view["status"] == status)
                  and "workflowId" not in query]  # fmt: skip
        page = picked[offset:offset + size]
        out: dict[str, Any] = {"jobs": page}
        if len(picked) > offset + size:
            out["nextPaginationToken"] = encode_token(offset + size)
        return out

    def job_snapshots(self) -> tuple[JobSnapshot, ...]:
        with self._lock:
            now = self.clock()
            snaps = []
            for j in sorted(self._jobs.values(), key=lambda j: j.seq):
                view = self._job_json(j, now)
                snaps.append(JobSnapshot(
                    job_id=j.id, model_id=j.model_id, body=dict(j.body), status=view["status"],
                    progress=view["progress"], cost=j.cost,
                    asset_ids=tuple(view["metadata"]["assetIds"]),
                    error=view["metadata"].get("error"), created_at=j.created,
                ))  # fmt: skip
            return tuple(snaps)
