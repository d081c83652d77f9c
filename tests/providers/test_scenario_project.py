"""A small film built end to end through `Project` with the scenario provider on the fake server:
uploads, dry runs, jobs, downloads, frames, the cut; then nothing paid again on a rebuild."""

from __future__ import annotations

from pathlib import Path

import pytest
from provider_helpers import assert_clean

from storyboard.engine import RecordingReporter
from storyboard.errors import CredentialsError, ProviderError
from storyboard.media import Ffmpeg
from storyboard.project import Project
from storyboard.testing import FakeScenario

pytest_plugins = ["storyboard.testing.pytest_plugin"]
pytestmark = pytest.mark.e2e

FILM = """\
version: 1
name: scenario-e2e
defaults:
  generate: {model: ray-flash-2, resolution: 540p, aspect_ratio: "16:9"}
assets:
  photo: assets/photo.png
  clip: assets/clip.mp4
shots:
  dawn:
    generate: {prompt: A fox at dawn, start_frame: photo, duration: 5}
  leap:
    generate: {prompt: The fox leaps, start_frame: dawn.last_frame, duration: 9}
  painted:
    edit: {model: modify-video, source: clip, prompt: Hand-painted watercolor}
  tall:
    reframe: {model: reframe-video, source: dawn, aspect_ratio: "9:16"}
  globe:
    loop: {model: ray-flash-2, resolution: 540p, aspect_ratio: "1:1", prompt: A snow globe}
# The fake renders one clip per (length, size): shots differ in one of them so that the cut
# never holds the same file twice.
cuts:
  trailer:
    resolution: 540p
    shots: [dawn, leap, painted, tall, globe]
"""


@pytest.fixture
def film(tmp_path: Path, media: Path, fake_scenario: FakeScenario,
         monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "film"
    (root / "assets").mkdir(parents=True)
    (root / "assets" / "photo.png").write_bytes((media / "photo.png").read_bytes())
    (root / "assets" / "clip.mp4").write_bytes((media / "clip.mp4").read_bytes())
    (root / "storyboard.yaml").write_text(FILM)
    for name, value in fake_scenario.env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("STORYBOARD_POLL_INTERVAL", "0.05")
    return root


def test_build_then_rebuild_pays_once(film: Path, fake_scenario: FakeScenario,
                                      ffmpeg: Ffmpeg) -> None:
    reporter = RecordingReporter()
    summary = Project.load(film).build(provider="scenario", reporter=reporter)
    assert summary.failed == [], summary.as_dict()
    assert summary.count("done") == 7  # five shots, the frame, the cut
    cut = ffmpeg.probe(film / "renders" / "trailer.mp4")
    assert cut.kind == "video" and cut.duration and cut.duration > 25
    c = fake_scenario.counters
    assert (c.jobs_created, c.identical_submissions) == (5, 0)
    assert c.uploads == 1  # the clip; dawn's result is reframed without uploading it again
    assert c.assets_created == 3  # photo, clip, dawn's last frame
    assert summary.spent == c.cu_charged

    again = Project.load(film).build(provider="scenario")
    assert again.failed == [] and again.count("done") == 0
    c2 = fake_scenario.counters
    assert (c2.jobs_created, c2.identical_submissions, c2.cu_charged) == (5, 0, c.cu_charged)
    assert c2.dry_runs == c.dry_runs


def test_plan_shows_estimates_and_replanning_is_free(film: Path,
                                                     fake_scenario: FakeScenario) -> None:
    plan = Project.load(film).plan(provider="scenario")
    costs = {row.label: row.estimate for row in plan.nodes}
    assert costs["dawn"] == 8.0 and costs["globe"] == 8.0  # the fake: 8 CU per 5 s at 540p
    assert costs["painted"] is not None and costs["painted"] > 0
    assert costs["leap"] is None and costs["tall"] is None  # their inputs are not built yet
    dry_runs = fake_scenario.counters.dry_runs
    assert dry_runs == 3

    Project.load(film).plan(provider="scenario")
    c = fake_scenario.counters
    assert (c.dry_runs, c.jobs_created) == (dry_runs, 0)


def test_missing_credentials_stop_the_build_before_any_request(
        film: Path, fake_scenario: FakeScenario, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SCENARIO_API_SECRET")
    with pytest.raises(CredentialsError) as info:
        Project.load(film).build(provider="scenario")
    assert_clean(info.value)
    assert sum(fake_scenario.counters.requests.values()) == 0


def test_random_faults_never_pay_twice_and_rebuilds_converge(
        film: Path, fake_scenario: FakeScenario) -> None:
    # Every API route fails a fifth of the time (500, HTML 502, 429, dropped connections, jobs
    # created and then the answer lost). A build may leave nodes failed with an ambiguous
    # submission; the next builds find or resubmit them. Nothing is ever paid for twice.
    fake_scenario.configure_faults(rate=0.2, seed=7, rate_limit_seconds=0.05)
    for _ in range(4):
        try:
            summary = Project.load(film).build(provider="scenario")
        except ProviderError as exc:  # a dry run that failed every retry: nothing was paid
            assert_clean(exc)
            continue
        for failure in summary.failed:
            assert "may have reached Scenario" in failure.error or "gave up" in failure.error
        if not summary.failed:
            break
    else:
        raise AssertionError("four builds did not finish the film")
    assert (film / "renders" / "trailer.mp4").is_file()
    c = fake_scenario.counters
    assert c.identical_submissions == 0
    assert c.jobs_created == 5
