"""Bodies the fake answers with besides its JSON: HTML pages of proxies and gateways, junk a
confused cache appends, S3's XML error codes, and the JSON request body parsed or refused."""

from __future__ import annotations

import json
from typing import Any

from storyboard.testing.models import Rejected


def page(title: str, text: str) -> bytes:
    return (f"<!DOCTYPE html>\n<html><head><title>{title}</title></head><body><h1>{title}</h1>"
            f"<p>{text}</p></body></html>\n").encode()


def junk(n: int) -> bytes:
    """Bytes that belong to no file: what a confused cache or proxy appends."""
    pattern = b"<junk appended by the fake storage server>\n"
    return (pattern * (n // len(pattern) + 1))[:n]


def parse_json(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise Rejected(400, "The request body is not valid JSON") from None


def xml_code(status: int, code: str) -> str:
    if code and " " not in code:
        return code
    return {400: "InvalidArgument", 403: "AccessDenied", 404: "NoSuchKey"}.get(status, "Error")
