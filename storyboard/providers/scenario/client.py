"""`ScenarioClient`: Scenario's Generation API over httpx, the only httpx user in storyboard.

Split by concept: `transport.py` (pooled clients, retries, the paid-submission rule),
`answers.py` (errors and answer fields), `assets.py` (uploads and downloads); this module adds
the job and model calls. The provider (`provider.py`) builds on these methods.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storyboard.errors import AmbiguousSubmission, CredentialsError, ProviderError, Rejected
from storyboard.providers.scenario.answers import number_of, object_of, seg, trace_note
from storyboard.providers.scenario.assets import AssetCalls, sniff_mime
from storyboard.providers.scenario.transport import RetryPolicy, session

__all__ = ["JobListing", "RetryPolicy", "ScenarioClient", "sniff_mime"]


@dataclass(frozen=True)
class JobListing:
    jobs: list[dict[str, Any]]
    server_time: datetime | None  # the first page's Date: every job created before it is listed


class ScenarioClient(AssetCalls):
    """Async client for the endpoints storyboard uses."""

    @session
    async def check_credentials(self) -> None:
        """A cheap authenticated GET; CredentialsError when the key pair is refused."""
        try:
            await self._api("GET", "/jobs", "checking the Scenario credentials",
                            params={"pageSize": "1"})
        except Rejected as exc:
            if exc.status == 403:
                raise CredentialsError(
                    f"Scenario refused these credentials: {exc.reason}"
                    f"{trace_note(exc.trace_id)}; check that the API key belongs to a project "
                    "that may use the API") from None
            raise

    @session
    async def estimate(self, model_id: str, body: Mapping[str, Any]) -> float:
        """Cost in creative units of running `body`, without running it (HTTP 269)."""
        what = f"estimating {model_id}"
        status, data = await self._api("POST", f"/generate/custom/{seg(model_id)}", what,
                                       params={"dryRun": "true"}, json=dict(body))
        if "job" in data:
            # dryRun was ignored and a job was created: say so loudly, it is being charged.
            job = data.get("job") or {}
            raise ProviderError(
                f"{what}: Scenario started job {job.get('jobId', '?')} instead of a dry run "
                f"(HTTP {status}); it may be charged. Please report this")
        return number_of(data.get("creativeUnitsCost"), what, "creativeUnitsCost")

    @session
    async def submit(self, model_id: str, body: Mapping[str, Any]) -> tuple[str, float]:
        """Start a paid job: (job id, cost). Never retried after it may have arrived."""
        what = f"submitting to {model_id}"
        _, data = await self._api("POST", f"/generate/custom/{seg(model_id)}", what,
                                  json=dict(body), paid=True)
        job = data.get("job")
        job_id = job.get("jobId") if isinstance(job, dict) else None
        if not isinstance(job_id, str) or not job_id:
            raise AmbiguousSubmission(
                f"{what}: Scenario's answer has no job id, so a job may exist unseen; it was "
                "not submitted again (the next build looks for it first)",
                may_have_arrived=True)
        cost = data.get("creativeUnitsCost")
        return job_id, float(cost) if isinstance(cost, int | float) else 0.0

    @session
    async def get_job(self, job_id: str) -> dict[str, Any]:
        _, data = await self._api("GET", f"/jobs/{seg(job_id)}", f"reading job {job_id}")
        return object_of(data, "job", f"reading job {job_id}")

    @session
    async def list_jobs(self, created_after_iso: str, *, max_pages: int = 50) -> JobListing:
        """Custom jobs created after the given time, every page, and the server's time when
        the listing began. `createdAfter` goes alone: the SDK allows it only without `status`,
        `type`, `types` and `workflowId` (a strict server answers 400), so the job type is
        filtered here."""
        return await self._list({"createdAfter": created_after_iso}, max_pages)

    @session
    async def jobs_updated_after(self, updated_after_iso: str, *, max_pages: int = 10
                                 ) -> JobListing:
        """Custom jobs updated after the given time (one request per 100 jobs)."""
        return await self._list({"updatedAfter": updated_after_iso, "types": "custom"},
                                max_pages)

    async def _list(self, query: Mapping[str, str], max_pages: int) -> JobListing:
        out: list[dict[str, Any]] = []
        params = {**query, "pageSize": "100"}
        first: datetime | None = None
        for page in range(max_pages):
            _, data, when = await self._api_dated("GET", "/jobs", "listing recent jobs",
                                                  params=params)
            if page == 0:
                first = when
            jobs = data.get("jobs")
            if isinstance(jobs, list):
                out.extend(j for j in jobs if isinstance(j, dict)
                           and j.get("jobType", "custom") == "custom")
            token = data.get("nextPaginationToken")
            if not isinstance(token, str) or not token:
                break
            params = {**params, "paginationToken": token}
        return JobListing(out, first)
