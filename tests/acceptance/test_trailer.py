"""Acceptance ("Real shots"): the trailer example builds end to end on Luma models through the
Scenario API (the fake server), with the real CLI; building again pays for nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from acceptance_helpers import cli_env, run, storyboard

from storyboard.media import Ffmpeg
from storyboard.project import Project
from storyboard.testing import FakeScenario

pytest_plugins = ["storyboard.testing.pytest_plugin"]
pytestmark = pytest.mark.e2e

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "trailer"


def test_trailer_builds_on_scenario_then_rebuilds_for_free(
        tmp_path: Path, fake_scenario: FakeScenario) -> None:
    root = tmp_path / "trailer"
    shutil.copytree(EXAMPLE, root)
    env = cli_env(fake_scenario)
    graph = Project.load(root).graph
    model_nodes = {n.id: n for n in graph.nodes.values() if n.runs_model}

    first = run(storyboard(root), env, timeout=300)
    assert first.code == 0, first
    assert not first.warnings(), first.warnings()
    c = fake_scenario.counters
    # Uploads: the photo and two frames of dawn as images, the interview clip through the
    # multipart flow (its bytes PUT to storage); results used as inputs (portrait's steps, its
    # reframe) are reused by asset id, never uploaded again.
    assert c.requests.get("create_asset") == 3, c.requests
    assert c.uploads == 1 and c.requests.get("storage_put", 0) >= 1, c
    assert c.assets_created == 4, c
    # Every model node ran once, on its own model, and every kind of node is among them.
    assert {n.kind for n in model_nodes.values()} == {"generate", "edit", "reframe", "loop"}
    assert c.jobs_created == len(model_nodes) == 7, c
    assert c.identical_submissions == 0
    jobs = {j.job_id: j for j in fake_scenario.jobs}
    lock = Project.load(root).ws.lock
    for node_id, node in model_nodes.items():
        rec = lock.nodes[node_id]
        assert rec.job in jobs and jobs[rec.job].model_id == node.model_id, (node_id, rec)
    assert {j.model_id for j in jobs.values()} == {
        "model_luma-ray-3-2", "model_luma-ray-3-2-edit", "model_luma-ray-3-2-reframe",
        "model_luma-modify-video", "model_luma-ray-flash-2-540p"}
    ff = Ffmpeg()
    trailer = ff.probe(root / "renders" / "trailer.mp4")
    assert trailer.kind == "video" and trailer.has_audio and (trailer.duration or 0) > 20
    assert (trailer.width, trailer.height) == (960, 540)
    vertical = ff.probe(root / "renders" / "social" / "vertical.mp4")
    assert vertical.kind == "video" and (vertical.width, vertical.height) == (540, 960)

    again = run(storyboard(root), env)
    assert again.code == 0, again
    assert again.of("summary")[0]["done"] == 0
    c2 = fake_scenario.counters
    assert (c2.jobs_created, c2.identical_submissions, c2.dry_runs, c2.uploads,
            c2.assets_created, c2.cu_charged) == (c.jobs_created, 0, c.dry_runs, c.uploads,
                                                  c.assets_created, c.cu_charged)
    assert c2.requests.get("generate") == c.requests.get("generate")
