"""`ScenarioProvider`: Luma models through Scenario, behind the engine's `Provider` protocol.

It turns a node's body into what Scenario takes (each {"$ref"} becomes an asset id; a file is
uploaded once per content digest, ever), prices requests with dry runs cached per request key,
submits exactly once, polls, downloads and probes the result. The engine journals around
`submit`; `find_job` lets it recover a job whose submission outcome was lost. HTTP is
`client.py`'s business.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Collection, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from storyboard.errors import (
    MediaError,
    ProviderError,
    TransientError,
)
from storyboard.hashing import hash_file
from storyboard.media import Ffmpeg
from storyboard.providers.base import (
    BaseProvider,
    Fetched,
    Intent,
    JobStatus,
    Lookup,
    Request,
)
from storyboard.providers.scenario.client import ScenarioClient
from storyboard.providers.scenario.inputs import Inputs, LoopLocks
from storyboard.providers.scenario.polling import Poller
from storyboard.providers.scenario.records import JsonMap, as_number, as_text
from storyboard.providers.scenario.recovery import (
    FIND_MARGIN,
    SERVER_MARGIN,
    canonical,
    iso,
    match_job,
    parse_time,
)
from storyboard.settings import Settings

ESTIMATES_FILE = "scenario-estimates.json"
OVERDUE_FILE = "scenario-overdue.json"
QUEUED = {"pending", "queued", "warming-up"}
RUNNING = {"in-progress", "finalizing"}
FAILED = {"failure", "canceled"}
class WorkspaceLike(Protocol):
    """What the provider needs of the engine's `Workspace` (kept structural: the engine
    imports providers, not the other way round)."""

    @property
    def work(self) -> Path: ...

    @property
    def ffmpeg(self) -> Ffmpeg: ...


class ScenarioProvider(BaseProvider):
    name = "scenario"
    paid = True

    def __init__(self, client: ScenarioClient, work: Path, ffmpeg: Ffmpeg, *,
                 poll_interval: float = 3.0, job_deadline: float = 3600.0,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.client = client
        self.ffmpeg = ffmpeg
        # The engine polls again at once: each poll waits for the provider's next shared round
        # (one job listing for every active job), whose pace grows to `poll_interval`.
        self.poll_interval = 0.0
        self.poller = Poller(client, poll_interval)
        self.job_deadline = job_deadline
        self.clock = clock
        self.estimates: JsonMap[float] = JsonMap(work / ESTIMATES_FILE, as_number)  # key -> cost
        # key -> its job that passed the deadline: resumed by the next submit, never re-paid
        self.overdue: JsonMap[str] = JsonMap(work / OVERDUE_FILE, as_text)
        self.notices: list[str] = []  # what the user should hear about (recovered jobs)
        self._costs: dict[str, float] = {}  # job id -> cost quoted at submission
        self._claimed: set[str] = set(self.overdue.values())  # owned: never adopted by another
        self._keys: dict[str, str] = {}  # job id -> request key, for jobs submitted here
        self._first_seen: dict[str, datetime] = {}
        self._finished: dict[str, dict[str, Any]] = {}  # job id -> its successful poll answer
        self._prepared: dict[str, tuple[str, dict[str, Any]]] = {}  # key -> (model, body)
        self._checked = False
        self._lock = LoopLocks()
        self.inputs = Inputs(client, work, self._lock)
        self.assets = self.inputs.assets  # digest -> asset id

    @classmethod
    def from_settings(cls, project_root: Path, ws: WorkspaceLike) -> ScenarioProvider:
        """From the environment and `<project>/.env`; CredentialsError before any request
        when the key or secret is missing."""
        settings = Settings.load(project_root)
        key, secret = settings.credentials()
        client = ScenarioClient(settings.scenario_base_url, key, secret,
                                timeout=settings.http_timeout)
        return cls(client, ws.work, ws.ffmpeg, poll_interval=settings.poll_interval,
                   job_deadline=settings.job_deadline)

    def __repr__(self) -> str:
        return f"ScenarioProvider({self.client!r})"

    async def _ready(self) -> None:
        """Check the credentials once, on first network use, before anything is uploaded."""
        if self._checked:
            return
        async with self._lock("credentials"):
            if not self._checked:
                await self.client.check_credentials()
                self._checked = True

    # -- the protocol ---------------------------------------------------------------------
    async def estimate(self, request: Request) -> float | None:
        if request.key:
            cached = self.estimates.get(request.key)
            if cached is not None:
                return cached
        if self.inputs.missing(request):
            return None  # an upstream node is not built: the cost is not knowable yet
        model_id = _model_id(request)
        await self._ready()
        body = await self.inputs.body(request, upload=True)
        assert body is not None
        cost = await self.client.estimate(model_id, body)
        if request.key:
            self.estimates.put(request.key, cost)
        return cost

    async def prepare(self, request: Request) -> Intent:
        """Upload the inputs and say what the journal records before the request leaves: the
        model, the body's digest, and the server's time now (from its `Date` headers, so a
        client clock minutes off cannot shorten the recovery window)."""
        model_id = _model_id(request)
        await self._ready()
        body = await self.inputs.body(request, upload=True)
        assert body is not None
        self._prepared[request.key] = (model_id, body)
        when = self.client.server_now()
        return Intent(model_id, canonical(None, body), iso(when) if when else None,
                      self.client.submit_window)

    async def submit(self, request: Request) -> str:
        """Send the request once. An ambiguous failure is raised as is: the engine looks for
        the job (`find_job`) before anything is sent again."""
        late = self.overdue.get(request.key) if request.key else None
        if late is not None:
            self._keys[late] = request.key
            self._claimed.add(late)
            self.notices.append(f"{request.node.label}: resuming job {late}, which had not "
                                "finished by the deadline in an earlier build (not submitted "
                                "again)")
            return late
        prepared = self._prepared.pop(request.key, None)
        if prepared is None:
            await self.prepare(request)
            prepared = self._prepared.pop(request.key)
        model_id, body = prepared
        job_id, cost = await self.client.submit(model_id, body)
        when = self.client.server_now()
        # Jobs of one model and length take about as long: the poller looks at this one when
        # the quickest of its kind had finished.
        self.poller.seen({"jobId": job_id, "status": "pending",
                          "createdAt": iso(when) if when else None},
                         kind=f"{model_id} {body.get('duration')}")
        self._claimed.add(job_id)
        self._costs[job_id] = cost
        if request.key:
            self._keys[job_id] = request.key
        return job_id

    async def poll(self, job_id: str) -> JobStatus:
        """The job's state. Past `job_deadline` the job is given up on for this build, but
        never forgotten: a job submitted here is remembered by request key (`overdue`) before
        it is reported failed, so the next build's submit resumes it; a job the engine resumed
        from its journal raises instead, which keeps it in the journal. Either way a rebuild
        polls the same job and never pays for the request again."""
        await self._ready()
        try:
            job = await self.poller.status(job_id)
        except TransientError as exc:
            raise TransientError(f"{exc}; job {job_id} is kept: build again to resume polling "
                                 "it (it is not submitted again)") from exc
        status = str(job.get("status") or "")
        progress = job.get("progress")
        prog = float(progress) if isinstance(progress, int | float) else None
        meta = _dict(job.get("metadata"))
        if status == "success":
            self._finished[job_id] = job  # `fetch` needs nothing newer: one round trip less
            self._settled(job_id)
            return JobStatus("done", 1.0, status)
        if status in FAILED:
            self._settled(job_id)
            trace = job.get("traceId") or meta.get("traceId") or meta.get("trace_id") or ""
            return JobStatus("failed", prog, status,
                             error=str(meta.get("error") or f"the job ended as {status}"),
                             hint=str(meta.get("hint") or ""), trace_id=str(trace))
        age = self._age(job_id, job)
        if age > self.job_deadline:
            error = (f"job {job_id} did not finish within {self.job_deadline:g} s "
                     f"(still {status or 'unknown'})")
            hint = ("Scenario may be overloaded; build again later to resume polling it (it is "
                    "not submitted again), or raise STORYBOARD_JOB_DEADLINE")
            key = self._keys.get(job_id)
            if key is None:
                raise TransientError(f"{error}; {hint}")
            self.overdue.put(key, job_id)
            return JobStatus("failed", prog, status, error=error, hint=hint)
        if status in QUEUED:
            return JobStatus("queued", None, status)
        return JobStatus("running", prog, status or "unknown")

    def _settled(self, job_id: str) -> None:
        """The job ended: an overdue record of it has done its work."""
        key = self._keys.get(job_id)
        if key is not None and self.overdue.get(key) == job_id:
            self.overdue.drop(key)

    def _age(self, job_id: str, job: Mapping[str, Any]) -> float:
        created = parse_time(job.get("createdAt"))
        if created is None:
            created = self._first_seen.setdefault(job_id, self.clock())
        return (self.clock() - created).total_seconds()

    async def fetch(self, job_id: str, request: Request, workdir: Path) -> Fetched:
        await self._ready()
        job = self._finished.pop(job_id, None) or await self.client.get_job(job_id)
        meta = _dict(job.get("metadata"))
        ids = meta.get("assetIds")
        if not isinstance(ids, list) or not ids or not isinstance(ids[0], str):
            raise ProviderError(f"job {job_id} finished without a result asset; build again "
                                "to retry fetching it")
        asset_id = ids[0]
        dest = workdir / f"{job_id}.mp4"
        try:
            await self.client.download(asset_id, dest)
        except TransientError as exc:
            raise TransientError(f"{exc}; job {job_id} finished and is kept: build again to "
                                 "download its result (it is not submitted again)") from exc
        try:
            info = await asyncio.to_thread(self.ffmpeg.probe, dest)
        except MediaError as exc:
            first = str(exc).splitlines()[0] if str(exc) else "unreadable"
            raise ProviderError(f"the result of job {job_id} ({asset_id}) cannot be read as "
                                f"video: {first}") from None
        if info.kind != "video":
            raise ProviderError(f"the result of job {job_id} ({asset_id}) is {info.kind}, not "
                                "a video")
        # Downstream nodes that take this clip as input reuse the asset instead of uploading.
        digest = await asyncio.to_thread(hash_file, dest)
        self.inputs.remember(digest, asset_id)
        billing = _dict(job.get("billing"))
        cu = billing.get("cuCost")
        cost = float(cu) if isinstance(cu, int | float) and cu else self._costs.get(job_id, 0.0)
        return Fetched(dest, cost, asset_id)

    def take_notices(self) -> list[str]:
        taken, self.notices = self.notices, []
        return taken

    def claim(self, job_ids: Iterable[str]) -> None:
        """Job ids other nodes or takes already own (the engine reads them from its journal,
        run index and lock): recovering a lost submission never adopts one of them."""
        self._claimed.update(job_ids)

    async def find_job(self, request: Request, intent: Intent, created_iso: str,
                       exclude: Collection[str] = ()) -> Lookup:
        """The job an interrupted submission of `request` made, if Scenario has one that no
        other node owns (`exclude`, and every job this provider handed out), matched on its
        whole input and the journaled model. With none, absence is certain only when the
        listing began after the submission's window had passed by the server's clock."""
        self._claimed.update(exclude)
        if self.inputs.missing(request):
            return Lookup()
        model_id = intent.model or _model_id(request)
        await self._ready()
        body = await self.inputs.body(request, upload=False)
        if body is None:
            return Lookup()  # an input was never uploaded, so neither was the submission
        since = parse_time(intent.server_time)
        # An entry from an older build has only our clock's time: it is moved to the server's
        # by today's offset, and looked for from further back.
        margin = SERVER_MARGIN if since else FIND_MARGIN
        if since is None:
            since = self.client.as_server_time(parse_time(created_iso) or self.clock())
        listing = await self.client.list_jobs(iso(since - margin))
        found = match_job(listing.jobs, model_id, body, since, self._claimed)
        if found is not None:
            self._claimed.add(found)
            return Lookup(found)
        window = intent.window or self.client.submit_window
        listed = listing.server_time or self.client.server_now()
        if listed is None:
            return Lookup(None, certain=False, wait=window)
        left = (since + timedelta(seconds=window) + SERVER_MARGIN - listed).total_seconds()
        return Lookup(None, certain=left <= 0, wait=max(0.0, left))

    async def close(self) -> None:
        await self.client.aclose()


# -- helpers --------------------------------------------------------------------------------
def _model_id(request: Request) -> str:
    if not request.node.model_id:
        raise ProviderError(f"{request.node.label}: no model id for a {request.node.kind} node")
    return request.node.model_id


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
