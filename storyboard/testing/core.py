"""The state every part of the fake Scenario shares: one lock, the clock, the stores of jobs,
assets and uploads, the counters, and the signing of storage URLs.

`jobs.py`, `assets.py` and `uploads.py` add the routes' behaviour on top; `state.py` joins them.
Job status is computed from the clock at each read (no background thread); slow work (ffmpeg)
happens outside the lock.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from collections.abc import Callable, Mapping
from pathlib import Path

from storyboard.testing.clips import ClipCache
from storyboard.testing.models import Rejected
from storyboard.testing.records import Asset, Counters, Job, Upload


class StateCore:
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
        self.transformed_assets = True  # GET /assets/{id} without originalAssets: a copy
        self.clock = clock
        self.origin = ""  # http://127.0.0.1:PORT, set once the server is bound
        self._lock = threading.RLock()
        self._key = secrets.token_bytes(32)  # signs storage URLs
        self._jobs: dict[str, Job] = {}
        self._assets: dict[str, Asset] = {}
        self._uploads: dict[str, Upload] = {}
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

    def _active_jobs(self, now: float) -> int:
        return sum(1 for j in self._jobs.values() if j.stuck or now < j.ends_at)

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

    def _asset_path(self, asset_id: str) -> Path:
        d = self.root / "assets"
        d.mkdir(parents=True, exist_ok=True)
        return d / asset_id
