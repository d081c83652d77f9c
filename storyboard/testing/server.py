"""The HTTP face of the fake: routing, Basic auth, fault injection, JSON in and out, and the
S3-like storage endpoints behind presigned URLs.

Each request: match a route, count it, draw a fault (which may answer instead), check auth, then
call `FakeState`. A bug in the fake answers 500 and is recorded in `internal_errors`.
"""

from __future__ import annotations

import base64
import binascii
import email.utils
import hashlib
import hmac
import json
import re
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from storyboard.testing.assets import TRANSFORMED
from storyboard.testing.bodies import junk, page, parse_json, xml_code
from storyboard.testing.faults import FaultKind, FaultPlan
from storyboard.testing.models import Rejected
from storyboard.testing.state import FakeState, trace_id

API_PREFIX = "/v1"
MAX_JSON_BODY = 10 * 1000 * 1000  # the service's gateway caps request bodies near 10 MB
MAX_PART_BODY = 512 * 1024 * 1024
CHUNK = 1 << 20
DRY_RUN_VALUES = ("true", "api")


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    name: str
    api: bool  # under /v1 with Basic auth; otherwise presigned storage


def _route(method: str, path: str, name: str) -> Route:
    api = path.startswith(API_PREFIX)
    regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", path)
    return Route(method, re.compile(f"^{regex}$"), name, api)


ROUTES: tuple[Route, ...] = (
    _route("POST", "/v1/generate/custom/{model_id}", "generate"),
    _route("GET", "/v1/jobs", "list_jobs"),
    _route("GET", "/v1/jobs/{job_id}", "get_job"),
    _route("POST", "/v1/jobs/{job_id}/action", "job_action"),
    _route("POST", "/v1/assets", "create_asset"),
    _route("GET", "/v1/assets/{asset_id}", "get_asset"),
    _route("POST", "/v1/assets/{asset_id}/download", "download_asset"),
    _route("POST", "/v1/uploads", "create_upload"),
    _route("GET", "/v1/uploads/{upload_id}", "get_upload"),
    _route("POST", "/v1/uploads/{upload_id}/action", "upload_action"),
    _route("PUT", "/_storage/upload/{upload_id}/{part}", "storage_put"),
    _route("GET", "/_storage/files/{asset_id}", "storage_get"),
)
ROUTE_NAMES: tuple[str, ...] = tuple(r.name for r in ROUTES)


@dataclass
class ServerConfig:
    """Knobs the handler reads on every request (changeable at runtime)."""

    api_key: str
    api_secret: str
    slow_seconds: float = 2.0
    rate_limit_seconds: float = 1.0


class FakeHTTPServer(ThreadingHTTPServer):
    daemon_threads = True  # a hung client connection must never block stop()
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(
        self, address: tuple[str, int], state: FakeState, faults: FaultPlan, config: ServerConfig
    ) -> None:
        super().__init__(address, _Handler)
        self.state = state
        self.faults = faults
        self.config = config
        self.stopping = threading.Event()


class _Drop(Exception):
    """Close the connection without answering."""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as httpx expects
    disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms stalls
    server: FakeHTTPServer
    _drained = False  # the current request's body has been read

    def log_message(self, format: str, *args: Any) -> None:
        pass  # tests read counters, not access logs

    def date_time_string(self, timestamp: float | None = None) -> str:
        # The Date header follows the fake's clock: a test can set server and client apart.
        when = self.server.state.clock() if timestamp is None else timestamp
        return email.utils.formatdate(when, usegmt=True)

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def do_PATCH(self) -> None:
        self._dispatch("PATCH")

    # ---- plumbing ----

    def _dispatch(self, method: str) -> None:
        split = urlsplit(self.path)
        path = unquote(split.path)
        query = dict(parse_qsl(split.query, keep_blank_values=True))
        route, params = _match(method, path)
        self._drained = False  # one handler serves every request on a kept-alive connection
        self._early_body: bytes | None = None
        state = self.server.state
        state.count_request(route.name if route else "unknown")
        try:
            if route is None:
                self._drain()
                raise Rejected(404, f"No route for {method} {path}")
            dry_run = route.name == "generate" and query.get("dryRun") in DRY_RUN_VALUES
            fault = self.server.faults.draw(route.name, route.api, dry_run)
            if fault is not None:
                if fault == "slow" and route.api:
                    # A slow server has the whole request and answers late: read before the
                    # hold, so a fault counted means the server holds the request, body and all
                    # (a test that kills the client "while the server holds it" waits for that).
                    self._early_body = self._read_body()
                state.count_fault(fault)
                if self._answer_fault(fault):
                    return
            if route.api:
                self._api(route, params, query, fault)
            else:
                self._storage(route, params, query, path, fault)
        except (_Drop, BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Rejected as e:
            self._error(e.status, e.reason, e.extra, xml=route is not None and not route.api)
        except Exception:
            state.internal_errors.append(traceback.format_exc())
            # The body may be half read: answer, then close rather than guess where it ends.
            self._drained, self.close_connection = True, True
            self._error(500, "Internal error in the fake Scenario server (a bug in the fake)")

    def _answer_fault(self, fault: FaultKind) -> bool:
        """Act on a drawn fault; True when the request has been answered (or dropped)."""
        cfg = self.server.config
        if fault == "slow":
            self.server.stopping.wait(cfg.slow_seconds)
            return False
        if fault in _HANDLED_LATER:
            return False  # the route's handler acts on it (see `_api` and `_storage`)
        self._drain()
        if fault == "drop":
            raise _Drop
        if fault == "500":
            self._error(500, "Internal server error")
        elif fault == "html502":
            html = b"<html><head><title>502 Bad Gateway</title></head><body><center><h1>" \
                b"502 Bad Gateway</h1></center></body></html>\n"
            self._send(502, html, "text/html")
        elif fault == "html_json":  # a proxy's page where the API's JSON should be
            self._send(200, page("Scenario", "Loading your workspace&hellip;"), "text/html")
        elif fault == "wrong_type":  # a storage error page served with a 200
            self._send(200, page("Access denied", "You do not have access to this file."),
                       "text/html; charset=utf-8")
        elif fault == "429":
            self._error(429, "Too many requests", {
                "remainingSeconds": cfg.rate_limit_seconds,
                "details": {"actionName": "api-rate-limit", "actionLimit": 100},
            })  # fmt: skip
        return True

    def _api(
        self, route: Route, params: dict[str, str], query: dict[str, str], fault: FaultKind | None
    ) -> None:
        raw = self._early_body if self._early_body is not None else self._read_body()
        if not self._authorized():
            raise Rejected(401, "Unauthorized")
        body = parse_json(raw)
        state = self.server.state
        status = 200
        handlers: dict[str, Callable[[], dict[str, Any]]] = {
            "list_jobs": lambda: state.list_jobs(query),
            "get_job": lambda: state.get_job(params["job_id"]),
            "job_action": lambda: state.job_action(params["job_id"], body),
            "create_asset": lambda: state.create_image_asset(body),
            "get_asset": lambda: state.get_asset(
                params["asset_id"], original=query.get("originalAssets") == "true"),
            "download_asset": lambda: state.download_asset(params["asset_id"]),
            "create_upload": lambda: state.create_upload(body),
            "get_upload": lambda: state.get_upload(params["upload_id"]),
            "upload_action": lambda: state.upload_action(params["upload_id"], body),
        }
        if route.name == "generate":
            dry_run = "dryRun" in query
            if dry_run and query["dryRun"] not in DRY_RUN_VALUES:
                # The SDK types dryRun as "true" | "api": anything else is not an estimate, and
                # a client that believes it asked for one must not be charged silently.
                raise Rejected(400, f"Invalid value for parameter 'dryRun': "
                               f"{query['dryRun']!r}; expected one of {list(DRY_RUN_VALUES)}")
            status, payload = state.submit(params["model_id"], body, dry_run)
            if not dry_run and fault == "never_finishes":
                state.stall_job(payload["job"]["jobId"])
            if not dry_run and fault == "canceled":
                state.cancel_job(payload["job"]["jobId"])
            if fault == "drop_after_create" and not dry_run:
                raise _Drop  # created and charged, but the client never hears of it
        else:
            if fault == "never_finishes" and route.name == "get_job":
                state.stall_job(params["job_id"])
            if fault == "canceled" and route.name == "get_job":
                state.cancel_job(params["job_id"])
            payload = handlers[route.name]()
        self._json(status, payload, truncated=fault == "truncated")

    def _storage(
        self, route: Route, params: dict[str, str], query: dict[str, str], path: str,
        fault: FaultKind | None,
    ) -> None:
        state = self.server.state
        if self.headers.get("Authorization"):
            self._drain()
            raise Rejected(
                400, "InvalidArgument: Only one auth mechanism allowed; only the signature "
                "query parameters or the Authorization header should be specified",
            )
        if route.name == "storage_put":
            self._put_part(params, query, path)
            return
        self._drain()
        state.check_signature("GET", path, query)
        asset_id, transformed = _variant(params["asset_id"])
        asset, file = state.asset_file(asset_id)
        # A transformed copy: here the original's first 90 %, a size that is not the asset's.
        size = file.stat().st_size * 9 // 10 if transformed else file.stat().st_size
        extra = junk(max(1024, size // 8)) if fault == "oversize" else b""
        length = size + len(extra)
        # "truncated": announce every byte, send half, then hang up.
        left = length // 2 if fault == "truncated" else length
        self.send_response(200)
        self.send_header("Content-Type", asset.mime_type)
        self.send_header("Content-Length", str(length))
        self.end_headers()
        with file.open("rb") as f:
            while left > 0 and (chunk := f.read(min(CHUNK, left))):
                self.wfile.write(chunk)
                left -= len(chunk)
        if left > 0 and extra:
            self.wfile.write(extra[:left])
            left -= min(left, len(extra))
        if fault == "truncated":
            self.wfile.flush()
            raise _Drop

    def _put_part(self, params: dict[str, str], query: dict[str, str], path: str) -> None:
        state = self.server.state
        if self.headers.get("Content-Length") is None:
            self._drained, self.close_connection = True, True  # an unsized body has no end
            raise Rejected(411, "MissingContentLength")
        size = self._content_length()
        number = int(params["part"]) if params["part"].isdigit() else 0  # 0: out of range
        try:
            state.check_signature("PUT", path, query)
            if size > MAX_PART_BODY:
                raise Rejected(400, "EntityTooLarge")
            target = state.part_path(params["upload_id"], number)
        except Rejected:
            self._drain()
            raise
        self._drained = True
        md5 = hashlib.md5(usedforsecurity=False)  # S3's ETag for a part
        with target.open("wb") as out:
            left = size
            while left > 0:
                chunk = self.rfile.read(min(CHUNK, left))
                if not chunk:
                    raise _Drop  # the client went away mid-part
                out.write(chunk)
                md5.update(chunk)
                left -= len(chunk)
        state.part_stored(params["upload_id"], number, size)
        self.send_response(200)
        self.send_header("ETag", f'"{md5.hexdigest()}"')
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _authorized(self) -> bool:
        header = self.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            given = base64.b64decode(token.strip(), validate=True)
        except (binascii.Error, ValueError):
            return False
        cfg = self.server.config
        expected = f"{cfg.api_key}:{cfg.api_secret}".encode()
        return hmac.compare_digest(given, expected)

    def _content_length(self) -> int:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0:
            self._drained, self.close_connection = True, True  # cannot find the body's end
            raise Rejected(400, "Invalid Content-Length")
        return length

    def _drain(self) -> None:
        """Read and discard the request body so the connection stays in a sane state."""
        left = self._content_length()
        self._drained = True
        while left > 0:
            chunk = self.rfile.read(min(CHUNK, left))
            if not chunk:
                break
            left -= len(chunk)

    def _read_body(self) -> bytes:
        length = self._content_length()
        if length > MAX_JSON_BODY:
            self._drain()
            raise Rejected(413, f"Request body too large ({length} bytes)")
        self._drained = True
        return self.rfile.read(length) if length else b""

    def _json(self, status: int, payload: dict[str, Any], truncated: bool = False) -> None:
        self._send(status, json.dumps(payload).encode(), "application/json", truncated)

    def _error(
        self, status: int, reason: str, extra: dict[str, Any] | None = None, xml: bool = False
    ) -> None:
        if not self._drained:
            self._drain()
        tid = trace_id()
        if xml:  # storage speaks S3's XML error dialect
            code, _, message = reason.partition(": ")
            body = (
                '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>'
                f"{xml_code(status, code)}</Code><Message>{message or reason}</Message>"
                f"<RequestId>{tid}</RequestId></Error>"
            ).encode()
            self._send(status, body, "application/xml")
            return
        self._json(status, {"reason": reason, "trace_id": tid, **(extra or {})})

    def _send(self, status: int, body: bytes, content_type: str, truncated: bool = False
              ) -> None:
        """Answer with `body`; `truncated` sends its first half only, then hangs up."""
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if truncated:
            self.wfile.write(body[:len(body) // 2])
            self.wfile.flush()
            raise _Drop
        self.wfile.write(body)


# Faults the route handlers act on themselves, after the request has been handled (or while
# answering it).
_HANDLED_LATER: frozenset[FaultKind] = frozenset(
    {"drop_after_create", "never_finishes", "canceled", "truncated", "oversize"})


def _variant(name: str) -> tuple[str, bool]:
    base = name.removesuffix(TRANSFORMED)
    return base, base != name


def _match(method: str, path: str) -> tuple[Route | None, dict[str, str]]:
    for r in ROUTES:
        if r.method == method and (m := r.pattern.match(path)):
            return r, m.groupdict()
    return None, {}
