"""`ScenarioProvider` against the fake server: inputs uploaded once per digest and remembered,
estimates cached per request key, statuses mapped, lost submissions found, results fetched."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from provider_helpers import FLASH, KEY, SECRET, Sleeps, assert_clean, expect, flash_request

from storyboard.errors import CredentialsError
from storyboard.media import Ffmpeg
from storyboard.providers.base import Intent, JobStatus, Lookup
from storyboard.providers.scenario import (
    AmbiguousSubmission,
    RetryPolicy,
    ScenarioClient,
    ScenarioProvider,
)
from storyboard.testing import FakeScenario

pytest_plugins = ["storyboard.testing.pytest_plugin"]


def run(coro: Any) -> Any:
    return asyncio.run(coro)


@pytest.fixture
def work(tmp_path: Path) -> Path:
    return tmp_path / ".storyboard"


def make(fake: FakeScenario, work: Path, ffmpeg: Ffmpeg, sleeps: Sleeps, *,
         secret: str = SECRET, deadline: float = 3600.0,
         clock: Callable[[], datetime] | None = None) -> ScenarioProvider:
    client = ScenarioClient(fake.base_url, KEY, secret, sleep=sleeps,
                            retry=RetryPolicy(attempts=3), upload_poll=0.01)
    return ScenarioProvider(client, work, ffmpeg, poll_interval=0.02, job_deadline=deadline,
                            **({"clock": clock} if clock else {}))


class Clock:
    """One hand-moved time for the fake (seconds) and the provider (datetime): no waiting."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now

    def utc(self) -> datetime:
        return datetime.fromtimestamp(self.now, UTC)


@pytest.fixture
def provider(fake_scenario: FakeScenario, work: Path, ffmpeg: Ffmpeg,
             sleeps: Sleeps) -> Iterator[ScenarioProvider]:
    p = make(fake_scenario, work, ffmpeg, sleeps)
    yield p
    run(p.close())


async def until_done(provider: ScenarioProvider, job_id: str) -> JobStatus:
    for _ in range(500):
        status = await provider.poll(job_id)
        if status.state in ("done", "failed"):
            return status
        await asyncio.sleep(0.02)
    raise AssertionError("the job never finished")


def test_missing_credentials_fail_before_any_request(
        fake_scenario: FakeScenario, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SCENARIO_API_KEY", "SCENARIO_API_SECRET", "SCENARIO_SDK_API_KEY",
                 "SCENARIO_SDK_API_SECRET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SCENARIO_BASE_URL", fake_scenario.base_url)
    ws = SimpleNamespace(work=tmp_path / ".storyboard", ffmpeg=Ffmpeg())
    with pytest.raises(CredentialsError, match="SCENARIO_API_KEY") as info:
        ScenarioProvider.from_settings(tmp_path, ws)
    assert_clean(info.value)
    assert sum(fake_scenario.counters.requests.values()) == 0


def test_rejected_credentials_stop_before_uploading(
        fake_scenario: FakeScenario, work: Path, ffmpeg: Ffmpeg, sleeps: Sleeps,
        media: Path) -> None:
    p = make(fake_scenario, work, ffmpeg, sleeps, secret="not-the-secret")

    async def go() -> None:
        exc = await expect(CredentialsError, p.estimate(flash_request("a fox",
                                                                      media / "photo.png")))
        assert "not-the-secret" not in str(exc)
        await p.close()

    run(go())
    c = fake_scenario.counters
    assert (c.assets_created, c.uploads, c.dry_runs) == (0, 0, 0)


def test_inputs_are_uploaded_once_per_digest_and_remembered(
        fake_scenario: FakeScenario, provider: ScenarioProvider, work: Path, ffmpeg: Ffmpeg,
        sleeps: Sleeps, media: Path) -> None:
    photo = media / "photo.png"
    run(provider.estimate(flash_request("a fox", photo, key="k1")))
    run(provider.estimate(flash_request("another fox", photo, key="k2")))
    assert fake_scenario.counters.assets_created == 1
    saved = json.loads((work / "scenario-assets.json").read_text())
    assert [a[:6] for a in saved["entries"].values()] == ["asset_"]
    assert SECRET not in (work / "scenario-assets.json").read_text()

    later = make(fake_scenario, work, ffmpeg, sleeps)  # a later build
    run(later.estimate(flash_request("a third fox", photo, key="k3")))
    run(later.close())
    c = fake_scenario.counters
    assert (c.assets_created, c.dry_runs) == (1, 3)


def test_estimates_are_cached_per_key_across_instances(
        fake_scenario: FakeScenario, provider: ScenarioProvider, work: Path, ffmpeg: Ffmpeg,
        sleeps: Sleeps) -> None:
    request = flash_request("a fox")
    assert run(provider.estimate(request)) == 8.0
    assert run(provider.estimate(request)) == 8.0
    again = make(fake_scenario, work, ffmpeg, sleeps)
    assert run(again.estimate(request)) == 8.0
    run(again.close())
    assert fake_scenario.counters.dry_runs == 1


def test_estimate_is_unknown_while_an_input_is_not_built(
        fake_scenario: FakeScenario, provider: ScenarioProvider, tmp_path: Path) -> None:
    request = flash_request("a fox", tmp_path / "nothing-yet.png")
    assert run(provider.estimate(request)) is None
    assert sum(fake_scenario.counters.requests.values()) == 0


def test_submit_poll_fetch(fake_scenario: FakeScenario, provider: ScenarioProvider,
                           media: Path, tmp_path: Path, work: Path) -> None:
    request = flash_request("a fox", media / "photo.png")

    async def go() -> None:
        job_id = await provider.submit(request)
        status = await until_done(provider, job_id)
        assert status == JobStatus("done", 1.0, "success")
        fetched = await provider.fetch(job_id, request, tmp_path)
        assert fetched.cost == 8.0
        assert fetched.path.is_file() and fetched.asset_id
        # The result's digest now maps to its asset: a downstream edit will not upload it.
        saved = json.loads((work / "scenario-assets.json").read_text())["entries"]
        assert fetched.asset_id in saved.values()

    run(go())
    assert fake_scenario.counters.jobs_created == 1


def test_poll_reports_progress_while_running(fake_scenario_clip_dir: Path, work: Path,
                                            ffmpeg: Ffmpeg, sleeps: Sleeps) -> None:
    clock = Clock()
    with FakeScenario(latency=2.0, clip_dir=fake_scenario_clip_dir, clock=clock) as fake:
        provider = make(fake, work, ffmpeg, sleeps, clock=clock.utc)

        async def go() -> None:
            job_id = await provider.submit(flash_request("a fox"))
            first = await provider.poll(job_id)
            assert first.state == "queued" and first.stage == "pending"
            clock.now += 0.7
            later = await provider.poll(job_id)
            assert later.state == "running" and later.stage == "in-progress"
            assert later.progress is not None and 0 < later.progress < 1
            await provider.close()

        run(go())


def test_moderation_fails_with_the_reason_and_hint(provider: ScenarioProvider) -> None:
    async def go() -> None:
        job_id = await provider.submit(flash_request("a forbidden fox"))
        status = await until_done(provider, job_id)
        assert status.state == "failed"
        assert "Content moderation" in status.error
        assert "Rephrase" in status.hint

    run(go())


def test_a_job_past_the_deadline_fails(fake_scenario_clip_dir: Path, work: Path,
                                       ffmpeg: Ffmpeg, sleeps: Sleeps) -> None:
    clock = Clock()
    with FakeScenario(latency=30.0, clip_dir=fake_scenario_clip_dir, clock=clock) as fake:
        p = make(fake, work, ffmpeg, sleeps, deadline=0.2, clock=clock.utc)

        async def go() -> None:
            job_id = await p.submit(flash_request("a slow fox"))
            assert (await p.poll(job_id)).state == "queued"  # within the deadline
            clock.now += 0.3
            status = await p.poll(job_id)
            assert status.state == "failed"
            assert "did not finish within 0.2 s" in status.error
            await p.close()

        run(go())


def test_find_job_finds_a_submission_whose_answer_was_lost(
        fake_scenario: FakeScenario, client: ScenarioClient, provider: ScenarioProvider,
        media: Path) -> None:
    request = flash_request("a fox", media / "photo.png")
    other = flash_request("a different fox", media / "photo.png", key="k2")

    async def go() -> None:
        created = "2020-01-01T00:00:00.000Z"
        old = Intent(FLASH, None, created, 1.0)  # its window passed long ago
        assert await provider.find_job(request, old, created) == Lookup()  # nothing uploaded
        await provider.submit(other)
        assert await provider.find_job(request, old, created) == Lookup()  # nothing matches
        body = {"prompt": "a fox", "duration": 5, "aspectRatio": "16:9",
                "image": provider.assets.get(request.inputs["asset:photo"].digest)}
        fake_scenario.script_faults(["generate:drop_after_create"])
        await expect(AmbiguousSubmission, client.submit(FLASH, body))
        found = await provider.find_job(request, old, created)
        assert found == Lookup(fake_scenario.jobs[-1].job_id)

    run(go())
    c = fake_scenario.counters
    assert (c.jobs_created, c.identical_submissions) == (2, 0)


def test_a_lost_answer_is_found_and_absence_waits_for_the_window(
        fake_scenario: FakeScenario, provider: ScenarioProvider) -> None:
    request = flash_request("a fox")

    async def go() -> None:
        intent = await provider.prepare(request)
        assert intent.model == FLASH and intent.digest and intent.server_time
        assert intent.window == provider.client.submit_window
        # Nothing was sent yet and the window has not passed: absence is not certain.
        look = await provider.find_job(request, intent, intent.server_time or "")
        assert look.job is None and not look.certain and look.wait > 0
        fake_scenario.script_faults(["generate:drop_after_create"])
        await expect(AmbiguousSubmission, provider.submit(request))
        look = await provider.find_job(request, intent, intent.server_time or "")
        assert look == Lookup(fake_scenario.jobs[0].job_id)
        assert (await until_done(provider, look.job or "")).state == "done"

    run(go())
    c = fake_scenario.counters
    assert (c.jobs_created, c.identical_submissions, c.requests["generate"]) == (1, 0, 1)


def test_an_ambiguous_failure_without_a_job_is_raised(fake_scenario: FakeScenario,
                                                      provider: ScenarioProvider) -> None:
    fake_scenario.script_faults(["generate:500"])

    async def go() -> None:
        exc = await expect(AmbiguousSubmission, provider.submit(flash_request("a fox")))
        assert "looks for that job before" in str(exc)

    run(go())
    assert fake_scenario.counters.jobs_created == 0
