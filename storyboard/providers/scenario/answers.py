"""Scenario's answers read safely: the one place httpx errors and statuses become ours.

Transport failures and error statuses become storyboard errors here (`translate_*`), error
bodies are summarised (HTML gateway pages, JSON reasons and trace ids), and the small readers
of answer fields live here too, so every module of the client reads answers the same way.
"""

from __future__ import annotations

import base64
import contextlib
import email.utils
import re
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote

import httpx

from storyboard.errors import (
    CredentialsError,
    ProviderError,
    RateLimited,
    Rejected,
    ScenarioUnavailable,
)

DEFAULT_RATE_WAIT = 5.0

# Raised before a byte of the request left: a retry cannot create a second job.
NOT_SENT: tuple[type[httpx.RequestError], ...] = (
    httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol,
    httpx.LocalProtocolError, httpx.ProxyError,
)


Scrub = Callable[[str], str]

# What an Authorization value looks like wherever a server echoes it: a header line, a JSON
# field, or the scheme and token alone.
_AUTH_FIELD = re.compile(r"""(?i)(authorization["']?\s*[:=]\s*["']?)[^"'\r\n,;}]+""")
_AUTH_TOKEN = re.compile(r"(?i)\b(basic|bearer|token)(\s+)[A-Za-z0-9+/=._~-]{6,}")


def redactor(api_key: str, api_secret: str) -> Scrub:
    """The one function that scrubs server texts before they reach an exception or a message:
    anything shaped like an Authorization value, and the key pair itself (raw, or base64 as in
    the Basic header), becomes `[redacted]`."""
    pair = base64.b64encode(f"{api_key}:{api_secret}".encode()).decode("ascii")
    # Longest first, so the encoded pair goes before the secret inside it could match.
    literals = sorted({v for v in (pair, api_secret, api_key) if len(v) >= 4}, key=len,
                      reverse=True)

    def scrub(text: str) -> str:
        for value in literals:
            text = text.replace(value, "[redacted]")
        text = _AUTH_FIELD.sub(lambda m: m.group(1) + "[redacted]", text)
        return _AUTH_TOKEN.sub(lambda m: m.group(1) + m.group(2) + "[redacted]", text)

    return scrub


def translate_transport(exc: httpx.RequestError, what: str, scrub: Scrub) -> ScenarioUnavailable:
    """Connection-level failures. Messages come from the exception text, never from the
    request object (it carries the Authorization header)."""
    sent = not isinstance(exc, NOT_SENT)
    if isinstance(exc, httpx.TimeoutException):
        why = "timed out"
    elif isinstance(exc, httpx.ConnectError):
        why = "could not connect"
    elif isinstance(exc, httpx.RemoteProtocolError):
        why = "the connection was dropped"
    else:
        why = "the connection failed"
    detail = scrub(str(exc).strip())
    text = f"{what}: {why}" + (f" ({detail})" if detail and detail != why else "")
    return ScenarioUnavailable(text, may_have_arrived=sent)


def translate_status(resp: httpx.Response, what: str, scrub: Scrub
                     ) -> ProviderError | CredentialsError:
    status = resp.status_code
    reason, trace, data = error_body(resp)
    reason, trace = scrub(reason), scrub(trace)
    if status == 429:
        return RateLimited(
            f"{what}: Scenario asks us to slow down (429: {reason}){trace_note(trace)}",
            retry_after(resp, data))
    if status == 401:
        return CredentialsError(
            f"Scenario rejected the API key and secret ({reason}){trace_note(trace)}: check "
            "SCENARIO_API_KEY and SCENARIO_API_SECRET (environment or .env)")
    if status in (408,) or status >= 500:
        return ScenarioUnavailable(
            f"{what}: Scenario answered {status} ({reason}){trace_note(trace)}",
            may_have_arrived=True, status=status, trace_id=trace)
    hint = {
        403: "your Scenario plan or key may not allow this model or asset",
        404: "the asset, job or model does not exist for this API key",
    }.get(status, "")
    return Rejected(f"{what}: Scenario refused it ({status}: {reason})", hint, trace,
                    status=status)


def json_or_none(resp: httpx.Response) -> Any:
    """The parsed JSON body, or None when it is not JSON (HTML, XML, cut short, absurdly
    nested: a hostile or broken answer never becomes a crash)."""
    try:
        return resp.json()
    except (ValueError, RecursionError):
        return None


def media_type(resp: httpx.Response) -> str:
    return str(resp.headers.get("Content-Type", "")).split(";")[0].strip().lower()


def body_kind(resp: httpx.Response) -> str:
    kind = media_type(resp)
    if "html" in kind or resp.content.lstrip()[:1] == b"<":
        return f"an HTML page ({kind or 'no content type'})"
    return f"a body that is not JSON ({kind or 'no content type'})"


# Generic binary types storage may serve any file as (S3's default for an untyped object).
_ANY_BINARY = frozenset({"", "application/octet-stream", "binary/octet-stream"})


def check_served_type(resp: httpx.Response, wanted: str | None, what: str) -> None:
    """A download must be of the asset's kind (video/... for a clip): an HTML or JSON page
    served with a 200 is an error page from a proxy or storage, worth another try."""
    served = media_type(resp)
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


def declared_length(resp: httpx.Response) -> int | None:
    """Content-Length when it counts the bytes we will read (not a compressed size)."""
    if resp.headers.get("Content-Encoding", "identity").strip().lower() != "identity":
        return None
    declared = resp.headers.get("Content-Length", "").strip()
    return int(declared) if declared.isdigit() else None


def error_body(resp: httpx.Response) -> tuple[str, str, dict[str, Any]]:
    """(reason, trace id, JSON body) of an error answer; HTML or XML bodies are summarised."""
    data = json_or_none(resp)
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


def retry_after(resp: httpx.Response, data: Mapping[str, Any]) -> float:
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


def trace_note(trace_id: str) -> str:
    return f" [trace id {trace_id}]" if trace_id else ""


def seg(value: str) -> str:
    return quote(value, safe="")


def object_of(data: Mapping[str, Any], key: str, what: str) -> dict[str, Any]:
    value = data.get(key)
    if not isinstance(value, dict):
        raise ProviderError(f"{what}: Scenario's answer has no '{key}' object")
    return value


def asset_id_of(value: object, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise ProviderError(f"{what}: Scenario's answer has no asset id")
    return value


def number_of(value: object, what: str, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ProviderError(f"{what}: Scenario's answer has no number '{field}'")
    return float(value)


def part_urls(upload: Mapping[str, Any]) -> dict[int, str]:
    parts = upload.get("parts")
    out: dict[int, str] = {}
    if isinstance(parts, list):
        for p in parts:
            if isinstance(p, dict) and isinstance(p.get("number"), int) and p.get("url"):
                out[int(p["number"])] = str(p["url"])
    return out
