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

JOB_PAGE_DEFAULT = 10
JOB_PAGE_MAX = 100


class JobsMixin(StateCore):
    def _timeline(self, job: Job, now: float) -> Timeline:
        c, lat = job.created, job.latency
        final: JobStatus = "failure" if job.moderated else "success"
        marks: list[tuple[JobStatus, float]] = [
            ("pending", c), ("queued", c + 0.1 * lat), ("in-progress", c + 0.2 * lat),
            (final, c + lat),
        ]  # fmt: skip
        if job.stuck:
            marks.pop()  # the job never gets past in-progress
        reached = [m for m in marks if m[1] <= now] or [marks[0]]
        if lat <= 0:
            reached = [marks[0], marks[-1]]
        status = reached[-1][0]
        history: list[tuple[str, float]] = list(reached)
        if status in ("success", "failure"):
            progress = 1.0
        elif status == "in-progress":
            # A stuck job still looks alive: its progress creeps up, never to the end.
            cap = 0.95 if job.stuck else 0.99
            progress = min(cap, max(0.0, (now - (c + 0.2 * lat)) / (0.8 * lat or 1.0)))
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
                ends = sorted(j.created + j.latency for j in self._jobs.values()
                              if not j.stuck and now < j.created + j.latency)  # fmt: skip
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
            if job is None or job.stuck or self.clock() >= job.created + job.latency:
                return
            job.stuck = True
            asset = self._assets.get(job.asset_id)
            if asset is not None:
                asset.ready_at = math.inf

    def job_action(self, job_id: str, body: Any) -> dict[str, Any]:
        with self._lock:
            if job_id not in self._jobs:
                raise Rejected(404, f"Job {job_id} not found")
        action = body.get("action") if isinstance(body, dict) else None
        raise Rejected(400, f"Action {action!r} is not allowed for jobs of type custom")

    def list_jobs(self, query: Mapping[str, str]) -> dict[str, Any]:
        try:
            size = int(query.get("pageSize", JOB_PAGE_DEFAULT))
        except ValueError:
            raise Rejected(400, "Invalid pageSize: expected an integer") from None
        if not 1 <= size <= JOB_PAGE_MAX:
            raise Rejected(400, f"Invalid pageSize: must be within 1..{JOB_PAGE_MAX}")
        after: float | None = None
        if "createdAfter" in query:
            try:
                dt = datetime.fromisoformat(query["createdAfter"])
            except ValueError:
                raise Rejected(400, "Invalid createdAfter: expected an ISO-8601 date") from None
            after = (dt if dt.tzinfo else dt.replace(tzinfo=UTC)).timestamp()
        before_seq: int | None = None
        if "paginationToken" in query:
            before_seq = decode_token(query["paginationToken"])
        types = {t for t in query.get("types", "").split(",") if t}
        with self._lock:
            now = self.clock()
            jobs = sorted(self._jobs.values(), key=lambda j: j.seq, reverse=True)  # newest first
            if types and "custom" not in types:
                jobs = []
            jobs = [j for j in jobs if (after is None or j.created >= after)
                    and (before_seq is None or j.seq < before_seq)]  # fmt: skip
            page = jobs[:size]
            out: dict[str, Any] = {"jobs": [self._job_json(j, now) for j in page]}
            if len(jobs) > size:
                out["nextPaginationToken"] = encode_token(page[-1].seq)
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
