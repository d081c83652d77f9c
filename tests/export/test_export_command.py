"""`storyboard export`: what each clip carries, the command's options and output, and the
errors a user meets (unknown cut, nothing built, a shot changed since the build)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import opentimelineio as otio
import pytest
from click.testing import CliRunner
from review_helpers import EXAMPLE, copy_project

from storyboard.cli.main import cli
from storyboard.errors import ProjectError, SpecError
from storyboard.export import export_otio
from storyboard.project import Project

pytestmark = pytest.mark.e2e  # the trailer is built with real ffmpeg first

CLIP_FIELDS = ("shot", "node", "key", "model", "job", "cost", "take", "provider", "digest")


def clips(timeline: Any) -> list[Any]:
    return list(timeline.video_tracks()[0].find_clips())


def test_every_clip_carries_what_made_it(project_dir: Path) -> None:
    path = export_otio(Project.load(project_dir), "trailer", project_dir / "renders" / "t.otio")
    timeline = otio.adapters.read_from_file(str(path))
    lock = Project.load(project_dir).ws.lock
    for clip in clips(timeline):
        meta = clip.metadata["storyboard"]
        assert all(name in meta for name in CLIP_FIELDS), meta
        rec = lock.nodes[meta["node"]]
        assert (meta["key"], meta["job"], meta["take"], meta["provider"], meta["model"],
                meta["digest"]) == (rec.key, rec.job, rec.take, rec.provider, rec.model,
                                    rec.output)
        assert meta["file"] == f"{meta['shot']}-{rec.output[:12]}.mp4"
    info = timeline.metadata["storyboard"]
    assert (info["cut"], info["fps"], info["width"], info["height"]) == ("trailer", 24, 960, 540)
    assert info["paths_relative_to"].startswith("the folder of this file")


def test_vertical_cut_with_a_trim_and_no_transitions(project_dir: Path) -> None:
    path = export_otio(Project.load(project_dir), "vertical", project_dir / "v.otio")
    timeline = otio.adapters.read_from_file(str(path))
    assert [c.name for c in clips(timeline)] == ["portrait_tall", "globe"]
    assert not [i for i in timeline.video_tracks()[0] if isinstance(i, otio.schema.Transition)]
    assert clips(timeline)[1].source_range.duration.to_seconds() == pytest.approx(3.0)
    assert timeline.duration().to_seconds() == pytest.approx(8.0, abs=1 / 24)
    assert timeline.metadata["storyboard"]["clip_audio"] is False
    assert [t.name for t in timeline.audio_tracks()] == ["music"]  # no clip audio


def test_export_command_writes_renders_cut_suffix(project_dir: Path) -> None:
    target = project_dir / "renders" / "vertical.edl"
    target.unlink(missing_ok=True)
    result = CliRunner().invoke(cli, ["export", "vertical", "--format", "edl", "-f",
                                      str(project_dir)])
    assert result.exit_code == 0, result.output
    assert f"wrote {target} (2 media files beside it, in media/)" in result.output
    assert "warning: edl: one video track only; the music is not in it" in result.output
    assert target.read_text("utf-8").startswith("TITLE: vertical\n")


def test_export_command_takes_the_format_from_the_output_suffix(project_dir: Path,
                                                                tmp_path: Path) -> None:
    out = tmp_path / "x" / "t.fcpxml"
    result = CliRunner().invoke(cli, ["export", "trailer", "-f", str(project_dir), "-o",
                                      str(out), "--json"])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert (answer["format"], answer["path"]) == ("fcpxml", str(out))
    assert len(answer["media"]) == 7 and all(Path(p).is_file() for p in answer["media"])
    assert any("writes no transitions" in w for w in answer["warnings"])
    assert out.read_text("utf-8").startswith('<?xml version="1.0" encoding="UTF-8"?>\n'
                                             "<!DOCTYPE fcpxml>")


def test_export_command_absolute_paths_and_a_bundle(project_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "t.otio"
    result = CliRunner().invoke(cli, ["export", "trailer", "-f", str(project_dir), "-o",
                                      str(out), "--absolute-paths"])
    assert result.exit_code == 0, result.output
    urls = {c.media_reference.target_url for c in
            otio.adapters.read_from_file(str(out)).find_clips()}
    assert urls == {(tmp_path / "media" / Path(u).name).as_uri() for u in urls}
    bundle = tmp_path / "b" / "t.otioz"
    result = CliRunner().invoke(cli, ["export", "trailer", "-f", str(project_dir), "-o",
                                      str(bundle)])
    assert result.exit_code == 0, result.output
    assert "(7 media files inside it)" in result.output
    assert sorted(p.name for p in bundle.parent.iterdir()) == ["t.otioz"]  # nothing beside it


def test_a_video_asset_in_a_cut_is_placed_beside_the_export_too(project_dir: Path,
                                                                tmp_path: Path) -> None:
    root = copy_project(project_dir, tmp_path / "asset")
    board = root / "storyboard.yaml"
    board.write_text(board.read_text("utf-8").replace(
        "shots: [portrait_tall, {shot: globe, trim: [0, 3]}]", "shots: [portrait_tall, interview]"),
        "utf-8")
    done = Project.load(root).export("vertical", output=tmp_path / "out" / "v.otio")
    timeline = otio.adapters.read_from_file(str(done.path))
    clip = clips(timeline)[1]
    assert clip.name == "interview"
    assert clip.metadata["storyboard"]["source"] == "assets/interview.mp4"
    assert clip.media_reference.target_url.startswith("media/interview-")
    assert (done.path.parent / clip.media_reference.target_url).read_bytes() == (
        root / "assets" / "interview.mp4").read_bytes()
    assert done.stale == ("vertical",)


def test_an_output_folder_gets_the_usual_name(project_dir: Path, tmp_path: Path) -> None:
    done = Project.load(project_dir).export("vertical", output=tmp_path, fmt="xml")
    assert done.path == tmp_path / "vertical.xml" and done.path.is_file()
    assert sorted(p.name for p in (tmp_path / "media").iterdir()) == sorted(
        p.name for p in done.media)


def test_a_place_that_cannot_be_written_is_a_clear_error(project_dir: Path,
                                                         tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = CliRunner().invoke(cli, ["export", "vertical", "-f", str(project_dir), "-o",
                                      str(blocker / "v.otio")])
    assert result.exit_code == 3, result.output
    assert "error: cannot write" in result.output and "Traceback" not in result.output


def test_exporting_again_replaces_the_file(project_dir: Path, tmp_path: Path) -> None:
    project = Project.load(project_dir)
    for _ in range(2):
        done = project.export("vertical", output=tmp_path / "v.otioz")
    assert done.path.is_file()
    assert [p.name for p in tmp_path.iterdir()] == ["v.otioz"]  # no partial files left


def test_unknown_cut_is_a_usage_problem_with_a_suggestion(project_dir: Path) -> None:
    result = CliRunner().invoke(cli, ["export", "trailr", "-f", str(project_dir)])
    assert result.exit_code == 3
    assert "no cut named 'trailr'" in result.output and "trailer" in result.output
    with pytest.raises(SpecError):
        Project.load(project_dir).export("nope", output=project_dir / "n.otio")


def test_a_cut_not_built_yet_says_to_build_it(tmp_path: Path) -> None:
    root = shutil.copytree(EXAMPLE, tmp_path / "fresh",
                           ignore=shutil.ignore_patterns(".storyboard", "renders",
                                                         "storyboard.lock"))
    with pytest.raises(ProjectError, match=r"has not been built yet; run `storyboard build "
                                           r"vertical`"):
        Project.load(root).export("vertical", output=root / "v.xml")
    assert not (root / "v.xml").exists()


def test_a_changed_shot_exports_its_last_build_and_says_so(project_dir: Path,
                                                          tmp_path: Path) -> None:
    root = copy_project(project_dir, tmp_path / "changed")
    board = root / "storyboard.yaml"
    board.write_text(board.read_text("utf-8").replace("The fox leaps over a frozen stream",
                                                      "The fox leaps over a frozen river"),
                     "utf-8")
    result = CliRunner().invoke(cli, ["export", "trailer", "-f", str(root)])
    assert result.exit_code == 0, result.output
    assert "warning: leap, trailer changed since the last build" in result.output
    timeline = otio.adapters.read_from_file(str(root / "renders" / "trailer.otio"))
    assert list(timeline.metadata["storyboard"]["stale"]) == ["leap", "trailer"]
    assert len(clips(timeline)) == 7
