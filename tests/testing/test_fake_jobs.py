"""The fake Scenario runs jobs like the real one: auth, validation, dry runs, status over time,
a real MP4 result, moderation, the parallel-job limit, identical submissions, listing."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from scenario_helpers import (
    FLASH,
    RAY,
    ManualClock,
    client_for,
    ffprobe,
    finished_job,
    png_data_url,
)

from storyboard.testing import FakeScenario, cost_for

pytest_plugins = ["storyboard.testing.pytest_plugin"]

ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


@pytest.mark.parametrize("auth", [None, ("test-key", "wrong"), ("nobody", "test-secret")])
def test_requests_without_the_right_credentials_are_refused(fake_scenario, auth):
    r = httpx.get(f"{fake_scenario.base_url}/jobs", auth=auth)
    assert r.status_code == 401
    assert r.json()["reason"] == "Unauthorized"
    assert r.json()["trace_id"]


def test_dry_run_answers_269_with_the_cost_and_runs_nothing(fake_scenario, api):
    r = api.post(f"/generate/custom/{RAY}", params={"dryRun": "true"},
                 json={"prompt": "a fox", "duration": "10s", "resolution": "1080p"})
    assert r.status_code == 269
    assert r.json() == {"creativeUnitsCost": cost_for(RAY, 10, "1080p"),
                        "creativeUnitsDiscount": 0, "costDetails": {}}
    assert cost_for(RAY, 10, "1080p") == 20 * 2 * 4
    c = fake_scenario.counters
    assert (c.dry_runs, c.jobs_created, c.cu_charged) == (1, 0, 0)
    assert api.get("/jobs").json()["jobs"] == []


def test_dry_run_in_the_body_is_ignored_and_the_job_is_charged(fake_scenario, api):
    r = api.post(f"/generate/custom/{FLASH}", json={"prompt": "a fox", "dryRun": True})
    assert r.status_code == 200
    assert r.json()["job"]["jobId"]
    assert fake_scenario.counters.cu_charged == cost_for(FLASH, 5, "540p") == 8


def test_a_job_advances_to_success_and_its_video_downloads_as_a_real_mp4(fake_scenario, api,
                                                                          tmp_path: Path):
    r = api.post(f"/generate/custom/{FLASH}", json={"prompt": "a fox", "aspectRatio": "9:16"})
    assert r.status_code == 200
    body = r.json()
    assert body["creativeUnitsCost"] == body["job"]["billing"]["cuCost"] == 8
    job = finished_job(api, body["job"]["jobId"])

    assert job["status"] == "success" and job["progress"] == 1
    assert job["jobType"] == "custom"
    assert [h["status"] for h in job["statusHistory"]] == [
        "pending", "queued", "warming-up", "in-progress", "finalizing", "success"]
    assert all(ISO_MS.match(d) for d in [job["createdAt"], job["updatedAt"]]
               + [h["date"] for h in job["statusHistory"]])
    assert job["metadata"]["input"]["prompt"] == "a fox"
    assert job["metadata"]["input"]["modelId"] == FLASH
    [asset_id] = job["metadata"]["assetIds"]

    asset = api.get(f"/assets/{asset_id}", params={"originalAssets": "true"}).json()["asset"]
    assert asset["mimeType"] == "video/mp4"
    assert {k: asset["properties"][k] for k in ("width", "height", "duration")} == {
        "width": 540, "height": 960, "duration": 5}
    assert api.post(f"/assets/{asset_id}/download").json()["mimeType"] == "video/mp4"

    with httpx.stream("GET", asset["url"]) as dl:  # a signed URL: no Authorization header
        assert dl.status_code == 200
        out = tmp_path / "result.mp4"
        out.write_bytes(dl.read())
        size = out.stat().st_size
        assert int(dl.headers["Content-Length"]) == size == asset["properties"]["size"]
    info = ffprobe(out)
    video = next(s for s in info["streams"] if s["codec_type"] == "video")
    audio = next(s for s in info["streams"] if s["codec_type"] == "audio")
    assert (video["codec_name"], video["pix_fmt"], video["width"], video["height"]) == (
        "h264", "yuv420p", 540, 960)
    assert audio["codec_name"] == "aac"
    assert float(info["format"]["duration"]) == pytest.approx(5, abs=0.1)


def test_status_and_progress_follow_the_clock(clock: ManualClock):
    with FakeScenario(latency=10, clock=clock) as fake, client_for(fake) as api:
        job_id = api.post(f"/generate/custom/{FLASH}", json={"prompt": "x"}).json()["job"]["jobId"]

        def seen() -> tuple[str, float]:
            job = api.get(f"/jobs/{job_id}").json()["job"]
            return job["status"], job["progress"]

        assert seen() == ("pending", 0)
        clock.advance(1.5)
        assert seen() == ("queued", 0)
        clock.advance(4.5)
        status, progress = seen()
        assert status == "in-progress" and 0 < progress < 1
        clock.advance(2)
        assert seen()[1] > progress
        clock.advance(2)
        assert seen() == ("success", 1)
        assert [j.status for j in fake.jobs] == ["success"]


BAD_BODIES = [
    pytest.param(RAY, {"prompt": "x", "colour": "red"}, "colour", id="unknown-param"),
    pytest.param(RAY, {"prompt": "x", "resolution": "4k"}, "resolution", id="bad-enum"),
    pytest.param(RAY, {"duration": "5s"}, "prompt", id="missing-prompt"),
    pytest.param(RAY, {"prompt": "x", "duration": "10s", "loop": True}, "loop", id="10s-loop"),
    pytest.param(RAY, {"prompt": "x", "endFrame": png_data_url()}, "endFrame",
                 id="end-frame-without-start"),
    pytest.param(FLASH, {"prompt": "x", "endImage": png_data_url()}, "endImage",
                 id="flash-end-without-start"),
    pytest.param(RAY, {"prompt": "x", "hdr": True, "resolution": "540p"}, "hdr", id="hdr-540p"),
    pytest.param(RAY, {"prompt": "x", "loop": "yes"}, "loop", id="wrong-type"),
    pytest.param(FLASH, {"prompt": "x", "duration": 7}, "duration", id="number-not-allowed"),
    pytest.param(FLASH, {"prompt": "x", "concepts": ["moonwalk"]}, "concepts", id="bad-concept"),
    pytest.param(RAY, {"prompt": "x", "startFrame": "asset_nope"}, "startFrame",
                 id="unknown-asset"),
    pytest.param(RAY, {"prompt": "x", "startFrame": "https://example.com/a.png"}, "startFrame",
                 id="url-as-image"),
    pytest.param(RAY, {"prompt": "x", "startFrame": "data:image/png;base64,aGVsbG8="},
                 "startFrame", id="data-url-not-an-image"),
    pytest.param("model_luma-ray-3-2-edit", {"prompt": "x", "video": "https://e.com/v.mp4"},
                 "video", id="url-as-video"),
    pytest.param("model_luma-ray-3-2-edit", {"prompt": "x"}, "video", id="missing-video"),
    pytest.param(RAY, {"parameters": {"prompt": "x"}}, "parameters", id="nested-parameters"),
]


@pytest.mark.parametrize(("model", "body", "param"), BAD_BODIES)
def test_invalid_bodies_are_refused_naming_the_parameter(fake_scenario, api, model, body, param):
    for dry in (False, True):
        r = api.post(f"/generate/custom/{model}", json=body,
                     params={"dryRun": "true"} if dry else {})
        assert r.status_code == 400, r.text
        assert param in r.json()["reason"]
        assert r.json()["trace_id"]
    assert fake_scenario.counters.jobs_created == 0


def test_a_non_object_body_and_an_unknown_model_are_refused(api):
    assert api.post(f"/generate/custom/{RAY}", json=["prompt"]).status_code == 400
    r = api.post("/generate/custom/model_luma-ray-9", json={"prompt": "x"})
    assert r.status_code == 404
    assert "model_luma-ray-9" in r.json()["reason"]


def test_a_moderated_prompt_fails_the_job_with_an_error_and_a_hint(api):
    r = api.post(f"/generate/custom/{FLASH}", json={"prompt": "something Forbidden here"})
    job = finished_job(api, r.json()["job"]["jobId"])
    assert job["status"] == "failure"
    assert job["metadata"]["error"].startswith("Content moderation:")
    assert job["metadata"]["hint"]
    assert job["metadata"]["assetIds"] == []


def test_submissions_beyond_the_parallel_limit_get_429(clock: ManualClock):
    with FakeScenario(latency=60, max_parallel_jobs=2, clock=clock) as fake, \
            client_for(fake) as api:
        ok = [api.post(f"/generate/custom/{FLASH}", json={"prompt": f"shot {i}"})
              for i in range(2)]
        assert [r.status_code for r in ok] == [200, 200]
        clock.advance(20)
        r = api.post(f"/generate/custom/{FLASH}", json={"prompt": "shot 3"})
        assert r.status_code == 429
        assert r.json()["reason"] == "Too many parallel jobs"
        assert r.json()["details"] == {"actionName": "parallel-jobs", "actionLimit": 2}
        assert r.json()["remainingSeconds"] == pytest.approx(40)
        dry = api.post(f"/generate/custom/{FLASH}", params={"dryRun": "true"}, json={"prompt": "y"})
        assert dry.status_code == 269  # estimates are not jobs
        clock.advance(40)
        assert api.post(f"/generate/custom/{FLASH}", json={"prompt": "shot 3"}).status_code == 200
        c = fake.counters
        assert (c.jobs_created, c.peak_parallel_jobs) == (3, 2)


def test_identical_submissions_count_the_jobs_paid_twice(fake_scenario, api):
    body = {"prompt": "a fox", "duration": 5, "aspectRatio": "1:1"}
    api.post(f"/generate/custom/{FLASH}", json=body)
    api.post(f"/generate/custom/{FLASH}", json={**body, "prompt": "a wolf"})
    api.post(f"/generate/custom/{FLASH}", params={"dryRun": "true"}, json=body)
    assert fake_scenario.counters.identical_submissions == 0
    api.post(f"/generate/custom/{FLASH}", json=dict(reversed(body.items())))  # same, other order
    api.post("/generate/custom/model_luma-ray-flash-2-720p", json=body)  # other model
    c = fake_scenario.counters
    assert (c.identical_submissions, c.jobs_created) == (1, 4)


def test_cancel_is_refused(api):
    job_id = api.post(f"/generate/custom/{FLASH}", json={"prompt": "x"}).json()["job"]["jobId"]
    r = api.post(f"/jobs/{job_id}/action", json={"action": "cancel"})
    assert r.status_code == 400 and r.json()["reason"]
    assert api.post("/jobs/job_nope/action", json={"action": "cancel"}).status_code == 404
    assert api.get("/jobs/job_nope").status_code == 404


def test_job_listing_pages_newest_first_and_filters_by_creation_time(clock: ManualClock):
    with FakeScenario(latency=0, clock=clock) as fake, client_for(fake) as api:
        ids = []
        for i in range(13):
            r = api.post(f"/generate/custom/{FLASH}", json={"prompt": f"shot {i}"})
            ids.append(r.json()["job"]["jobId"])
            clock.advance(1)

        first = api.get("/jobs", params={"types": "custom", "pageSize": 10}).json()
        assert len(first["jobs"]) == 10  # clients must page
        assert first["nextPaginationToken"]
        assert len(api.get("/jobs").json()["jobs"]) == 13  # the SDK's default page is 50

        seen, token, pages = [], None, 0
        while True:
            params = {"types": "custom", "pageSize": 5}
            if token:
                params["paginationToken"] = token
            page = api.get("/jobs", params=params).json()
            seen += [j["jobId"] for j in page["jobs"]]
            pages += 1
            token = page.get("nextPaginationToken")
            if token is None:
                break
        assert (pages, seen) == (3, ids[::-1])

        iso_since = first["jobs"][3]["createdAt"]  # shot 9: strictly after it
        recent = api.get("/jobs", params={"createdAfter": iso_since}).json()
        assert [j["metadata"]["input"]["prompt"] for j in recent["jobs"]] == [
            "shot 12", "shot 11", "shot 10"]
        assert "nextPaginationToken" not in recent
        assert api.get("/jobs", params={"paginationToken": "junk"}).status_code == 400
        assert api.get("/jobs", params={"pageSize": 0}).status_code == 400


def test_credentials_are_checked_before_the_body(fake_scenario, api):
    url = f"{fake_scenario.base_url}/generate/custom/{RAY}"
    assert httpx.post(url, content=b"{not json").status_code == 401
    r = api.post(f"/generate/custom/{RAY}", content=b"{not json")
    assert r.status_code == 400 and "JSON" in r.json()["reason"]
