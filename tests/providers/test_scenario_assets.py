"""Assets against the fake Scenario server: results are downloaded as originals (a transformed
copy's size is not the asset's), inline uploads stop at 3.5 MB and uploaded inputs stay out of
the user's library."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
from provider_helpers import FLASH, expect

from storyboard.providers.scenario import ScenarioClient, ScenarioUnavailable
from storyboard.testing import FakeScenario

pytest_plugins = ["storyboard.testing.pytest_plugin"]


def run(coro: Any) -> Any:
    return asyncio.run(coro)


async def result(client: ScenarioClient, fake: FakeScenario) -> str:
    fake.latency = 0
    job_id, _ = await client.submit(FLASH, {"prompt": "a fox"})
    job = await client.get_job(job_id)
    asset_id: str = job["metadata"]["assetIds"][0]
    return asset_id


def test_a_result_downloads_whole_although_its_transformed_copy_has_another_size(
        client: ScenarioClient, fake_scenario: FakeScenario, tmp_path: Path) -> None:
    async def go() -> None:
        asset_id = await result(client, fake_scenario)
        with httpx.Client(base_url=fake_scenario.base_url, auth=fake_scenario.auth) as api:
            plain = api.get(f"/assets/{asset_id}").json()["asset"]  # no originalAssets
            size = plain["properties"]["size"]
            assert len(httpx.get(plain["url"]).content) != size  # the transformed copy
        dest = tmp_path / "out.mp4"
        assert await client.download(asset_id, dest) == dest.stat().st_size == size

    run(go())


def test_a_size_mismatch_falls_back_to_the_download_endpoint(
        client: ScenarioClient, fake_scenario: FakeScenario, tmp_path: Path) -> None:
    async def go() -> None:
        asset_id = await result(client, fake_scenario)
        size = (await client.asset(asset_id))["properties"]["size"]
        fake_scenario.script_faults(["storage_get:oversize"])  # the first URL's length is off
        dest = tmp_path / "out.mp4"
        assert await client.download(asset_id, dest) == size

    run(go())
    requests = fake_scenario.counters.requests
    assert (requests["download_asset"], requests["storage_get"]) == (1, 2)


def test_a_body_cut_short_is_still_refused(
        client: ScenarioClient, fake_scenario: FakeScenario, tmp_path: Path) -> None:
    async def go() -> None:
        asset_id = await result(client, fake_scenario)
        fake_scenario.script_faults(["storage_get:truncated"] * 4)  # every attempt
        dest = tmp_path / "out.mp4"
        exc = await expect(ScenarioUnavailable, client.download(asset_id, dest))
        assert "stopped after" in str(exc) or "gave up" in str(exc)
        assert not dest.exists()

    run(go())


def test_a_5_mb_image_goes_through_uploads_and_is_hidden(
        client: ScenarioClient, fake_scenario: FakeScenario, media: Path,
        tmp_path: Path) -> None:
    big = tmp_path / "big.png"
    big.write_bytes((media / "photo.png").read_bytes() + b"\0" * (5 * 1000 * 1000))

    async def go() -> None:
        asset = await client.asset(await client.upload_image(big))
        assert (asset["properties"]["size"], asset["isHidden"]) == (big.stat().st_size, True)

    run(go())
    c = fake_scenario.counters
    assert (c.uploads, c.requests.get("create_asset", 0)) == (1, 0)


def test_a_small_image_goes_inline_and_is_hidden(
        client: ScenarioClient, fake_scenario: FakeScenario, media: Path,
        tmp_path: Path) -> None:
    image = tmp_path / "frame.png"
    image.write_bytes((media / "photo.png").read_bytes() + b"\0" * (3 * 1000 * 1000))

    async def go() -> None:
        asset = await client.asset(await client.upload_image(image))
        assert asset["isHidden"] is True

    run(go())
    c = fake_scenario.counters
    assert (c.uploads, c.requests["create_asset"]) == (0, 1)


def test_an_uploaded_video_is_hidden(client: ScenarioClient, media: Path) -> None:
    async def go() -> None:
        asset = await client.asset(await client.upload_file(media / "clip.mp4", "video",
                                                            "video/mp4"))
        assert asset["isHidden"] is True

    run(go())
