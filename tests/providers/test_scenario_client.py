"""`ScenarioClient` against the fake Scenario server over loopback HTTP: uploads, dry runs,
jobs, downloads, and the retry policy (GETs retry; a paid submission never does once sent)."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path
from typing import Any

import pytest
from provider_helpers import FLASH, KEY, SECRET, Sleeps, expect

from storyboard.errors import CredentialsError, RateLimited
from storyboard.media import Ffmpeg
from storyboard.providers.scenario import (
    AmbiguousSubmission,
    Rejected,
    RetryPolicy,
    ScenarioClient,
    ScenarioUnavailable,
)
from storyboard.testing import FakeScenario

pytest_plugins = ["storyboard.testing.pytest_plugin"]

BODY = {"prompt": "A fox in the snow", "duration": 5, "aspectRatio": "16:9"}


def run(coro: Any) -> Any:
    return asyncio.run(coro)


async def finished(client: ScenarioClient, job_id: str) -> dict[str, Any]:
    for _ in range(400):
        job = await client.get_job(job_id)
        if job["status"] in ("success", "failure", "canceled"):
            return job
        await asyncio.sleep(0.02)
    raise AssertionError(f"job {job_id} never finished")


# -- happy paths ----------------------------------------------------------------------------
def test_upload_image_inline(client: ScenarioClient, fake_scenario: FakeScenario,
                             media: Path) -> None:
    async def go() -> None:
        asset_id = await client.upload_image(media / "photo.png")
        asset = await client.asset(asset_id)
        assert asset_id.startswith("asset_")
        assert (asset["kind"], asset["properties"]["width"]) == ("image", 160)

    run(go())
    c = fake_scenario.counters
    assert (c.assets_created, c.uploads) == (1, 0)


def test_large_image_goes_through_multipart_in_parts(
        client: ScenarioClient, fake_scenario: FakeScenario, media: Path, tmp_path: Path) -> None:
    big = tmp_path / "big.png"
    big.write_bytes((media / "photo.png").read_bytes() + b"\0" * (6 * 1024 * 1024))

    async def go() -> None:
        asset_id = await client.upload_image(big)
        asset = await client.asset(asset_id)
        assert asset["properties"]["size"] == big.stat().st_size

    run(go())
    c = fake_scenario.counters
    assert c.uploads == 1
    assert c.requests["storage_put"] == 2  # 5 MiB + the rest
    assert c.requests.get("create_asset", 0) == 0


def test_upload_video(client: ScenarioClient, fake_scenario: FakeScenario, media: Path) -> None:
    async def go() -> None:
        asset_id = await client.upload_file(media / "clip.mp4", "video", "video/mp4")
        asset = await client.asset(asset_id)
        assert asset["kind"] == "video"
        assert asset["properties"]["duration"] == pytest.approx(2.0, abs=0.1)

    run(go())
    assert fake_scenario.counters.uploads == 1


def test_failed_import_says_why(client: ScenarioClient, tmp_path: Path) -> None:
    junk = tmp_path / "not-a-video.mp4"
    junk.write_bytes(b"this is not a video" * 100)

    async def go() -> None:
        exc = await expect(Rejected, client.upload_file(junk, "video", "video/mp4"))
        assert "could not import" in str(exc)
        assert "could not be read as video" in str(exc)

    run(go())


def test_estimate_is_a_dry_run(client: ScenarioClient, fake_scenario: FakeScenario) -> None:
    assert run(client.estimate(FLASH, BODY)) == 8.0
    c = fake_scenario.counters
    assert (c.dry_runs, c.jobs_created, c.cu_charged) == (1, 0, 0)


def test_submit_poll_download(client: ScenarioClient, fake_scenario: FakeScenario,
                              tmp_path: Path, ffmpeg: Ffmpeg) -> None:
    async def go() -> None:
        job_id, cost = await client.submit(FLASH, BODY)
        assert cost == 8.0
        job = await finished(client, job_id)
        assert job["status"] == "success"
        assert job["billing"]["cuCost"] == 8
        dest = tmp_path / "out.mp4"
        size = await client.download(job["metadata"]["assetIds"][0], dest)
        assert size == dest.stat().st_size > 0
        info = ffmpeg.probe(dest)
        assert (info.kind, info.width, info.height) == ("video", 960, 540)
        listed = await client.list_jobs("2000-01-01T00:00:00Z")
        assert [j["jobId"] for j in listed.jobs] == [job_id]
        assert listed.server_time is not None  # the server's Date, for recovery windows

    run(go())
    assert fake_scenario.counters.jobs_created == 1


def test_list_jobs_follows_pages(client: ScenarioClient, fake_scenario: FakeScenario) -> None:
    async def go() -> None:
        ids = [(await client.submit(FLASH, {**BODY, "prompt": f"fox {i}"}))[0]
               for i in range(3)]
        # The fake pages by 100 at most; make it page by asking for the whole history.
        listed = await client.list_jobs("2000-01-01T00:00:00Z")
        assert sorted(j["jobId"] for j in listed.jobs) == sorted(ids)

    run(go())


def test_expired_download_url_is_fetched_again_then_given_up(media: Path, tmp_path: Path,
                                                             sleeps: Sleeps) -> None:
    with FakeScenario(url_ttl=-1.0, latency=0.0) as fake:
        client = ScenarioClient(fake.base_url, KEY, SECRET, sleep=sleeps)

        async def go() -> None:
            asset_id = await client.upload_image(media / "photo.png")
            exc = await expect(Exception, client.download(asset_id, tmp_path / "x.png"))
            assert "refused even when fresh" in str(exc)
            await client.aclose()

        run(go())
        assert fake.counters.requests["get_asset"] == 2  # a fresh URL was asked for once
        assert not (tmp_path / "x.png").exists()


# -- credentials ----------------------------------------------------------------------------
def test_rejected_credentials(fake_scenario: FakeScenario) -> None:
    client = ScenarioClient(fake_scenario.base_url, KEY, "wrong-secret")

    async def go() -> None:
        exc = await expect(CredentialsError, client.check_credentials())
        assert "rejected" in str(exc)
        assert "wrong-secret" not in str(exc)
        await client.aclose()

    run(go())
    assert fake_scenario.counters.requests["list_jobs"] == 1  # not retried
    assert "test-secret" not in repr(client) and "wrong-secret" not in repr(client)


# -- retries --------------------------------------------------------------------------------
@pytest.mark.parametrize("fault", ["500", "html502", "429", "drop"])
def test_gets_retry_through_faults(client: ScenarioClient, fake_scenario: FakeScenario,
                                   sleeps: Sleeps, fault: str) -> None:
    async def go() -> None:
        job_id, _ = await client.submit(FLASH, BODY)
        fake_scenario.script_faults([f"get_job:{fault}", f"get_job:{fault}"])
        job = await client.get_job(job_id)
        assert job["jobId"] == job_id

    run(go())
    c = fake_scenario.counters
    assert c.faults[fault] == 2
    assert c.requests["get_job"] == 3
    assert len(sleeps.calls) == 2
    if fault == "429":
        assert sleeps.calls == [1.0, 1.0]  # the fake's remainingSeconds


def test_gets_give_up_after_bounded_attempts(client: ScenarioClient,
                                             fake_scenario: FakeScenario) -> None:
    fake_scenario.script_faults(["list_jobs:500"] * 4)

    async def go() -> None:
        exc = await expect(ScenarioUnavailable, client.list_jobs("2000-01-01T00:00:00Z"))
        assert "gave up after 4 attempts" in str(exc)
        assert "500" in str(exc) and "trace id" in str(exc)

    run(go())
    assert fake_scenario.counters.requests["list_jobs"] == 4


def test_backoff_grows_and_is_capped() -> None:
    import random

    policy = RetryPolicy(base=0.5, cap=8.0)
    rng = random.Random(1)
    delays = [policy.backoff(n, rng) for n in range(8)]
    assert 0.25 <= delays[0] <= 0.5
    assert all(4.0 <= d <= 8.0 for d in delays[5:])


def test_uploads_retry_through_faults(client: ScenarioClient, fake_scenario: FakeScenario,
                                      media: Path) -> None:
    fake_scenario.script_faults(["create_upload:500", "get_upload:drop", "upload_action:html502"])

    async def go() -> None:
        asset_id = await client.upload_file(media / "clip.mp4", "video", "video/mp4")
        assert (await client.asset(asset_id))["kind"] == "video"

    run(go())
    assert fake_scenario.counters.faults == {"500": 1, "drop": 1, "html502": 1}


@pytest.mark.parametrize("fault", ["drop_after_create", "drop", "500", "html502"])
def test_a_sent_submission_is_never_retried(client: ScenarioClient, fake_scenario: FakeScenario,
                                            fault: str) -> None:
    fake_scenario.script_faults([f"generate:{fault}"])

    async def go() -> None:
        exc = await expect(AmbiguousSubmission, client.submit(FLASH, BODY))
        assert exc.may_have_arrived
        assert "not sent again" in str(exc)

    run(go())
    c = fake_scenario.counters
    assert c.requests["generate"] == 1
    assert c.identical_submissions == 0
    assert c.jobs_created == (1 if fault == "drop_after_create" else 0)


def test_a_rate_limited_submission_is_left_to_the_engine(client: ScenarioClient,
                                                         fake_scenario: FakeScenario) -> None:
    fake_scenario.script_faults(["generate:429"])

    async def go() -> None:
        exc = await expect(RateLimited, client.submit(FLASH, BODY))
        assert exc.retry_after == 1.0

    run(go())
    assert fake_scenario.counters.requests["generate"] == 1


def test_parallel_job_limit_is_a_rate_limit(client: ScenarioClient,
                                            fake_scenario: FakeScenario) -> None:
    fake_scenario.max_parallel_jobs = 1
    fake_scenario.latency = 5.0

    async def go() -> None:
        await client.submit(FLASH, BODY)
        exc = await expect(RateLimited, client.submit(FLASH, {**BODY, "prompt": "other"}))
        assert 0 < exc.retry_after <= 5.0
        assert "Too many parallel jobs" in str(exc)

    run(go())
    assert fake_scenario.counters.jobs_created == 1


def test_a_refused_connection_is_retried_even_for_a_submission(sleeps: Sleeps) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again at once: nothing listens there
    client = ScenarioClient(f"http://127.0.0.1:{port}/v1", KEY, SECRET, sleep=sleeps,
                            retry=RetryPolicy(attempts=3))

    async def go() -> None:
        exc = await expect(ScenarioUnavailable, client.submit(FLASH, BODY))
        assert not isinstance(exc, AmbiguousSubmission)
        assert not exc.may_have_arrived
        assert "could not connect" in str(exc)

    run(go())
    assert len(sleeps.calls) == 2  # three attempts


def test_bad_request_is_a_rejection_with_reason_and_trace(client: ScenarioClient) -> None:
    async def go() -> None:
        exc = await expect(Rejected, client.submit(FLASH, {**BODY, "duration": 7}))
        assert exc.status == 400
        assert exc.trace_id and exc.trace_id in str(exc)
        assert "duration" in str(exc)
        missing = await expect(Rejected, client.asset("asset_nope"))
        assert missing.status == 404

    run(go())


def test_timeouts_are_transient(fake_scenario: FakeScenario, sleeps: Sleeps) -> None:
    fake_scenario.configure_faults(slow_seconds=1.0)
    fake_scenario.script_faults(["list_jobs:slow", "generate:slow"])
    client = ScenarioClient(fake_scenario.base_url, KEY, SECRET, sleep=sleeps, timeout=0.3)

    async def go() -> None:
        listed = await client.list_jobs("2000-01-01T00:00:00Z")  # retried after a timeout
        assert listed.jobs == []
        exc = await expect(AmbiguousSubmission, client.submit(FLASH, BODY))
        assert "timed out" in str(exc)
        await client.aclose()

    run(go())
    assert fake_scenario.counters.requests["generate"] == 1
