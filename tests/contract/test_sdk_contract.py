"""The fake Scenario server held to the official client: every route storyboard uses is driven
with scenario-sdk's own `Scenario` client over real loopback HTTP, and every answer is parsed
with the SDK's response models (unknown fields refused too, see sdk_check.py). What the SDK
documents as refused is refused by the fake."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import scenario_sdk
from scenario_sdk import Scenario
from scenario_sdk.types import (
    AssetRetrieveResponse,
    AssetUploadResponse,
    GenerateRunModelResponse,
    JobListResponse,
    JobRetrieveResponse,
    UploadCreateResponse,
    UploadRetrieveResponse,
    UploadTriggerActionResponse,
)
from scenario_sdk.types.assets import DownloadRequestResponse
from sdk_check import ContractError, parse

from storyboard.testing import FakeScenario
from storyboard.testing.images import png_bytes

pytest_plugins = ["storyboard.testing.pytest_plugin"]

RAY = "model_luma-ray-3-2"
FLASH = "model_luma-ray-flash-2-540p"
PNG = png_bytes()


class Clock:
    def __init__(self) -> None:
        self.now = 1_750_000_000.0

    def __call__(self) -> float:
        return self.now


def sdk_for(fake: FakeScenario) -> Scenario:
    # No retries: a retried call would hide the answer under test (and could pay twice).
    return Scenario(api_key=fake.api_key, api_secret=fake.api_secret, base_url=fake.base_url,
                    max_retries=0, timeout=30, _strict_response_validation=True)


@pytest.fixture
def sdk(fake_scenario: FakeScenario) -> Iterator[Scenario]:
    with sdk_for(fake_scenario) as client:
        yield client


def iso(t: float) -> str:
    return datetime.fromtimestamp(t, tz=UTC).isoformat(timespec="milliseconds")


def run(sdk: Scenario, prompt: str = "a fox", model: str = FLASH) -> dict[str, Any]:
    raw = sdk.generate.with_raw_response.run_model(model, body={"prompt": prompt})
    data: dict[str, Any] = raw.http_response.json()
    parse(GenerateRunModelResponse, data)
    raw.parse()  # the SDK's own strict parse of the same answer
    return data


def read_job(sdk: Scenario, job_id: str) -> dict[str, Any]:
    raw = sdk.jobs.with_raw_response.retrieve(job_id)
    data: dict[str, Any] = raw.http_response.json()
    parse(JobRetrieveResponse, data)
    job: dict[str, Any] = data["job"]
    return job


def test_a_job_shows_every_active_status_on_its_way_and_each_answer_parses() -> None:
    clock = Clock()
    with FakeScenario(latency=10, clock=clock) as fake, sdk_for(fake) as sdk:
        job_id = run(sdk)["job"]["jobId"]
        seen = []
        for _ in range(25):
            status = read_job(sdk, job_id)["status"]
            if not seen or seen[-1] != status:
                seen.append(status)
            clock.now += 0.5
        assert seen == ["pending", "queued", "warming-up", "in-progress", "finalizing",
                        "success"]
        assert [h["status"] for h in read_job(sdk, job_id)["statusHistory"]] == seen


def test_failed_and_canceled_jobs_parse_and_say_why(fake_scenario: FakeScenario,
                                                    sdk: Scenario) -> None:
    fake_scenario.latency = 0.2
    fake_scenario.script_faults(["generate:canceled"])
    canceled = run(sdk, "a canceled fox")["job"]["jobId"]
    failed = run(sdk, "a forbidden fox")["job"]["jobId"]  # the moderated word
    clock_end = {canceled: "canceled", failed: "failure"}
    for job_id, status in clock_end.items():
        job = read_job(sdk, job_id)
        while job["status"] not in ("success", "failure", "canceled"):
            job = read_job(sdk, job_id)
        assert (job["status"], job["metadata"]["assetIds"]) == (status, [])
        assert job["metadata"]["error"]


@pytest.mark.parametrize("value", ["true", "api"])
def test_a_dry_run_answers_269_with_the_sdks_cost_fields_and_creates_no_job(
        fake_scenario: FakeScenario, sdk: Scenario, value: str) -> None:
    job = run(sdk)["job"]
    raw = sdk.generate.with_raw_response.run_model(RAY, body={"prompt": "x"}, dry_run=value)
    assert raw.http_response.status_code == 269
    body = raw.http_response.json()
    assert body["creativeUnitsCost"] == 40
    # The SDK has no model of its own for the 269 body: its fields are the run answer's.
    parse(GenerateRunModelResponse, {**body, "job": job})
    assert fake_scenario.counters.jobs_created == 1


@pytest.mark.parametrize("value", ["TRUE", "True", "1", "yes", "false"])
def test_dry_run_values_the_sdk_does_not_name_are_refused(fake_scenario: FakeScenario,
                                                          sdk: Scenario, value: str) -> None:
    with pytest.raises(scenario_sdk.BadRequestError, match="dryRun"):
        sdk.generate.run_model(RAY, body={"prompt": "x"}, extra_query={"dryRun": value})
    assert fake_scenario.counters.jobs_created == 0


def test_job_listing_pages_through_the_sdks_cursor_and_each_item_parses(
        fake_scenario: FakeScenario, sdk: Scenario) -> None:
    since = iso(fake_scenario._state.clock() - 1)
    ids = [run(sdk, f"shot {i}")["job"]["jobId"] for i in range(5)]
    listed = [j.job_id for j in sdk.jobs.list(created_after=since, page_size=2)]
    assert listed == ids[::-1]
    raw = sdk.jobs.with_raw_response.list(created_after=since, page_size=2)
    page = raw.http_response.json()
    assert set(page) == {"jobs", "nextPaginationToken"}
    for item in page["jobs"]:
        parse(JobListResponse, item)


@pytest.mark.parametrize("with_", [{"types": ["custom"]}, {"type": "custom"},
                                   {"status": "success"}, {"workflow_id": "workflow_x"}])
def test_created_after_with_a_filter_is_refused_as_the_sdk_documents(
        sdk: Scenario, with_: dict[str, Any]) -> None:
    with pytest.raises(scenario_sdk.BadRequestError, match="createdAfter"):
        sdk.jobs.list(created_after="2026-01-01T00:00:00Z", **with_)


def test_updated_after_goes_with_a_filter_and_only_with_one(fake_scenario: FakeScenario,
                                                            sdk: Scenario) -> None:
    job_id = run(sdk)["job"]["jobId"]
    since = "2020-01-01T00:00:00Z"
    assert [j.job_id for j in sdk.jobs.list(updated_after=since, types=["custom"])] == [job_id]
    assert list(sdk.jobs.list(updated_after=since, types=["upload"])) == []
    with pytest.raises(scenario_sdk.BadRequestError, match="updatedAfter"):
        sdk.jobs.list(updated_after=since)


def test_cancelling_a_custom_job_is_refused(sdk: Scenario) -> None:
    job_id = run(sdk)["job"]["jobId"]
    with pytest.raises(scenario_sdk.BadRequestError):
        sdk.jobs.trigger_action(job_id, action="cancel")


@pytest.mark.e2e  # renders the result video with ffmpeg
def test_a_result_asset_and_its_download_url_parse(fake_scenario: FakeScenario,
                                                   sdk: Scenario) -> None:
    fake_scenario.latency = 0
    job = read_job(sdk, run(sdk)["job"]["jobId"])
    [asset_id] = job["metadata"]["assetIds"]
    raw = sdk.assets.with_raw_response.retrieve(asset_id, original_assets=True)
    asset = parse(AssetRetrieveResponse, raw.http_response.json()).asset
    assert (asset.kind, asset.source, asset.mime_type) == ("video", "txt2video", "video/mp4")
    link = sdk.assets.download.with_raw_response.request(asset_id)
    url = parse(DownloadRequestResponse, link.http_response.json()).url
    with httpx.Client() as plain:  # a signed URL takes no Authorization header
        assert len(plain.get(url).content) == asset.properties.size


def test_an_inline_image_upload_parses_and_can_be_hidden(sdk: Scenario) -> None:
    raw = sdk.assets.with_raw_response.upload(
        name="frame.png", image=base64.b64encode(PNG).decode(), hide=True)
    asset = parse(AssetUploadResponse, raw.http_response.json()).asset
    assert (asset.kind, asset.is_hidden, asset.properties.size) == ("image", True, len(PNG))


def upload(sdk: Scenario, data: bytes, **fields: Any) -> dict[str, Any]:
    """The multipart flow through the SDK, each answer parsed; the final upload view."""
    fields = {"file_name": "frame.png", "content_type": "image/png", "kind": "image",
              "file_size": len(data), "parts": 1, **fields}
    created = sdk.uploads.with_raw_response.create(**fields).http_response.json()
    up = parse(UploadCreateResponse, created).upload
    assert up.parts and up.status == "pending"
    with httpx.Client() as plain:
        assert plain.put(up.parts[0].url, content=data).status_code == 200
    done = sdk.uploads.with_raw_response.trigger_action(up.id, action="complete")
    parse(UploadTriggerActionResponse, done.http_response.json())
    while True:
        view: dict[str, Any] = sdk.uploads.with_raw_response.retrieve(up.id).http_response.json()
        status = parse(UploadRetrieveResponse, view).upload.status
        if status in ("imported", "failed"):
            return view["upload"]  # type: ignore[no-any-return]


def test_a_multipart_upload_parses_at_every_step_and_its_asset_is_hidden(
        sdk: Scenario) -> None:
    up = upload(sdk, PNG, asset_options={"hide": True})
    assert up["status"] == "imported"
    asset = sdk.assets.retrieve(up["entityId"]).asset
    assert (asset.kind, asset.is_hidden) == ("image", True)


@pytest.mark.parametrize(("fields", "why"), [
    ({"file_size": len(PNG) + 1}, "fileSize"),
    ({"content_type": "image/jpeg"}, "contentType"),
    ({"kind": "video", "content_type": "image/png", "file_name": "clip.mp4"}, "contentType"),
])
def test_uploaded_bytes_that_do_not_match_what_was_declared_are_refused(
        sdk: Scenario, fields: dict[str, Any], why: str) -> None:
    up = upload(sdk, PNG, **fields)
    assert up["status"] == "failed" and why in up["errorMessage"]


def test_errors_reach_the_sdk_as_its_own_classes_with_a_reason(sdk: Scenario) -> None:
    with pytest.raises(scenario_sdk.NotFoundError) as e:
        sdk.jobs.retrieve("job_nope")
    assert isinstance(e.value.body, dict) and "reason" in e.value.body


def test_the_parallel_job_limit_holds_by_default(fake_scenario: FakeScenario,
                                                 sdk: Scenario) -> None:
    fake_scenario.latency = 60
    limit = fake_scenario.max_parallel_jobs
    assert limit is not None
    for i in range(limit):
        run(sdk, f"shot {i}")
    with pytest.raises(scenario_sdk.RateLimitError) as e:
        run(sdk, "one too many")
    assert isinstance(e.value.body, dict) and e.value.body["remainingSeconds"] > 0
    assert fake_scenario.counters.jobs_created == limit


def _rename(d: dict[str, Any], old: str, new: str) -> dict[str, Any]:
    return {new if k == old else k: v for k, v in d.items()}


BREAKS = {
    "job id renamed": ("storyboard.testing.jobs.JobsMixin._job_json",
                       lambda out: _rename(out, "jobId", "id")),
    "job field invented": ("storyboard.testing.jobs.JobsMixin._job_json",
                           lambda out: {**out, "modelId": "model_x"}),
    "asset owner dropped": ("storyboard.testing.assets.AssetsMixin._asset_json",
                            lambda out: {k: v for k, v in out.items() if k != "ownerId"}),
    "upload status unknown": ("storyboard.testing.uploads.UploadsMixin._upload_json",
                              lambda out: {**out, "status": "processing"}),
}


@pytest.mark.parametrize("name", BREAKS)
def test_the_contract_check_fails_when_the_fakes_answers_are_broken_on_purpose(
        fake_scenario: FakeScenario, sdk: Scenario, monkeypatch: pytest.MonkeyPatch,
        name: str) -> None:
    target, change = BREAKS[name]
    module, cls, method = target.rsplit(".", 2)
    owner = getattr(__import__(module, fromlist=[cls]), cls)
    real = getattr(owner, method)
    monkeypatch.setattr(owner, method, lambda self, *a, **k: change(real(self, *a, **k)))
    fake_scenario.latency = 0
    with pytest.raises(ContractError):
        job = read_job(sdk, run(sdk)["job"]["jobId"])
        raw = sdk.assets.with_raw_response.retrieve(job["metadata"]["assetIds"][0])
        parse(AssetRetrieveResponse, raw.http_response.json())
        upload(sdk, PNG)
