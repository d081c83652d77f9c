"""Everything the fake Scenario remembers: jobs, assets, uploads, signed URLs and counters.

No HTTP here: `server.py` parses requests and calls these methods, which return JSON-ready dicts
or raise `Rejected`. Job status is computed from the clock at each read (no background thread);
one lock guards all state, and slow work (ffmpeg) happens outside it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import math
import secrets
import shutil
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from storyboard.testing.clips import ClipCache, probe
from storyboard.testing.images import decode_base64_image, sniff_image
from storyboard.testing.models import Rejected, SourceInfo, validate

MIB = 1024 * 1024
MIN_PART_BYTES = 5 * MIB  # S3's floor for every part but the last
MAX_PARTS = 10_000
MAX_IMAGE_BYTES = 6 * 1000 * 1000
JOB_PAGE_DEFAULT = 10
JOB_PAGE_MAX = 100

JobStatus = Literal["pending", "queued", "in-progress", "success", "failure"]
UploadStatus = Literal["pending", "processing", "imported", "failed"]
UPLOAD_KINDS = ("video", "audio", "image")


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
class _Job:
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


@dataclass
class _Asset:
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


@dataclass
class _Upload:
    id: str
    file_name: str
    content_type: str
    kind: str
    file_size: int
    parts: int
    created: float
    expires: float
    status: UploadStatus = "pending"
    part_sizes: dict[int, int] = field(default_factory=dict)
    completed_at: float | None = None
    entity_id: str | None = None
    error_message: str | None = None


@dataclass
class _Timeline:
    status: JobStatus
    progress: float
    history: list[tuple[str, float]]


class FakeState:
    def __init__(
        self,
        root: Path,
        clips: ClipCache,
        *,
        latency: float,
        max_parallel_jobs: int | None,
        moderated_words: tuple[str, ...],
        url_ttl: float,
        upload_import_delay: float,
        clock: Callable[[], float],
    ) -> None:
        self.root = root
        self.clips = clips
        self.latency = latency
        self.max_parallel_jobs = max_parallel_jobs
        self.moderated_words = moderated_words
        self.url_ttl = url_ttl
        self.upload_import_delay = upload_import_delay
        self.clock = clock
        self.origin = ""  # http://127.0.0.1:PORT, set once the server is bound
        self._lock = threading.RLock()
        self._key = secrets.token_bytes(32)  # signs storage URLs
        self._jobs: dict[str, _Job] = {}
        self._assets: dict[str, _Asset] = {}
        self._uploads: dict[str, _Upload] = {}
        self._seen_submissions: set[str] = set()
        self._seq = 0
        self._counts: dict[str, int] = {}
        self._requests: dict[str, int] = {}
        self._faults: dict[str, int] = {}
        self.internal_errors: list[str] = []

    # ---- counters ----

    def count_request(self, route: str) -> None:
        with self._lock:
            self._requests[route] = self._requests.get(route, 0) + 1

    def count_fault(self, kind: str) -> None:
        with self._lock:
            self._faults[kind] = self._faults.get(kind, 0) + 1

    def _bump(self, name: str, by: int = 1) -> None:
        self._counts[name] = self._counts.get(name, 0) + by

    def counters(self) -> Counters:
        with self._lock:
            c = self._counts
            return Counters(
                jobs_created=c.get("jobs_created", 0),
                identical_submissions=c.get("identical_submissions", 0),
                peak_parallel_jobs=c.get("peak_parallel_jobs", 0),
                dry_runs=c.get("dry_runs", 0),
                uploads=c.get("uploads", 0),
                assets_created=c.get("assets_created", 0),
                cu_charged=c.get("cu_charged", 0),
                requests=dict(self._requests),
                faults=dict(self._faults),
            )

    def reset_counters(self) -> None:
        with self._lock:
            self._counts = {"peak_parallel_jobs": self._active_jobs(self.clock())}
            self._requests = {}
            self._faults = {}

    # ---- jobs ----

    def _timeline(self, job: _Job, now: float) -> _Timeline:
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
        return _Timeline(status, round(progress, 3), history)

    def _active_jobs(self, now: float) -> int:
        return sum(1 for j in self._jobs.values() if j.stuck or now < j.created + j.latency)

    def _job_json(self, job: _Job, now: float) -> dict[str, Any]:
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
            job = _Job(
                id=new_id("job"), seq=self._seq, model_id=model_id, body=dict(body),
                input={**defaults, **body, "modelId": model_id}, cost=accepted.cost,
                created=now, latency=self.latency, asset_id=new_id("asset"), moderated=moderated,
            )  # fmt: skip
            self._jobs[job.id] = job
            if moderated is None:
                self._assets[job.asset_id] = _Asset(
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
            before_seq = _decode_token(query["paginationToken"])
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
                out["nextPaginationToken"] = _encode_token(page[-1].seq)
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

    # ---- signed storage URLs ----

    def _sign(self, method: str, path: str, expires: str) -> str:
        msg = f"{method}\n{path}\n{expires}".encode()
        return hmac.new(self._key, msg, hashlib.sha256).hexdigest()

    def signed_url(self, method: str, path: str, expires: float) -> str:
        e = f"{expires:.3f}"
        return f"{self.origin}{path}?expires={e}&sig={self._sign(method, path, e)}"

    def check_signature(self, method: str, path: str, query: Mapping[str, str]) -> None:
        """Raise `Rejected` (403) unless the URL is signed for this method and not expired."""
        expires, sig = query.get("expires", ""), query.get("sig", "")
        if not hmac.compare_digest(self._sign(method, path, expires).encode(), sig.encode()):
            raise Rejected(403, "SignatureDoesNotMatch")
        if self.clock() > float(expires):
            raise Rejected(403, "Request has expired")

    # ---- assets ----

    def _asset_json(self, a: _Asset, now: float) -> dict[str, Any]:
        props: dict[str, Any] = {"size": a.size}
        for name in ("width", "height", "duration"):
            value = getattr(a, name)
            if value is not None:
                props[name] = value
        return {
            "id": a.id,
            "url": self.signed_url("GET", f"/_storage/files/{a.id}", now + self.url_ttl),
            "mimeType": a.mime_type,
            "kind": a.kind,
            "name": a.name,
            "status": "success",
            "properties": props,
            "createdAt": iso(a.created),
        }

    def _visible_asset(self, asset_id: str) -> _Asset:
        with self._lock:
            a = self._assets.get(asset_id)
            if a is None or a.ready_at > self.clock():
                raise Rejected(404, f"Asset {asset_id} not found")
            return a

    def asset_file(self, asset_id: str) -> tuple[_Asset, Path]:
        """The asset and its bytes on disk, rendering a job's result on first use."""
        a = self._visible_asset(asset_id)
        if a.path is not None:
            return a, a.path
        assert a.render is not None
        path = self.clips.get(*a.render)  # slow the first time: outside the lock
        with self._lock:
            a.size = path.stat().st_size
        return a, path

    def get_asset(self, asset_id: str) -> dict[str, Any]:
        a, _ = self.asset_file(asset_id)  # the size needs the file
        with self._lock:
            return {"asset": self._asset_json(a, self.clock())}

    def download_asset(self, asset_id: str) -> dict[str, Any]:
        a = self._visible_asset(asset_id)
        with self._lock:
            view = self._asset_json(a, self.clock())
        return {"url": view["url"], "mimeType": a.mime_type}

    def create_image_asset(self, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise Rejected(400, "The request body must be a JSON object")
        name, image = body.get("name"), body.get("image")
        if not isinstance(name, str) or not name:
            raise Rejected(400, "Missing required parameter 'name'")
        if not isinstance(image, str) or not image:
            raise Rejected(400, "Missing required parameter 'image'")
        data = decode_base64_image(image)
        if data is None:
            raise Rejected(400, "Invalid value for parameter 'image': not base64 or a data URL")
        if len(data) >= MAX_IMAGE_BYTES:
            raise Rejected(
                400, f"Invalid value for parameter 'image': {len(data)} bytes; images must be "
                "under 6 MB here (use POST /uploads for larger files)",
            )
        info = sniff_image(data)
        if info is None:
            raise Rejected(400, "Invalid value for parameter 'image': not a PNG, JPEG or WebP")
        asset_id = new_id("asset")
        path = self._asset_path(asset_id)
        path.write_bytes(data)
        with self._lock:
            now = self.clock()
            a = _Asset(
                id=asset_id, kind="image", mime_type=info.mime_type, name=name, created=now,
                ready_at=now, path=path, width=info.width, height=info.height, size=len(data),
            )  # fmt: skip
            self._assets[asset_id] = a
            self._bump("assets_created")
            return {"asset": self._asset_json(a, now)}

    def _asset_path(self, asset_id: str) -> Path:
        d = self.root / "assets"
        d.mkdir(parents=True, exist_ok=True)
        return d / asset_id

    # ---- multipart uploads ----

    def _upload_json(self, u: _Upload) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": u.id, "status": u.status, "fileName": u.file_name,
            "contentType": u.content_type, "kind": u.kind, "fileSize": u.file_size,
            "createdAt": iso(u.created),
        }  # fmt: skip
        if u.status == "pending":
            out["parts"] = [
                {
                    "number": n,
                    "url": self.signed_url("PUT", f"/_storage/upload/{u.id}/{n}", u.expires),
                    "expires": iso(u.expires),
                }
                for n in range(1, u.parts + 1)
            ]
        if u.entity_id:
            out["entityId"] = u.entity_id
        if u.error_message:
            out["errorMessage"] = u.error_message
        return out

    def create_upload(self, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise Rejected(400, "The request body must be a JSON object")
        for name, kind in (("fileName", str), ("contentType", str), ("kind", str),
                           ("fileSize", int), ("parts", int)):  # fmt: skip
            v = body.get(name)
            if v is None:
                raise Rejected(400, f"Missing required parameter '{name}'")
            if not isinstance(v, kind) or isinstance(v, bool):
                raise Rejected(400, f"Invalid value for parameter '{name}'")
        if body["kind"] not in UPLOAD_KINDS:
            raise Rejected(400, f"Invalid value for parameter 'kind': one of {UPLOAD_KINDS}")
        if body["fileSize"] <= 0:
            raise Rejected(400, "Invalid value for parameter 'fileSize': must be positive")
        if not 1 <= body["parts"] <= MAX_PARTS:
            raise Rejected(400, f"Invalid value for parameter 'parts': 1..{MAX_PARTS}")
        with self._lock:
            now = self.clock()
            u = _Upload(
                id=new_id("upload"), file_name=body["fileName"],
                content_type=body["contentType"], kind=body["kind"],
                file_size=body["fileSize"], parts=body["parts"], created=now,
                expires=now + self.url_ttl,
            )  # fmt: skip
            self._uploads[u.id] = u
            self._bump("uploads")
            return {"upload": self._upload_json(u)}

    def part_path(self, upload_id: str, number: int) -> Path:
        """Where a PUT part goes; raises `Rejected` when the upload takes no more parts."""
        with self._lock:
            u = self._uploads.get(upload_id)
            if u is None or u.status != "pending":
                raise Rejected(404, "NoSuchUpload")
            if not 1 <= number <= u.parts:
                raise Rejected(400, "InvalidArgument: part number out of range")
        d = self.root / "uploads" / upload_id
        d.mkdir(parents=True, exist_ok=True)
        return d / str(number)

    def part_stored(self, upload_id: str, number: int, size: int) -> None:
        with self._lock:
            self._uploads[upload_id].part_sizes[number] = size

    def get_upload(self, upload_id: str) -> dict[str, Any]:
        with self._lock:
            u = self._uploads.get(upload_id)
            if u is None:
                raise Rejected(404, f"Upload {upload_id} not found")
            view = self._upload_json(u)
            # The import result is decided at completion; it shows after the import delay.
            if u.status in ("imported", "failed") and u.completed_at is not None and (
                self.clock() < u.completed_at + self.upload_import_delay
            ):
                view["status"] = "processing"
                view.pop("entityId", None)
                view.pop("errorMessage", None)
            return {"upload": view}

    def upload_action(self, upload_id: str, body: Any) -> dict[str, Any]:
        action = body.get("action") if isinstance(body, dict) else None
        with self._lock:
            u = self._uploads.get(upload_id)
            if u is None:
                raise Rejected(404, f"Upload {upload_id} not found")
            if action != "complete":
                raise Rejected(400, f"Invalid value for parameter 'action': {action!r}")
            if u.status != "pending":
                raise Rejected(400, f"Upload {upload_id} is already {u.status}")
            for n in range(1, u.parts + 1):
                if n not in u.part_sizes:
                    raise Rejected(400, f"Part {n} of {u.parts} was not uploaded")
                if n < u.parts and u.part_sizes[n] < MIN_PART_BYTES:
                    raise Rejected(
                        400, f"EntityTooSmall: part {n} is {u.part_sizes[n]} bytes; every part "
                        f"but the last must be at least {MIN_PART_BYTES} bytes (5 MiB)",
                    )
            u.status = "processing"
            asset_id = new_id("asset")
        path = self._asset_path(asset_id)
        parts_dir = self.root / "uploads" / upload_id
        with path.open("wb") as out:
            for n in range(1, u.parts + 1):
                with (parts_dir / str(n)).open("rb") as part:
                    shutil.copyfileobj(part, out, MIB)
        shutil.rmtree(parts_dir, ignore_errors=True)
        asset, error = self._import(asset_id, path, u)
        with self._lock:
            now = self.clock()
            u.completed_at = now
            if asset is None:
                u.status, u.error_message = "failed", error
                path.unlink(missing_ok=True)
            else:
                asset.created = asset.ready_at = now
                self._assets[asset.id] = asset
                self._bump("assets_created")
                u.status, u.entity_id = "imported", asset.id
        return self.get_upload(upload_id)

    def _import(self, asset_id: str, path: Path, u: _Upload) -> tuple[_Asset | None, str]:
        size = path.stat().st_size
        if u.kind == "image":
            with path.open("rb") as f:
                info = sniff_image(f.read(1 << 16))
            if info is None:
                return None, f"{u.file_name} is not a PNG, JPEG or WebP image"
            return _Asset(asset_id, "image", info.mime_type, u.file_name, 0.0, 0.0, path,
                          width=info.width, height=info.height, size=size), ""  # fmt: skip
        p = probe(path, self.clips.ffmpeg)
        ok = p is not None and (p.kind == "video" if u.kind == "video" else p.has_audio)
        if p is None or not ok:
            return None, f"{u.file_name} could not be read as {u.kind}"
        mime = u.content_type if u.content_type.startswith(f"{u.kind}/") else (
            "video/mp4" if u.kind == "video" else "audio/mpeg"
        )
        return _Asset(
            asset_id, u.kind, mime, u.file_name, 0.0, 0.0, path, duration=p.duration,
            width=p.width if u.kind == "video" else None,
            height=p.height if u.kind == "video" else None, size=size,
        ), ""  # fmt: skip


def _encode_token(seq: int) -> str:
    return base64.urlsafe_b64encode(f"before:{seq}".encode()).decode().rstrip("=")


def _decode_token(token: str) -> int:
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        kind, _, seq = text.partition(":")
        if kind != "before":
            raise ValueError(text)
        return int(seq)
    except (ValueError, UnicodeDecodeError, binascii.Error):
        raise Rejected(400, "Invalid paginationToken") from None
