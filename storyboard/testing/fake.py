"""`FakeScenario`: a real HTTP server on 127.0.0.1 that behaves like Scenario's Generation API for
the Luma models, with fault injection and counters for tests.

Start it in a test (or use the `fake_scenario` fixture from `pytest_plugin`), point the client at
`base_url`, and assert on `counters`. `fake_scenario.py` runs it from the command line.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from types import TracebackType

from storyboard.media import Ffmpeg
from storyboard.testing.clips import ClipCache
from storyboard.testing.faults import DEFAULT_FAULT_KINDS, Fault, FaultPlan, applies, as_fault
from storyboard.testing.server import ROUTES, FakeHTTPServer, ServerConfig
from storyboard.testing.state import Counters, FakeState, JobSnapshot

# Scenario limits the jobs a team runs at once (the limit depends on the plan); a client that
# never meets the 429 in tests would not survive it for real. None lifts the limit.
DEFAULT_MAX_PARALLEL_JOBS = 10


class FakeScenario:
    """The fake service, held to the official SDK's models (tests/contract). Every knob has a
    test-friendly default; see the module docstrings of `models` (validation from the seed page,
    cost), `jobs`, `assets` and `uploads` (the state) and `faults` (fault kinds).

    `clip_dir` shares rendered result videos between instances (the pytest plugin passes one per
    session); `clock` replaces `time.time` for job progress, URL expiry and the upload delay;
    `ffmpeg` is the `storyboard.media.Ffmpeg` that renders results and probes uploads.
    """

    def __init__(
        self,
        api_key: str = "test-key",
        api_secret: str = "test-secret",
        latency: float = 0.3,
        max_parallel_jobs: int | None = DEFAULT_MAX_PARALLEL_JOBS,
        fault_rate: float = 0.0,
        fault_kinds: Iterable[str] = DEFAULT_FAULT_KINDS,
        seed: int = 0,
        moderated_words: Iterable[str] = ("forbidden",),
        url_ttl: float = 3600.0,
        upload_import_delay: float = 0.05,
        *,
        port: int = 0,
        fault_routes: Iterable[str] | None = None,
        slow_seconds: float = 2.0,
        rate_limit_seconds: float = 1.0,
        clip_dir: Path | None = None,
        clock: Callable[[], float] = time.time,
        ffmpeg: Ffmpeg | None = None,
    ) -> None:
        self._port_wanted = port
        self._clip_dir = clip_dir
        self._ffmpeg = ffmpeg or Ffmpeg()
        self._tmp: Path | None = None  # made by start(), removed by stop()
        self._state = FakeState(
            Path(),
            ClipCache(Path(), self._ffmpeg),
            latency=latency,
            max_parallel_jobs=max_parallel_jobs,
            moderated_words=tuple(moderated_words),
            url_ttl=url_ttl,
            upload_import_delay=upload_import_delay,
            clock=clock,
        )
        self._faults = FaultPlan(fault_rate, fault_kinds, fault_routes, seed)
        self._config = ServerConfig(api_key, api_secret, slow_seconds, rate_limit_seconds)
        self._server: FakeHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ---- lifecycle ----

    def start(self) -> FakeScenario:
        if self._server is not None:
            return self
        self._tmp = Path(tempfile.mkdtemp(prefix="fake-scenario-"))
        self._state.root = self._tmp / "store"
        self._state.clips = ClipCache(self._clip_dir or self._tmp / "clips", self._ffmpeg)
        server = FakeHTTPServer(("127.0.0.1", self._port_wanted), self._state, self._faults,
                                self._config)  # fmt: skip
        self._state.origin = f"http://127.0.0.1:{server.server_address[1]}"
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05},
            name=f"fake-scenario-{self.port}", daemon=True,
        )  # fmt: skip
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.stopping.set()  # wakes requests sleeping in a "slow" fault
            server.shutdown()
            server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    def __enter__(self) -> FakeScenario:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # ---- where and who ----

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("FakeScenario is not running: call start() first")
        return int(self._server.server_address[1])

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        return f"{self.origin}/v1"

    @property
    def api_key(self) -> str:
        return self._config.api_key

    @property
    def api_secret(self) -> str:
        return self._config.api_secret

    @property
    def auth(self) -> tuple[str, str]:
        """For `httpx.Client(auth=fake.auth)`."""
        return self._config.api_key, self._config.api_secret

    @property
    def env(self) -> dict[str, str]:
        """The environment a storyboard process needs to talk to this fake."""
        return {
            "SCENARIO_BASE_URL": self.base_url,
            "SCENARIO_API_KEY": self.api_key,
            "SCENARIO_API_SECRET": self.api_secret,
        }

    # ---- knobs, changeable while running ----

    @property
    def latency(self) -> float:
        """Seconds from submission to a terminal status, for jobs submitted from now on."""
        return self._state.latency

    @latency.setter
    def latency(self, value: float) -> None:
        self._state.latency = value

    @property
    def transformed_assets(self) -> bool:
        """Whether `GET /assets/{id}` without `originalAssets=true` hands out the URL of a
        transformed copy, whose size differs from `properties.size` (on by default)."""
        return self._state.transformed_assets

    @transformed_assets.setter
    def transformed_assets(self, value: bool) -> None:
        self._state.transformed_assets = value

    @property
    def max_parallel_jobs(self) -> int | None:
        return self._state.max_parallel_jobs

    @max_parallel_jobs.setter
    def max_parallel_jobs(self, value: int | None) -> None:
        self._state.max_parallel_jobs = value

    def configure_faults(
        self,
        rate: float | None = None,
        kinds: Iterable[str] | None = None,
        routes: Iterable[str] | None = None,
        seed: int | None = None,
        slow_seconds: float | None = None,
        rate_limit_seconds: float | None = None,
    ) -> None:
        """Change random faults; None keeps a value, `routes=()` means every API route (name
        storage routes, e.g. `storage_get`, to fault them too)."""
        self._faults.configure(rate=rate, kinds=kinds, routes=routes, seed=seed)
        if slow_seconds is not None:
            self._config.slow_seconds = slow_seconds
        if rate_limit_seconds is not None:
            self._config.rate_limit_seconds = rate_limit_seconds

    def script_faults(self, faults: Iterable[Fault | str]) -> None:
        """Queue faults for the next matching requests: `"500"` hits the next API request,
        `"generate:drop_after_create"` or `Fault("drop", "get_job")` the next of that route,
        `"storage_get:truncated"` the next download. The kinds and the routes each can hit are
        listed in `storyboard.testing.faults`; a fault that can never happen is refused."""
        items = [as_fault(f) for f in faults]
        api = {r.name: r.api for r in ROUTES}
        for f in items:
            if f.route is None:
                continue
            if f.route not in api:
                raise ValueError(f"unknown route {f.route!r}; choose from {', '.join(api)}")
            if not applies(f.kind, f.route, api[f.route]):
                raise ValueError(f"a {f.kind!r} fault cannot happen on route {f.route!r}")
        self._faults.script(items)

    def clear_faults(self) -> None:
        self._faults.clear()

    @property
    def scripted_faults(self) -> tuple[Fault, ...]:
        """Scripted faults not yet consumed."""
        return self._faults.pending

    # ---- what happened ----

    @property
    def counters(self) -> Counters:
        return self._state.counters()

    def reset_counters(self) -> None:
        self._state.reset_counters()

    @property
    def jobs(self) -> tuple[JobSnapshot, ...]:
        """Every job created so far, oldest first, with its status as of now."""
        return self._state.job_snapshots()

    @property
    def internal_errors(self) -> tuple[str, ...]:
        """Tracebacks of bugs in the fake itself (each answered 500); should stay empty."""
        return tuple(self._state.internal_errors)
