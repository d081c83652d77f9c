"""HTTP for the Scenario client: pooled httpx clients per event loop, and the retry policy.

Safe requests (GETs, dry runs, uploads, downloads) retry with backoff and jitter; the paid
submission is retried only when the connection was refused before anything was sent, and an
ambiguous failure becomes `AmbiguousSubmission`. `answers.py` turns what comes back into ours.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import functools
import random
import ssl
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Concatenate, ParamSpec, TypeVar

import httpx

from storyboard.errors import (
    AmbiguousSubmission,
    ProviderError,
    RateLimited,
    ScenarioUnavailable,
    TransientError,
)
from storyboard.providers.scenario.answers import (
    body_kind,
    json_or_none,
    redactor,
    translate_status,
    translate_transport,
)

T = TypeVar("T")
P = ParamSpec("P")
C = TypeVar("C", bound="Transport")
Sleep = Callable[[float], Awaitable[None]]

MIB = 1024 * 1024
PART_BYTES = 5 * MIB  # S3's floor for every part but the last
MAX_DOWNLOAD_BYTES = 4 * 1024 * MIB  # no Luma clip comes near this; a bigger body is a bug
HTTP_TIMEOUT = 60.0  # seconds without progress (connect, send, a read) before a request fails
CONNECT_TIMEOUT = 10.0
DEFAULT_TIMEOUT = httpx.Timeout(HTTP_TIMEOUT, connect=CONNECT_TIMEOUT)
USER_AGENT = "storyboard (+https://github.com/storyboard)"
# An API answer is JSON of a few kB (a page of 100 jobs: a few hundred kB): one past this is
# refused unread rather than held in memory whole.
MAX_ANSWER_BYTES = 16 * MIB


class _UrlRefused(ProviderError):
    """A signed storage URL answered 403 (expired or bad signature): get a fresh one."""


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded exponential backoff with jitter (the SDK's 0.5·2ⁿ s capped at 8 s, more tries)."""

    attempts: int = 5
    base: float = 0.5
    cap: float = 8.0
    max_rate_wait: float = 60.0  # never sleep longer than this on one 429

    def backoff(self, attempt: int, rng: random.Random) -> float:
        ceiling = min(self.cap, self.base * 2.0**attempt)
        return float(ceiling / 2 + rng.uniform(0, ceiling / 2))


def session(fn: Callable[Concatenate[C, P], Awaitable[T]]
            ) -> Callable[Concatenate[C, P], Awaitable[T]]:
    """Marks a public call; when the last one in flight ends, pooled connections are closed.

    Planning and building run in separate `asyncio.run` loops, and a pooled connection cannot
    outlive its loop: closing when idle leaves no socket behind on a finished loop, at the
    price of a new connection after each idle pause (a poll every few seconds, at most).
    """

    @functools.wraps(fn)
    async def call(self: C, /, *args: P.args, **kwargs: P.kwargs) -> T:
        self._active += 1
        try:
            return await fn(self, *args, **kwargs)
        finally:
            self._active -= 1
            if self._active == 0:
                await self.aclose()

    return call


class Transport:
    """The HTTP half of `ScenarioClient`: two pooled httpx clients and the retry policy.
    Credentials live only inside the API client's auth object: never in attributes, reprs or
    messages."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        api_secret: str,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Sleep = asyncio.sleep,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,  # seconds: connect is capped at 10
        retry: RetryPolicy | None = None,
        rng: random.Random | None = None,
        part_bytes: int = PART_BYTES,
        upload_poll: float = 0.5,
        upload_deadline: float = 900.0,
        max_download_bytes: int = MAX_DOWNLOAD_BYTES,
        max_answer_bytes: int = MAX_ANSWER_BYTES,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._auth = httpx.BasicAuth(api_key, api_secret)
        # Server texts can echo our request: the key pair is scrubbed from every message.
        self._scrub = redactor(api_key, api_secret)
        self._clock = clock
        self._server_offset: float | None = None  # the server's Date minus our clock, seconds
        self._transport = transport
        self._sleep = sleep
        self._timeout = timeout if isinstance(timeout, httpx.Timeout) else \
            httpx.Timeout(timeout, connect=min(CONNECT_TIMEOUT, timeout))
        self.retry = retry or RetryPolicy()
        self._rng = rng or random.Random()
        self.part_bytes = max(part_bytes, PART_BYTES)
        self.upload_poll = upload_poll
        self.upload_deadline = upload_deadline
        self.max_download_bytes = max_download_bytes
        self.max_answer_bytes = max_answer_bytes
        # A paid submission is abandoned after this long in total, so a job it may have
        # created has appeared by `submit_window` after its intent (judged by server time).
        self.submit_window = float(self._timeout.read or HTTP_TIMEOUT)
        self._api_client: httpx.AsyncClient | None = None
        self._storage_client: httpx.AsyncClient | None = None
        self._ssl: ssl.SSLContext | None = None  # made once: loading CA files costs ~20 ms
        self._loop: asyncio.AbstractEventLoop | None = None
        self._active = 0  # public calls in flight (see `session`)

    def __repr__(self) -> str:
        return f"ScenarioClient({self.base_url!r})"

    # -- the two httpx clients ------------------------------------------------------------
    async def _clients(self) -> tuple[httpx.AsyncClient, httpx.AsyncClient]:
        """(API client with Basic auth, storage client without), made per event loop: the
        project runs planning and building in separate `asyncio.run` calls, and pooled
        connections cannot cross loops."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            await self.aclose()
            self._loop = loop
        if self._api_client is None or self._storage_client is None:
            # Clients are remade after every idle pause (see `session`); the TLS context is
            # not: building one reads the CA bundle, tens of ms of CPU that would stall every
            # job's poll loop.
            if self._ssl is None and self._transport is None:
                self._ssl = httpx.create_ssl_context()
            verify: ssl.SSLContext | bool = self._ssl if self._ssl is not None else True
            headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
            self._api_client = httpx.AsyncClient(
                base_url=self.base_url + "/", auth=self._auth, headers=headers,
                timeout=self._timeout, transport=self._transport, verify=verify)
            # Presigned storage URLs refuse a second credential: this client has no auth.
            self._storage_client = httpx.AsyncClient(
                headers={"User-Agent": USER_AGENT}, timeout=self._timeout,
                transport=self._transport, follow_redirects=True, verify=verify)
        return self._api_client, self._storage_client

    async def aclose(self) -> None:
        clients = [c for c in (self._api_client, self._storage_client) if c is not None]
        self._api_client = self._storage_client = None
        for c in clients:
            # A client from a loop that has ended cannot close its sockets cleanly any more.
            with contextlib.suppress(Exception):
                await c.aclose()

    # -- the server's clock ---------------------------------------------------------------
    def _saw_date(self, resp: httpx.Response) -> datetime | None:
        """The server's time from an answer's `Date` header (whole seconds, rounded down)."""
        header = resp.headers.get("Date", "")
        try:
            when = email.utils.parsedate_to_datetime(header) if header else None
        except (TypeError, ValueError):
            when = None
        if when is None:
            return None
        when = when if when.tzinfo else when.replace(tzinfo=UTC)
        self._server_offset = when.timestamp() - self._clock()
        return when

    def as_server_time(self, local: datetime) -> datetime:
        """A time read on our clock, moved to the server's by the offset seen last (an upper
        bound, as `server_now`)."""
        if self._server_offset is None:
            return local
        return local + timedelta(seconds=self._server_offset + 1)

    def server_now(self) -> datetime | None:
        """The server's clock now, never earlier than it is (a Date header is rounded down by up
        to a second); None before any answer carried a Date. Our own clock may be minutes off:
        recovery decisions compare server times only."""
        if self._server_offset is None:
            return None
        return datetime.fromtimestamp(self._clock() + self._server_offset, UTC) + \
            timedelta(seconds=1)

    # -- retry and translation ------------------------------------------------------------
    async def _retrying(self, what: str, once: Callable[[], Awaitable[T]], *,
                        paid: bool = False) -> T:
        """Run `once` under the retry policy. A paid call is retried only when it certainly
        did not arrive; after an ambiguous failure it raises `AmbiguousSubmission`."""
        last: TransientError | None = None
        for attempt in range(self.retry.attempts):
            try:
                return await once()
            except RateLimited as exc:
                if paid:
                    raise  # certainly not created: the engine waits and submits again
                last = exc
                wait = min(max(exc.retry_after, 0.0), self.retry.max_rate_wait)
            except ScenarioUnavailable as exc:
                if paid and exc.may_have_arrived:
                    raise AmbiguousSubmission(
                        f"{exc}; the submission may have reached Scenario and created a job, "
                        "so it was not sent again (a second try could pay twice): the build "
                        "looks for that job before anything is sent again",
                        may_have_arrived=True, status=exc.status, trace_id=exc.trace_id,
                    ) from exc
                last = exc
                wait = self.retry.backoff(attempt, self._rng)
            if attempt + 1 < self.retry.attempts:
                await self._sleep(wait)
        assert last is not None
        text = f"{last} (gave up after {self.retry.attempts} attempts; try again later)"
        if isinstance(last, RateLimited):
            raise RateLimited(text, last.retry_after) from last
        may = last.may_have_arrived if isinstance(last, ScenarioUnavailable) else True
        raise ScenarioUnavailable(text, may_have_arrived=may) from last

    async def _api(self, method: str, path: str, what: str, *,
                   params: Mapping[str, str] | None = None, json: Any = None,
                   paid: bool = False) -> tuple[int, dict[str, Any]]:
        """One API call under the retry policy: (status, JSON body) of a 2xx answer."""
        status, data, _ = await self._api_dated(method, path, what, params=params, json=json,
                                                paid=paid)
        return status, data

    async def _api_dated(self, method: str, path: str, what: str, *,
                         params: Mapping[str, str] | None = None, json: Any = None,
                         paid: bool = False) -> tuple[int, dict[str, Any], datetime | None]:
        """`_api`, plus the server's time of the answer (its Date header)."""

        async def once() -> tuple[int, dict[str, Any], datetime | None]:
            api, _ = await self._clients()
            try:
                if paid:
                    # Bounded in total, not only per read: recovery waits this long (by the
                    # server's clock) before it may conclude that no job was made.
                    async with asyncio.timeout(self.submit_window):
                        resp = await self._read_answer(api, method, path, what, params, json,
                                                       paid)
                else:
                    resp = await self._read_answer(api, method, path, what, params, json, paid)
            except TimeoutError:
                raise ScenarioUnavailable(
                    f"{what}: timed out (no answer within {self.submit_window:g} s)",
                    may_have_arrived=True) from None
            except httpx.RequestError as exc:
                raise translate_transport(exc, what, self._scrub) from exc
            when = self._saw_date(resp)
            if not resp.is_success:
                raise translate_status(resp, what, self._scrub)
            data = json_or_none(resp)
            if not isinstance(data, dict):
                # A proxy or gateway page where the API's JSON should be: worth another try.
                raise ScenarioUnavailable(
                    f"{what}: Scenario answered {resp.status_code} with {body_kind(resp)} "
                    "instead of a JSON object", may_have_arrived=True, status=resp.status_code)
            return resp.status_code, data, when

        return await self._retrying(what, once, paid=paid)

    async def _read_answer(self, api: httpx.AsyncClient, method: str, path: str, what: str,
                           params: Mapping[str, str] | None, json: Any, paid: bool
                           ) -> httpx.Response:
        """The answer with its body read, refused past `max_answer_bytes` (announced or
        counted) without reading the rest."""
        cap = self.max_answer_bytes
        async with api.stream(method, path, params=params, json=json) as resp:
            declared = resp.headers.get("Content-Length", "").strip()
            body = bytearray()
            if not (declared.isdigit() and int(declared) > cap):
                async for chunk in resp.aiter_bytes(1 << 16):  # decoded: a zip bomb counts
                    body += chunk
                    if len(body) > cap:
                        break
            if len(body) > cap or (declared.isdigit() and int(declared) > cap):
                text = (f"{what}: Scenario's answer is larger than the {cap} byte limit for an "
                        "API answer, so it was refused unread; try again later, and report it "
                        "if it persists")
                if paid:  # the job may exist all the same: recovery looks for it
                    raise ScenarioUnavailable(text, may_have_arrived=True)
                raise ProviderError(text)
            headers = [(k, v) for k, v in resp.headers.multi_items()
                       if k.lower() not in ("content-encoding", "content-length")]
            return httpx.Response(resp.status_code, headers=headers, content=bytes(body),
                                  request=resp.request)
