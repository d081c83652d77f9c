"""Files in and out of the fake Scenario: image assets, the multipart upload flow and its S3
rules, videos used as model inputs, and signed download URLs."""

from __future__ import annotations

import base64

import httpx
import pytest
from scenario_helpers import (
    MIB,
    ManualClock,
    client_for,
    ffprobe,
    finished_job,
    padded_mp4,
    png_bytes,
    png_data_url,
    put_parts,
    start_upload,
    upload_file,
)

from storyboard.testing import FakeScenario

pytest_plugins = ["storyboard.testing.pytest_plugin"]

EDIT = "model_luma-ray-3-2-edit"


@pytest.mark.parametrize("encode", [png_data_url, lambda w, h: base64.b64encode(
    png_bytes(w, h)).decode()], ids=["data-url", "bare-base64"])
def test_an_image_asset_is_created_from_base64(fake_scenario, api, encode):
    r = api.post("/assets", json={"name": "frame.png", "image": encode(8, 6)})
    assert r.status_code == 200, r.text
    asset = r.json()["asset"]
    assert asset["id"].startswith("asset_")
    assert (asset["kind"], asset["mimeType"]) == ("image", "image/png")
    assert asset["properties"] == {"width": 8, "height": 6, "size": len(png_bytes(8, 6))}
    assert httpx.get(asset["url"]).content == png_bytes(8, 6)
    assert fake_scenario.counters.assets_created == 1


def test_an_image_asset_works_as_a_frame_input_but_not_as_a_video(api):
    image_id = api.post("/assets", json={"name": "f.png", "image": png_data_url()}).json()[
        "asset"]["id"]
    r = api.post("/generate/custom/model_luma-ray-3-2",
                 json={"prompt": "x", "startFrame": image_id, "endFrame": png_data_url()})
    assert r.status_code == 200, r.text
    r = api.post(f"/generate/custom/{EDIT}", json={"prompt": "x", "video": image_id})
    assert r.status_code == 400 and "'video'" in r.json()["reason"]


@pytest.mark.parametrize(("make", "why"), [
    pytest.param(lambda: base64.b64encode(b"GIF89a not accepted").decode(), "PNG", id="gif"),
    pytest.param(lambda: "%%% not base64 %%%", "base64", id="not-base64"),
    pytest.param(lambda: base64.b64encode(png_bytes() + b"\x00" * 6_000_000).decode(), "6 MB",
                 id="too-big"),
])
def test_image_assets_that_are_not_small_png_jpeg_or_webp_are_refused(api, make, why):
    r = api.post("/assets", json={"name": "x.png", "image": make()})
    assert r.status_code == 400
    assert why in r.json()["reason"]


def test_a_video_uploads_in_one_part_and_feeds_an_edit_job(api, clip_cache, tmp_path):
    clip = clip_cache.get(1.5, 160, 90)
    upload = upload_file(api, clip.read_bytes())
    assert upload["status"] == "imported", upload
    video_id = upload["entityId"]
    props = api.get(f"/assets/{video_id}").json()["asset"]["properties"]
    assert (props["width"], props["height"]) == (160, 90)
    assert props["duration"] == pytest.approx(1.5, abs=0.1)
    assert props["size"] == clip.stat().st_size

    r = api.post(f"/generate/custom/{EDIT}", json={"prompt": "make it snow", "video": video_id})
    assert r.status_code == 200, r.text
    job = finished_job(api, r.json()["job"]["jobId"])
    result = api.get(f"/assets/{job['metadata']['assetIds'][0]}").json()["asset"]
    out = tmp_path / "edit.mp4"
    out.write_bytes(httpx.get(result["url"]).content)
    video = next(s for s in ffprobe(out)["streams"] if s["codec_type"] == "video")
    assert (video["width"], video["height"]) == (160, 90)  # an edit keeps the source's frame
    assert float(ffprobe(out)["format"]["duration"]) == pytest.approx(1.5, abs=0.1)


def test_a_source_longer_than_the_model_allows_is_refused(api, clip_cache):
    long_clip = clip_cache.get(11, 64, 36)
    video_id = upload_file(api, long_clip.read_bytes())["entityId"]
    r = api.post("/generate/custom/model_luma-reframe-video", json={"video": video_id})
    assert r.status_code == 400
    assert "'video'" in r.json()["reason"] and "10s" in r.json()["reason"]
    short_id = upload_file(api, clip_cache.get(1.5, 160, 90).read_bytes())["entityId"]
    ok = api.post("/generate/custom/model_luma-reframe-video",
                  params={"dryRun": "true"}, json={"video": short_id, "aspectRatio": "9:16"})
    assert ok.status_code == 269


def test_a_video_uploads_in_several_parts_of_at_least_5_mib(api, clip_cache):
    data = padded_mp4(clip_cache.get(1.5, 160, 90), 5 * MIB + 1000)
    upload = upload_file(api, data, part_size=5 * MIB)
    assert upload["status"] == "imported", upload
    original = {"originalAssets": "true"}
    asset = api.get(f"/assets/{upload['entityId']}", params=original).json()["asset"]
    assert asset["properties"]["size"] == len(data)
    assert httpx.get(asset["url"]).content == data


def test_a_part_smaller_than_5_mib_before_the_last_is_refused_on_complete(fake_scenario, api):
    upload = start_upload(api, 3000, 2)
    put_parts(upload, [b"a" * 1000, b"b" * 2000])
    r = api.post(f"/uploads/{upload['id']}/action", json={"action": "complete"})
    assert r.status_code == 400
    assert "part 1" in r.json()["reason"] and "5 MiB" in r.json()["reason"]
    assert api.get(f"/uploads/{upload['id']}").json()["upload"]["status"] == "pending"
    assert fake_scenario.counters.uploads == 1


def test_a_part_url_refuses_a_second_credential(fake_scenario, api):
    upload = start_upload(api, 10, 1)
    url = upload["parts"][0]["url"]
    r = httpx.put(url, content=b"0123456789", auth=fake_scenario.auth)
    assert r.status_code == 400
    assert "auth mechanism" in r.text
    r = api.post(f"/uploads/{upload['id']}/action", json={"action": "complete"})
    assert r.status_code == 400 and "Part 1" in r.json()["reason"]  # nothing was stored
    assert httpx.put(url.replace("sig=", "sig=0"), content=b"x").status_code == 403


def test_bytes_that_are_not_a_video_fail_the_import_with_a_message(fake_scenario, api):
    upload = upload_file(api, b"definitely not a video" * 100)
    assert upload["status"] == "failed"
    assert "could not be read as video" in upload["errorMessage"]
    assert "entityId" not in upload
    assert fake_scenario.counters.assets_created == 0


def test_an_upload_is_validating_before_it_is_imported(clock: ManualClock, clip_cache):
    with FakeScenario(upload_import_delay=5, clock=clock) as fake, client_for(fake) as api:
        data = clip_cache.get(1.5, 160, 90).read_bytes()
        upload = start_upload(api, len(data), 1)
        assert upload["status"] == "pending"
        put_parts(upload, [data])
        done = api.post(f"/uploads/{upload['id']}/action", json={"action": "complete"})
        assert done.json()["upload"]["status"] == "validating"
        assert api.get(f"/uploads/{upload['id']}").json()["upload"]["status"] == "validating"
        clock.advance(5)
        final = api.get(f"/uploads/{upload['id']}").json()["upload"]
        assert final["status"] == "imported" and final["entityId"].startswith("asset_")
        again = api.post(f"/uploads/{upload['id']}/action", json={"action": "complete"})
        assert again.status_code == 400


def test_download_urls_expire_and_refuse_an_authorization_header(clock: ManualClock):
    with FakeScenario(url_ttl=60, clock=clock) as fake, client_for(fake) as api:
        asset_id = api.post("/assets", json={"name": "f.png", "image": png_data_url()}).json()[
            "asset"]["id"]
        url = api.post(f"/assets/{asset_id}/download").json()["url"]
        assert httpx.get(url).status_code == 200
        assert httpx.get(url, auth=fake.auth).status_code == 400
        assert httpx.get(url.replace("sig=", "sig=f")).status_code == 403
        clock.advance(61)
        r = httpx.get(url)
        assert r.status_code == 403 and "expired" in r.text
        fresh = api.get(f"/assets/{asset_id}").json()["asset"]["url"]
        assert httpx.get(fresh).status_code == 200


def test_unknown_assets_and_uploads_are_404(api):
    assert api.get("/assets/asset_nope").status_code == 404
    assert api.post("/assets/asset_nope/download").status_code == 404
    assert api.get("/uploads/upload_nope").status_code == 404


@pytest.mark.parametrize(("body", "param"), [
    pytest.param(lambda img: {"startFrame": img, "keyframes": [{"frameIndex": 0, "image": img}]},
                 "keyframes", id="start-frame-and-keyframes"),
    pytest.param(lambda img: {"editStrength": "flex_1", "autoControls": True}, "autoControls",
                 id="strength-and-auto-controls"),
    pytest.param(lambda img: {"depthControlBlur": 1.5}, "depthControlBlur", id="above-max"),
    pytest.param(lambda img: {"keyframes": [{"frameIndex": -1, "image": img}]}, "keyframes",
                 id="negative-frame-index"),
    pytest.param(lambda img: {"keyframes": [{"frameIndex": 3, "image": "asset_nope"}]},
                 "keyframes[0]", id="unknown-keyframe-image"),
])
def test_edit_model_rules_are_enforced(api, clip_cache, body, param):
    video_id = upload_file(api, clip_cache.get(1.5, 160, 90).read_bytes())["entityId"]
    image_id = api.post("/assets", json={"name": "f.png", "image": png_data_url()}).json()[
        "asset"]["id"]
    r = api.post(f"/generate/custom/{EDIT}",
                 json={"prompt": "x", "video": video_id, **body(image_id)})
    assert r.status_code == 400, r.text
    assert param in r.json()["reason"]
    ok = api.post(f"/generate/custom/{EDIT}", params={"dryRun": "true"}, json={
        "prompt": "x", "video": video_id, "startFrame": image_id, "depthControlBlur": 0.5})
    assert ok.status_code == 269


def test_a_reframe_keeps_the_source_length_and_takes_the_new_shape(api, clip_cache):
    video_id = upload_file(api, clip_cache.get(1.5, 160, 90).read_bytes())["entityId"]
    r = api.post("/generate/custom/model_luma-ray-3-2-reframe", json={
        "prompt": "more sky", "video": video_id, "aspectRatio": "9:16", "resolution": "540p"})
    assert r.status_code == 200, r.text
    job = finished_job(api, r.json()["job"]["jobId"])
    props = api.get(f"/assets/{job['metadata']['assetIds'][0]}").json()["asset"]["properties"]
    assert (props["width"], props["height"]) == (540, 960)
    assert props["duration"] == pytest.approx(1.5, abs=0.1)
