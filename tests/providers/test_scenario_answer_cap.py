"""An API answer past the 16 MiB cap (announced in Content-Length, or streamed without one) is
refused with a clear failure after reading at most the cap: a hostile or broken server cannot
make the client hold an endless body in memory."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from provider_helpers import KEY, SECRET

from storyboard.errors import AmbiguousSubmission, ProviderError
from storyboard.providers.scenario import RetryPolicy, ScenarioClient
from storyboard.providers.scenario.transport import MAX_ANSWER_BYTES

MIB = 1024 * 1024
TOTAL = 4 * MAX_ANSWER_BYTES  # what the server would send if it were read to the end


class Endless(httpx.AsyncByteStream):
    """A JSON-looking body of `TOTAL` bytes, made lazily; `sent` counts what was pulled."""

    def __init__(self) -> None:
        self.sent = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield b'{"job": {"jobId": "job_1", "pad": "'
        while self.sent < TOTAL:
            self.sent += MIB
            yield b"x" * MIB


def served(announce: bool) -> tuple[ScenarioClient, list[Endless]]:
    streams: list[Endless] = []

    def answer(request: httpx.Request) -> httpx.Response:
        body = Endless()
        streams.append(body)
        headers = {"Content-Type": "application/json"}
        if announce:
            headers["Content-Length"] = str(TOTAL + 40)
        return httpx.Response(200, headers=headers, stream=body)

    client = ScenarioClient("http://127.0.0.1:9/v1", KEY, SECRET,
                            transport=httpx.MockTransport(answer),
                            retry=RetryPolicy(attempts=2), sleep=_no_sleep)
    return client, streams


async def _no_sleep(_: float) -> None:
    return None


@pytest.mark.parametrize("announce", [True, False], ids=["announced", "streamed"])
def test_an_answer_past_the_cap_is_refused_without_a_whole_read(announce: bool) -> None:
    client, streams = served(announce)
    with pytest.raises(ProviderError) as caught:
        asyncio.run(client.get_job("job_1"))
    text = str(caught.value)
    assert "reading job job_1" in text
    assert f"larger than the {MAX_ANSWER_BYTES} byte limit for an API answer" in text
    assert "refused unread" in text and "Traceback" not in text
    assert streams, "the server was never asked"
    for body in streams:  # bounded memory: at most the cap (plus one chunk) was pulled
        limit = 0 if announce else MAX_ANSWER_BYTES + MIB
        assert body.sent <= limit, body.sent


def test_a_paid_submission_answered_past_the_cap_is_ambiguous_not_resent() -> None:
    # The job may exist although its answer was refused: recovery looks for it, and the
    # submission is never sent a second time.
    client, streams = served(announce=False)
    with pytest.raises(AmbiguousSubmission, match="byte limit for an API answer"):
        asyncio.run(client.submit("model_luma-ray-flash-2-540p", {"prompt": "a fox"}))
    assert len(streams) == 1 and streams[0].sent <= MAX_ANSWER_BYTES + MIB
