"""`ScenarioProvider`: Luma models through Scenario, behind the engine's `Provider` protocol.

It turns a node's body into what Scenario takes (each {"$ref"} becomes an asset id; a file is
uploaded once per content digest, ever), prices requests with dry runs cached per request key,
submits exactly once, polls, downloads and probes the result. The engine journals around
`submit`; `find_job` lets it recover a job whose submission outcome was lost. HTTP is
`client.py`'s business.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Collection, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from storyboard.catalogue import load_catalogue
from storyboard.errors import (
    AmbiguousSubmission,
    MediaError,
    ProviderError,
    Rejected,
    TransientError,
)
from storyboard.hashing import hash_file, hash_text
from storyboard.media import Ffmpeg
from storyboard.providers.base import BaseProvider, Fetched, InputFile, JobStatus, Request
from storyboard.providers.scenario.client import ScenarioClient, sniff_mime
from storyboard.providers.scenario.records import JsonMap, as_number, as_text
from storyboard.refs import map_refs, refs_in
from storyboard.settings import Settings

ASSETS_FILE = "scenario-assets.json"
ESTIMATES_FILE = "scenario-estimates.json"
OVERDUE_FILE = "scenario-overdue.json"
# Jobs are looked for from a little before the journal's intent: clocks differ between us and
# the service, and the intent is written just before the request leaves.
FIND_MARGIN = timedelta(minutes=2)

QUEUED = {"pending", "queued", "warming-up"}
RUNNING = {"in-progress", "finalizing"}
FAILED = {"failure", "canceled"}
_EXTENSIONS = {"image/png": ".png", "image/jpeg": ".jpg", "image/webp": ".webp",
               "video/mp4": ".mp4", "video/quicktime": ".mov", "video/webm": ".webm",
               "audio/mpeg": ".mp3", "audio/mp4": ".m4a", "audio/wav": ".wav",
               "audio/ogg": ".ogg", "audio/flac": ".flac"}


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
        self.poll_interval = poll_interval
        self.job_deadline = job_deadline
        self.clock = clock
        self.assets: JsonMap[str] = JsonMap(work / ASSETS_FILE, as_text)  # digest -> asset id
        self.estimates: JsonMap[float] = JsonMap(work / ESTIMATES_FILE, as_number)  # key -> cost
        # key -> its job that passed the deadline: resumed by the next submit, never re-paid
        self.overdue: JsonMap[str] = JsonMap(work / OVERDUE_FILE, as_text)
        self.notices: list[str] = []  # what the user should hear about (recovered jobs)
        self._costs: dict[str, float] = {}  # job id -> cost quoted at submission
        self._claimed: set[str] = set(self.overdue.values())  # owned: never adopted by another
        self._keys: dict[str, str] = {}  # job id -> request key, for jobs submitted here
        self._verified: set[str] = set()  # asset ids seen alive in this process
        self._first_seen: dict[str, datetime] = {}
        self._finished: dict[str, dict[str, Any]] = {}  # job id -> its successful poll answer
        self._checked = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._locks: dict[str, asyncio.Lock] = {}

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

    # -- per-loop coordination ------------------------------------------------------------
    def _lock(self, name: str) -> asyncio.Lock:
        # Planning and building run in separate event loops; locks must not cross them.
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            self._loop, self._locks = loop, {}
        lock = self._locks.get(name)
        if lock is None:
            lock = self._locks[name] = asyncio.Lock()
        return lock

    async def _ready(self) -> None:
        """Check the credentials once, on first network use, before anything is uploaded."""
        if self._checked:
            return
        async with self._lock("credentials"):
            if not self._checked:
                await self.client.check_credentials()
                self._checked = True

    # -- inputs ---------------------------------------------------------------------------
    async def _asset_for(self, inp: InputFile, *, upload: bool) -> str | None:
        """The asset id holding this file: remembered, else uploaded (when allowed)."""
        async with self._lock(f"digest:{inp.digest}"):
            known = self.assets.get(inp.digest)
            if known is not None:
                if known in self._verified:
                    return known
                try:
                    await self.client.asset(known)
                    self._verified.add(known)
                    return known
                except Rejected as exc:
                    if exc.status != 404:
                        raise
                    self.assets.drop(inp.digest)  # deleted on Scenario's side: upload again
            if not upload:
                return None
            asset_id = await self._upload(inp)
            self.assets.put(inp.digest, asset_id)
            self._verified.add(asset_id)
            return asset_id

    async def _upload(self, inp: InputFile) -> str:
        head = await asyncio.to_thread(_head, inp.path)
        mime = sniff_mime(head)
        name = inp.path.name if inp.path.suffix else \
            f"{inp.digest[:16]}{_EXTENSIONS.get(mime or '', '')}"
        if inp.media == "image":
            return await self.client.upload_image(inp.path, name)
        kind = inp.media if inp.media in ("video", "audio") else "video"
        if mime is None or not mime.startswith(f"{kind}/"):
            mime = "video/mp4" if kind == "video" else "audio/mpeg"
        return await self.client.upload_file(inp.path, kind, mime, name=name)

    def _missing(self, request: Request) -> list[str]:
        """Inputs whose file does not exist yet (an upstream node is not built)."""
        out = []
        for node_id in refs_in(request.body):
            inp = request.inputs.get(node_id)
            if inp is None or not inp.digest or not inp.path.is_file():
                out.append(node_id)
        return out

    async def _body(self, request: Request, *, upload: bool) -> dict[str, Any] | None:
        """The body as sent: every {"$ref"} replaced by an asset id (None when an input has
        no asset and `upload` is False)."""
        missing = self._missing(request)
        if missing:
            raise ProviderError(f"{request.node.label}: input {', '.join(missing)} has no file "
                                "yet; build it first")
        refs = sorted(set(refs_in(request.body)))
        ids = await asyncio.gather(*(self._asset_for(request.inputs[r], upload=upload)
                                     for r in refs))
        if any(i is None for i in ids):
            return None
        mapping = {r: str(i) for r, i in zip(refs, ids, strict=True)}
        replaced = map_refs(request.body, mapping.__getitem__)
        assert isinstance(replaced, dict)
        return replaced

    # -- the protocol ---------------------------------------------------------------------
    async def estimate(self, request: Request) -> float | None:
        if request.key:
            cached = self.estimates.get(request.key)
            if cached is not None:
                return cached
        if self._missing(request):
            return None  # an upstream node is not built: the cost is not knowable yet
        model_id = _model_id(request)
        await self._ready()
        body = await self._body(request, upload=True)
        assert body is not None
        cost = await self.client.estimate(model_id, body)
        if request.key:
            self.estimates.put(request.key, cost)
        return cost

    async def submit(self, request: Request) -> str:
        model_id = _model_id(request)
        late = self.overdue.get(request.key) if request.key else None
        if late is not None:
            self._keys[late] = request.key
            self._claimed.add(late)
            self.notices.append(f"{request.node.label}: resuming job {late}, which had not "
                                "finished by the deadline in an earlier build (not submitted "
                                "again)")
            return late
        await self._ready()
        body = await self._body(request, upload=True)
        assert body is not None
        # Identical bodies (takes of one shot) go one at a time, so recovering a lost answer
        # below can never pick up a sibling's job that is still in flight.
        async with self._lock(f"submit:{_canonical(model_id, body)}"):
            sent_at = self.clock()
            try:
                job_id, cost = await self.client.submit(model_id, body)
            except AmbiguousSubmission:
                found = await self._recover(model_id, body, sent_at)
                if found is None:
                    raise
                self.notices.append(f"{request.node.label}: the answer to the submission was "
                                    f"lost; found its job {found} on Scenario and resumed it "
                                    "(not submitted again)")
                job_id, cost = found, 0.0
            self._claimed.add(job_id)
        self._costs[job_id] = cost
        if request.key:
            self._keys[job_id] = request.key
        return job_id

    async def _recover(self, model_id: str, body: Mapping[str, Any], sent_at: datetime
                       ) -> str | None:
        """Look for the job an ambiguous submission may have created; None when unsure."""
        try:
            jobs = await self.client.list_jobs(_iso(sent_at - FIND_MARGIN))
        except ProviderError:
            return None
        return self._match(jobs, model_id, body, sent_at)

    async def poll(self, job_id: str) -> JobStatus:
        """The job's state. Past `job_deadline` the job is given up on for this build, but
        never forgotten: a job submitted here is remembered by request key (`overdue`) before
        it is reported failed, so the next build's submit resumes it; a job the engine resumed
        from its journal raises instead, which keeps it in the journal. Either way a rebuild
        polls the same job and never pays for the request again."""
        await self._ready()
        try:
            job = await self.client.get_job(job_id)
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
        created = _parse_time(job.get("createdAt"))
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
        self.assets.put(digest, asset_id)
        self._verified.add(asset_id)
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

    async def find_job(self, request: Request, created_iso: str,
                       exclude: Collection[str] = ()) -> str | None:
        """The job an interrupted submission of `request` created, if Scenario has one that
        no other node owns (`exclude`, and every job this provider handed out)."""
        self._claimed.update(exclude)
        if self._missing(request):
            return None
        model_id = _model_id(request)
        await self._ready()
        body = await self._body(request, upload=False)
        if body is None:
            return None  # an input was never uploaded, so neither was the submission
        since = _parse_time(created_iso) or self.clock()
        jobs = await self.client.list_jobs(_iso(since - FIND_MARGIN))
        found = self._match(jobs, model_id, body, since)
        if found is not None:
            self._claimed.add(found)
        return found

    def _match(self, jobs: list[dict[str, Any]], model_id: str, body: Mapping[str, Any],
               near: datetime) -> str | None:
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
            if not isinstance(job_id, str) or job_id in self._claimed or not isinstance(meta,
                                                                                       dict):
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
            created = _parse_time(job.get("createdAt"))
            distance = abs((created - near).total_seconds()) if created else float("inf")
            rank = (len(extra), distance, job_id)
            if best is None or rank < best:
                best = rank
        return best[2] if best else None

    async def close(self) -> None:
        await self.client.aclose()


# -- helpers --------------------------------------------------------------------------------
def _model_id(request: Request) -> str:
    if not request.node.model_id:
        raise ProviderError(f"{request.node.label}: no model id for a {request.node.kind} node")
    return request.node.model_id


def _canonical(model_id: str, body: Mapping[str, Any]) -> str:
    return hash_text(json.dumps([model_id, body], sort_keys=True, separators=(",", ":")))


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _parse_time(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        t = datetime.fromisoformat(value)
    except ValueError:
        return None
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def _iso(t: datetime) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _head(path: Path) -> bytes:
    with path.open("rb") as f:
        return f.read(64)

