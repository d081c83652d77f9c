"""Issue 10 (low): a server whose error text echoes the request's Authorization header, or the
key and secret themselves, never gets them into a message. A real loopback server answers every
request with such a body, as a misconfigured gateway or a debugging proxy does."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from provider_helpers import KEY, SECRET, assert_clean, expect

from storyboard.errors import CredentialsError, ProviderError
from storyboard.providers.scenario import RetryPolicy, ScenarioClient


class _Echo(BaseHTTPRequestHandler):
    status = 400

    def do_GET(self) -> None:
        auth = self.headers.get("Authorization", "")
        body = json.dumps({"reason": f"bad request; you sent Authorization: {auth} "
                                     f"(key {KEY}, secret {SECRET})",
                           "headers": {"authorization": auth}}).encode()
        self.send_response(self.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_: object) -> None:  # quiet test output
        pass


@pytest.fixture(params=[400, 401, 403, 500])
def echo_url(request: pytest.FixtureRequest) -> Iterator[str]:
    handler = type("Echo", (_Echo,), {"status": request.param})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()
    server.server_close()


def test_an_error_body_echoing_the_credentials_is_redacted(echo_url: str) -> None:
    async def go() -> None:
        client = ScenarioClient(echo_url, KEY, SECRET, timeout=5.0,
                                retry=RetryPolicy(attempts=1), sleep=_no_sleep)
        try:
            exc = await expect((ProviderError, CredentialsError),  # type: ignore[arg-type]
                               client.get_job("job_1"))
        finally:
            await client.aclose()
        assert_clean(exc)
        assert "[redacted]" in str(exc), str(exc)

    asyncio.run(go())


async def _no_sleep(_seconds: float) -> None:
    return None
