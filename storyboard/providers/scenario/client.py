"""`ScenarioClient`: Scenario's Generation API over httpx, the only httpx user in storyboard.

Every httpx failure and error status becomes a storyboard error in one place (`_translate*`),
and the retry policy lives here too: safe requests (GETs, dry runs, uploads, downloads) retry
with backoff and jitter; the paid submission is retried only when the connection was refused
before anything was sent. The provider (`provider.py`) builds on these methods.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import email.utils
import functools
import math
import os
import random
import ssl
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar
from urllib.parse import quote

import httpx

from storyboard.errors import (
    AmbiguousSubmission,
    CredentialsError,
    ProviderError,
    RateLimited,
    Rejected,
    ScenarioUnavailable,
    TransientError,
)

T = TypeVar("T")
P = ParamSpec("P")
Sleep = Callable[[float], Awaitable[None]]

MIB = 1024 * 1024
PART_BYTES = 5 * MIB  # S3's floor for every part but the last
MAX_PARTS = 10_000
IMAGE_JSON_LIMIT = 6 * 1000 * 1000  # POST /assets takes images under 6 MB
MAX_DOWNLOAD_BYTES = 4 * 1024 * MIB  # no Luma clip comes near this; a bigger body is a bug
HTTP_TIMEOUT = 60.0  # seconds without progress (connect, send, a read) before a request fails
CONNECT_TIMEOUT = 10.0
DEFAULT_TIMEOUT = httpx.Timeout(HTTP_TIMEOUT, connect=CONNECT_TIMEOUT)
DEFAULT_RATE_WAIT = 5.0
USER_AGENT = "storyboard (+https://github.com/storyboard)"

# Raised before a byte of the request left: a retry cannot create a second job.
_NOT_SENT: tuple[type[httpx.RequestError], ...] = (
    httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol,
    httpx.LocalProtocolError, httpx.ProxyError,
)


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


def sniff_mime(head: bytes) -> str | None:
    """The media type of a file from its first bytes (store objects have no extension)."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "audio/wav"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand.startswith(b"M4A"):
            return "audio/mp4"
        return "video/quicktime" if brand == b"qt  " else "video/mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm"
    if head.startswith(b"OggS"):
        return "audio/ogg"
    if head.startswith(b"fLaC"):
        return "audio/flac"
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "audio/mpeg"
    return None


def _session(fn: Callable[Concatenate[ScenarioClient, P], Awaitable[T]]
             ) -> Callable[Concatenate[ScenarioClient, P], Awaitable[T]]:
    """Marks a public call; when the last one in flight ends, pooled connections are closed.

    Planning and building run in separate `asyncio.run` loops, and a pooled connection cannot
    outlive its loop: closing when idle leaves no socket behind on a finished loop, at the
    price of a new connection after each idle pause (a poll every few seconds, at most).
    """

    @functools.wraps(fn)
    async def call(self: ScenarioClient, /, *args: P.args, **kwargs: P.kwargs) -> T:
        self._active += 1
        try:
            return await fn(self, *args, **kwargs)
        finally:
            self._active -= 1
            if self._active == 0:
                await self.aclose()

    return call


class ScenarioClient:
    """Async client for the endpoints storyboard uses. Credentials live only inside the
    API client's auth object: never in attributes, reprs or messages."""

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
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._auth = httpx.BasicAuth(api_key, api_secret)
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
        self._api_client: httpx.AsyncClient | None = None
        self._storage_client: httpx.AsyncClient | None = None
        self._ssl: ssl.SSLContext | None = None  # made once: loading CA files costs ~20 ms
        self._loop: asyncio.AbstractEventLoop | None = None
        self._active = 0  # public calls in flight (see `_session`)

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
            # Clients are remade after every idle pause (see `_session`); the TLS context is
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
                        "so it was not sent again (a second try could pay twice): the next "
                        "build looks for that job before submitting",
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

        async def once() -> tuple[int, dict[str, Any]]:
            api, _ = await self._clients()
            try:
                resp = await api.request(method, path, params=params, json=json)
            except httpx.RequestError as exc:
                raise _translate_transport(exc, what) from exc
            if not resp.is_success:
                raise _translate_status(resp, what)
            data = _json_or_none(resp)
            if not isinstance(data, dict):
                # A proxy or gateway page where the API's JSON should be: worth another try.
                raise ScenarioUnavailable(
                    f"{what}: Scenario answered {resp.status_code} with {_body_kind(resp)} "
                    "instead of a JSON object", may_have_arrived=True, status=resp.status_code)
            return resp.status_code, data

        return await self._retrying(what, once, paid=paid)

    # -- jobs and models ------------------------------------------------------------------
    @_session
    async def check_credentials(self) -> None:
        """A cheap authenticated GET; CredentialsError when the key pair is refused."""
        try:
            await self._api("GET", "/jobs", "checking the Scenario credentials",
                            params={"pageSize": "1"})
        except Rejected as exc:
            if exc.status == 403:
                raise CredentialsError(
                    f"Scenario refused these credentials: {exc.reason}"
                    f"{_trace(exc.trace_id)}; check that the API key belongs to a project "
                    "that may use the API") from None
            raise

    @_session
    async def estimate(self, model_id: str, body: Mapping[str, Any]) -> float:
        """Cost in creative units of running `body`, without running it (HTTP 269)."""
        what = f"estimating {model_id}"
        status, data = await self._api("POST", f"/generate/custom/{_seg(model_id)}", what,
                                       params={"dryRun": "true"}, json=dict(body))
        if "job" in data:
            # dryRun was ignored and a job was created: say so loudly, it is being charged.
            job = data.get("job") or {}
            raise ProviderError(
                f"{what}: Scenario started job {job.get('jobId', '?')} instead of a dry run "
                f"(HTTP {status}); it may be charged. Please report this")
        return _number(data.get("creativeUnitsCost"), what, "creativeUnitsCost")

    @_session
    async def submit(self, model_id: str, body: Mapping[str, Any]) -> tuple[str, float]:
        """Start a paid job: (job id, cost). Never retried after it may have arrived."""
        what = f"submitting to {model_id}"
        _, data = await self._api("POST", f"/generate/custom/{_seg(model_id)}", what,
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

    @_session
    async def get_job(self, job_id: str) -> dict[str, Any]:
        _, data = await self._api("GET", f"/jobs/{_seg(job_id)}", f"reading job {job_id}")
        return _object(data, "job", f"reading job {job_id}")

    @_session
    async def list_jobs(self, created_after_iso: str, *, max_pages: int = 50
                        ) -> list[dict[str, Any]]:
        """Custom jobs created after the given time, every page. `createdAfter` is refused with
        a type filter (scenario-sdk's job_list_params), so the job type is filtered here."""
        out: list[dict[str, Any]] = []
        params = {"createdAfter": created_after_iso, "pageSize": "100"}
        for _ in range(max_pages):
            _, data = await self._api("GET", "/jobs", "listing recent jobs", params=params)
            jobs = data.get("jobs")
            if isinstance(jobs, list):
                out.extend(j for j in jobs if isinstance(j, dict)
                           and j.get("jobType", "custom") == "custom")
            token = data.get("nextPaginationToken")
            if not isinstance(token, str) or not token:
                break
            params = {**params, "paginationToken": token}
        return out

    # -- assets ---------------------------------------------------------------------------
    @_session
    async def asset(self, asset_id: str) -> dict[str, Any]:
        what = f"reading asset {asset_id}"
        _, data = await self._api("GET", f"/assets/{_seg(asset_id)}", what)
        return _object(data, "asset", what)

    @_session
    async def upload_image(self, path: Path, name: str | None = None) -> str:
        """An image as an asset: inline base64 when small, the multipart flow when large."""
        name = name or path.name
        big = path.stat().st_size >= IMAGE_JSON_LIMIT
        data = await asyncio.to_thread(_read_range, path, 0, 64) if big else \
            await asyncio.to_thread(path.read_bytes)
        mime = sniff_mime(data[:64])
        if mime is None or not mime.startswith("image/"):
            raise ProviderError(f"{path.name} is not a PNG, JPEG or WebP image, which is what "
                                "Scenario takes for frames; convert it and build again")
        if big:
            return await self.upload_file(path, "image", mime, name=name)
        what = f"uploading {name}"
        url = f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
        _, out = await self._api("POST", "/assets", what, json={"name": name, "image": url})
        return _asset_id(_object(out, "asset", what).get("id"), what)

    @_session
    async def upload_file(self, path: Path, kind: str, content_type: str, *,
                          name: str | None = None) -> str:
        """Upload through /uploads (presigned parts, complete, wait for the import)."""
        name = name or path.name
        what = f"uploading {name}"
        size = path.stat().st_size
        if size <= 0:
            raise ProviderError(f"{what}: the file is empty")
        part = self.part_bytes
        if math.ceil(size / part) > MAX_PARTS:
            part = math.ceil(size / MAX_PARTS)
        parts = math.ceil(size / part)
        _, data = await self._api("POST", "/uploads", what, json={
            "fileName": name, "contentType": content_type, "kind": kind,
            "fileSize": size, "parts": parts})
        upload = _object(data, "upload", what)
        upload_id = upload.get("id")
        if not isinstance(upload_id, str) or not upload_id:
            raise ProviderError(f"{what}: Scenario's answer has no upload id")
        urls = _part_urls(upload)
        for number in range(1, parts + 1):
            offset = (number - 1) * part
            urls = await self._put_part(path, upload_id, urls, number, offset,
                                        min(part, size - offset), what)
        await self._complete(upload_id, what)
        return await self._wait_imported(upload_id, what)

    async def _put_part(self, path: Path, upload_id: str, urls: dict[int, str], number: int,
                        offset: int, length: int, what: str) -> dict[int, str]:
        chunk = await asyncio.to_thread(_read_range, path, offset, length)
        label = f"{what} (part {number})"
        for refreshed in (False, True):
            url = urls.get(number)
            if url is None:
                raise ProviderError(f"{label}: Scenario gave no URL for this part")
            try:
                await self._retrying(label, functools.partial(self._storage_put, url, chunk, label))
                return urls
            except _UrlRefused:
                if refreshed:
                    raise ProviderError(f"{label}: the storage URL was refused twice; try "
                                        "again later") from None
                # Part URLs expire; a pending upload hands out fresh ones.
                _, data = await self._api("GET", f"/uploads/{_seg(upload_id)}", label)
                urls = _part_urls(_object(data, "upload", label))
        return urls

    async def _storage_put(self, url: str, chunk: bytes, what: str) -> None:
        _, storage = await self._clients()
        try:
            resp = await storage.put(url, content=chunk)
        except httpx.RequestError as exc:
            raise _translate_transport(exc, what) from exc
        if resp.status_code == 403:
            raise _UrlRefused(f"{what}: the signed URL was refused")
        if not resp.is_success:
            raise _translate_status(resp, what)

    async def _complete(self, upload_id: str, what: str) -> None:
        try:
            await self._api("POST", f"/uploads/{_seg(upload_id)}/action", what,
                            json={"action": "complete"})
        except Rejected:
            # A retried `complete` whose first try arrived is refused as "already ...":
            # the upload is then on its way and waiting for it is right.
            _, data = await self._api("GET", f"/uploads/{_seg(upload_id)}", what)
            if _object(data, "upload", what).get("status") == "pending":
                raise

    async def _wait_imported(self, upload_id: str, what: str) -> str:
        started = time.monotonic()
        delay = self.upload_poll
        while True:
            _, data = await self._api("GET", f"/uploads/{_seg(upload_id)}", what)
            upload = _object(data, "upload", what)
            status = upload.get("status")
            if status == "imported":
                return _asset_id(upload.get("entityId"), what)
            if status == "failed":
                raise Rejected(f"{what}: Scenario could not import the file: "
                               f"{upload.get('errorMessage') or 'no reason given'}",
                               "check that the file plays, or re-export it", status=422)
            if time.monotonic() - started > self.upload_deadline:
                raise ScenarioUnavailable(
                    f"{what}: the upload was not imported within {self.upload_deadline:g} s "
                    f"(status {status})", may_have_arrived=True)
            await self._sleep(delay)
            delay = min(delay * 1.5, 5.0)

    @_session
    async def download(self, asset_id: str, dest: Path) -> int:
        """Stream an asset to `dest` through a fresh signed URL, with no Authorization header.

        The answer must be of the asset's kind (an HTML page is not a clip), and its length
        exactly the asset's announced size (and under a cap). A wrong type, a wrong length or a
        body cut short is retried like any transient failure, then reported; `dest` only ever
        appears complete."""
        what = f"downloading {asset_id}"
        for refreshed in (False, True):
            info = await self.asset(asset_id)
            url = info.get("url")
            if not isinstance(url, str) or not url:
                raise ProviderError(f"{what}: Scenario gave no URL for the asset")
            props = info.get("properties")
            size = props.get("size") if isinstance(props, dict) else None
            expected = int(size) if isinstance(size, int | float) and size > 0 else None
            mime = info.get("mimeType")
            wanted = mime if isinstance(mime, str) and "/" in mime else None
            try:
                return await self._retrying(what, functools.partial(
                    self._download_once, url, dest, expected, wanted, what))
            except _UrlRefused:
                if refreshed:
                    raise ProviderError(f"{what}: the signed URL was refused even when fresh; "
                                        "try again later") from None
        raise AssertionError("unreachable")  # pragma: no cover

    async def _download_once(self, url: str, dest: Path, expected: int | None,
                             wanted: str | None, what: str) -> int:
        _, storage = await self._clients()
        cap = self.max_download_bytes
        tmp = dest.with_name(f".{dest.name}.part{os.getpid()}")
        got = 0
        try:
            async with storage.stream("GET", url) as resp:
                if resp.status_code == 403:
                    raise _UrlRefused(f"{what}: the signed URL was refused (expired?)")
                if not resp.is_success:
                    await resp.aread()
                    raise _translate_status(resp, what)
                _check_served_type(resp, wanted, what)
                declared = _declared_length(resp)
                if declared is not None and declared > cap:
                    raise ProviderError(f"{what}: the file is {declared} bytes, above the "
                                        f"{cap} byte limit for one clip")
                if declared is not None and expected is not None and declared != expected:
                    raise ScenarioUnavailable(
                        f"{what}: the storage server offers {declared} bytes but the asset is "
                        f"{expected} bytes", may_have_arrived=True)
                with tmp.open("wb") as f:
                    async for chunk in resp.aiter_bytes(1 << 20):
                        got += len(chunk)
                        if got > cap:
                            raise ProviderError(f"{what}: the file is larger than the {cap} "
                                                "byte limit for one clip")
                        if expected is not None and got > expected:
                            raise ScenarioUnavailable(
                                f"{what}: the storage server sent more than the {expected} "
                                "bytes the asset has", may_have_arrived=True)
                        f.write(chunk)
        except httpx.RequestError as exc:
            tmp.unlink(missing_ok=True)
            raise _translate_transport(exc, what) from exc
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        if expected is not None and got != expected:
            tmp.unlink(missing_ok=True)
            raise ScenarioUnavailable(f"{what}: the download stopped after {got} of {expected} "
                                      "bytes", may_have_arrived=True)
        os.replace(tmp, dest)
        return got


# -- translation: the one place httpx errors and statuses become ours ---------------------
def _translate_transport(exc: httpx.RequestError, what: str) -> ScenarioUnavailable:
    """Connection-level failures. Messages come from the exception text, never from the
    request object (it carries the Authorization header)."""
    sent = not isinstance(exc, _NOT_SENT)
    if isinstance(exc, httpx.TimeoutException):
        why = "timed out"
    elif isinstance(exc, httpx.ConnectError):
        why = "could not connect"
    elif isinstance(exc, httpx.RemoteProtocolError):
        why = "the connection was dropped"
    else:
        why = "the connection failed"
    detail = str(exc).strip()
    text = f"{what}: {why}" + (f" ({detail})" if detail and detail != why else "")
    return ScenarioUnavailable(text, may_have_arrived=sent)


def _translate_status(resp: httpx.Response, what: str) -> ProviderError | CredentialsError:
    status = resp.status_code
    reason, trace, data = _error_body(resp)
    if status == 429:
        return RateLimited(f"{what}: Scenario asks us to slow down (429: {reason}){_trace(trace)}",
                           _retry_after(resp, data))
    if status == 401:
        return CredentialsError(
            f"Scenario rejected the API key and secret ({reason}){_trace(trace)}: check "
            "SCENARIO_API_KEY and SCENARIO_API_SECRET (environment or .env)")
    if status in (408,) or status >= 500:
        return ScenarioUnavailable(f"{what}: Scenario answered {status} ({reason}){_trace(trace)}",
                                   may_have_arrived=True, status=status, trace_id=trace)
    hint = {
        403: "your Scenario plan or key may not allow this model or asset",
        404: "the asset, job or model does not exist for this API key",
    }.get(status, "")
    return Rejected(f"{what}: Scenario refused it ({status}: {reason})", hint, trace,
                    status=status)


def _json_or_none(resp: httpx.Response) -> Any:
    """The parsed JSON body, or None when it is not JSON (HTML, XML, cut short, absurdly
    nested: a hostile or broken answer never becomes a crash)."""
    try:
        return resp.json()
    except (ValueError, RecursionError):
        return None


def _media_type(resp: httpx.Response) -> str:
    return str(resp.headers.get("Content-Type", "")).split(";")[0].strip().lower()


def _body_kind(resp: httpx.Response) -> str:
    kind = _media_type(resp)
    if "html" in kind or resp.content.lstrip()[:1] == b"<":
        return f"an HTML page ({kind or 'no content type'})"
    return f"a body that is not JSON ({kind or 'no content type'})"


# Generic binary types storage may serve any file as (S3's default for an untyped object).
_ANY_BINARY = frozenset({"", "application/octet-stream", "binary/octet-stream"})


def _check_served_type(resp: httpx.Response, wanted: str | None, what: str) -> None:
    """A download must be of the asset's kind (video/... for a clip): an HTML or JSON page
    served with a 200 is an error page from a proxy or storage, worth another try."""
    served = _media_type(resp)
    if served in _ANY_BINARY or (wanted is not None and served == wanted.lower()):
        return
    major = wanted.split("/")[0].lower() if wanted else ""
    ok = served.startswith(f"{major}/") if major else \
        served.split("/")[0] in ("video", "audio", "image")
    if ok:
        return
    page = " (an HTML page: an error or sign-in page, not the file)" if "html" in served else ""
    raise ScenarioUnavailable(
        f"{what}: the storage server answered with {served}{page} where "
        f"{wanted or 'a media file'} was expected", may_have_arrived=True)


def _declared_length(resp: httpx.Response) -> int | None:
    """Content-Length when it counts the bytes we will read (not a compressed size)."""
    if resp.headers.get("Content-Encoding", "identity").strip().lower() != "identity":
        return None
    declared = resp.headers.get("Content-Length", "").strip()
    return int(declared) if declared.isdigit() else None


def _error_body(resp: httpx.Response) -> tuple[str, str, dict[str, Any]]:
    """(reason, trace id, JSON body) of an error answer; HTML or XML bodies are summarised."""
    data = _json_or_none(resp)
    trace = resp.headers.get("x-trace-id", "")
    if isinstance(data, dict):
        reason = data.get("reason") or data.get("message") or data.get("error") or ""
        trace = str(data.get("trace_id") or data.get("traceId") or trace)
        return str(reason) or resp.reason_phrase or "no reason given", trace, data
    kind = resp.headers.get("Content-Type", "").split(";")[0].strip()
    if "html" in kind:
        return f"an HTML error page from the gateway: {resp.reason_phrase}", trace, {}
    text = " ".join(resp.text.split())[:200] if resp.text else ""
    return text or resp.reason_phrase or "no reason given", trace, {}


def _retry_after(resp: httpx.Response, data: Mapping[str, Any]) -> float:
    remaining = data.get("remainingSeconds")
    if isinstance(remaining, int | float) and remaining >= 0:
        return float(remaining)
    header = resp.headers.get("Retry-After", "").strip()
    if header:
        try:
            return max(0.0, float(header))
        except ValueError:
            with contextlib.suppress(TypeError, ValueError):
                when = email.utils.parsedate_to_datetime(header)
                return max(0.0, when.timestamp() - time.time())
    return DEFAULT_RATE_WAIT


def _trace(trace_id: str) -> str:
    return f" [trace id {trace_id}]" if trace_id else ""


def _seg(value: str) -> str:
    return quote(value, safe="")


def _object(data: Mapping[str, Any], key: str, what: str) -> dict[str, Any]:
    value = data.get(key)
    if not isinstance(value, dict):
        raise ProviderError(f"{what}: Scenario's answer has no '{key}' object")
    return value


def _asset_id(value: object, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise ProviderError(f"{what}: Scenario's answer has no asset id")
    return value


def _number(value: object, what: str, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ProviderError(f"{what}: Scenario's answer has no number '{field}'")
    return float(value)


def _part_urls(upload: Mapping[str, Any]) -> dict[int, str]:
    parts = upload.get("parts")
    out: dict[int, str] = {}
    if isinstance(parts, list):
        for p in parts:
            if isinstance(p, dict) and isinstance(p.get("number"), int) and p.get("url"):
                out[int(p["number"])] = str(p["url"])
    return out


def _read_range(path: Path, offset: int, length: int) -> bytes:
    with path.open("rb") as f:
        f.seek(offset)
        return f.read(length)
