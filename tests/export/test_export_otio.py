"""`storyboard export CUT --format otio`: the trailer as an OpenTimelineIO timeline, read back
with OTIO's own reader: its length, clips, trims, transitions, music, metadata and paths."""

from __future__ import annotations

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

CLIP_FIELDS = ("shot", "node", "key", "model", "job", "cost", "take", "provider")


@pytest.fixture(scope="module")
def trailer(project_dir: Path) -> Any:
    path = export_otio(Project.load(project_dir), "trailer", project_dir / "renders" /
                       "trailer.otio")
    return otio.adapters.read_from_file(str(path))


def items(timeline: Any) -> list[Any]:
    return list(timeline.video_tracks()[0])


def clips(timeline: Any) -> list[Any]:
    return [i for i in items(timeline) if isinstance(i, otio.schema.Clip)]


def test_timeline_lasts_as_long_as_the_cut(trailer: Any, project_dir: Path) -> None:
    project = Project.load(project_dir)
    plan = project.graph.nodes["cut:trailer"].cut
    assert plan is not None and plan.duration is not None
    rendered = project.ws.ffmpeg.probe(project_dir / plan.output).duration
    assert rendered is not None
    frame = 1 / plan.fps
    seconds = trailer.duration().to_seconds()
    assert abs(seconds - plan.duration) <= frame  # trims, repeats and transitions: 28.25 s
    assert abs(seconds - rendered) <= frame
    assert trailer.duration().rate == plan.fps


def test_one_clip_per_entry_with_its_trim_as_source_range(trailer: Any,
                                                          project_dir: Path) -> None:
    project = Project.load(project_dir)
    plan = project.graph.nodes["cut:trailer"].cut
    assert plan is not None
    fps = plan.fps
    seq = items(trailer)
    found = clips(trailer)
    assert [c.name for c in found] == ["dawn", "leap", "portrait", "globe", "globe",
                                       "interview_painted", "interview_loop"]
    for index, (segment, clip) in enumerate(zip(plan.segments, found, strict=True)):
        at = seq.index(clip)
        before = seq[at - 1] if at > 0 and isinstance(seq[at - 1], otio.schema.Transition) \
            else None
        after = seq[at + 1] if at + 1 < len(seq) and isinstance(
            seq[at + 1], otio.schema.Transition) else None
        # The media the clip shows, its handles under the transitions included, is the trim.
        zero = otio.opentime.RationalTime(0, fps)
        start = clip.source_range.start_time - (before.in_offset if before else zero)
        end = clip.source_range.end_time_exclusive() + (after.out_offset if after else zero)
        assert start.rate == fps and start.to_seconds() == pytest.approx(segment.trim_in)
        available = clip.media_reference.available_range.duration.to_seconds()
        expected_end = segment.trim_out if segment.trim_out is not None else available
        assert end.to_seconds() == pytest.approx(expected_end, abs=0.5 / fps), index
        assert clip.metadata["storyboard"]["entry"] == index + 1


def test_transitions_sit_between_clips_half_on_each_side(trailer: Any) -> None:
    seq = items(trailer)
    found = [(i, t) for i, t in enumerate(seq) if isinstance(t, otio.schema.Transition)]
    assert [seq[i - 1].name + ">" + seq[i + 1].name for i, _t in found] == [
        "dawn>leap", "leap>portrait", "globe>interview_painted"]
    durations = [0.5, 0.5, 0.25]
    for (_i, t), seconds in zip(found, durations, strict=True):
        assert t.transition_type == otio.schema.TransitionTypes.SMPTE_Dissolve
        assert (t.in_offset + t.out_offset).to_seconds() == pytest.approx(seconds)
        assert abs(t.in_offset.value - t.out_offset.value) <= 1
    crossfade, fade, _ = (t for _i, t in found)
    assert fade.metadata["storyboard"]["fade_to_black"] is True
    assert fade.metadata["storyboard"]["transition"] == "fade"
    assert crossfade.metadata["storyboard"]["fade_to_black"] is False


def test_every_clip_carries_what_made_it(trailer: Any, project_dir: Path) -> None:
    lock = Project.load(project_dir).ws.lock
    for clip in clips(trailer):
        meta = clip.metadata["storyboard"]
        assert all(name in meta for name in CLIP_FIELDS), meta
        rec = lock.nodes[meta["node"]]
        assert (meta["key"], meta["job"], meta["take"], meta["provider"], meta["model"]) == (
            rec.key, rec.job, rec.take, rec.provider, rec.model)
        assert meta["cost"] == rec.cost
    assert trailer.metadata["storyboard"]["cut"] == "trailer"


def test_music_bed_on_an_audio_track(trailer: Any) -> None:
    audio = trailer.audio_tracks()
    assert len(audio) == 1 and len(audio[0]) == 1
    bed = audio[0][0]
    assert bed.media_reference.target_url == "assets/theme.m4a"
    assert bed.source_range.start_time.to_seconds() == pytest.approx(2.0)
    assert bed.source_range.duration == trailer.video_tracks()[0].duration()
    meta = bed.metadata["storyboard"]
    assert (meta["volume"], meta["fade_in"], meta["fade_out"], meta["start"]) == (
        0.8, 0.5, 1.5, 2.0)


def test_media_paths_are_relative_to_the_project_and_survive_a_move(project_dir: Path,
                                                                    tmp_path: Path) -> None:
    root = copy_project(project_dir, tmp_path / "before")
    out = export_otio(Project.load(root), "trailer", root / "renders" / "trailer.otio")
    moved = Path(shutil.move(str(root), str(tmp_path / "after" / "elsewhere")))
    timeline = otio.adapters.read_from_file(str(moved / out.relative_to(root)))
    refs = [c.media_reference for t in timeline.tracks for c in t
            if isinstance(c, otio.schema.Clip)]
    assert len(refs) == 8
    for ref in refs:
        url = ref.target_url
        assert not Path(url).is_absolute() and "://" not in url and str(root) not in url
        assert (moved / url).is_file(), url
    assert {r.target_url.rsplit("/", 1)[0] for r in refs} == {"renders/media", "assets"}


def test_vertical_cut_with_a_trim_and_no_transitions(project_dir: Path) -> None:
    path = export_otio(Project.load(project_dir), "vertical", project_dir / "v.otio")
    timeline = otio.adapters.read_from_file(str(path))
    assert [c.name for c in clips(timeline)] == ["portrait_tall", "globe"]
    assert not [i for i in items(timeline) if isinstance(i, otio.schema.Transition)]
    assert clips(timeline)[1].source_range.duration.to_seconds() == pytest.approx(3.0)
    assert timeline.duration().to_seconds() == pytest.approx(8.0, abs=1 / 24)
    assert timeline.metadata["storyboard"]["clip_audio"] is False


def test_export_command_writes_renders_cut_otio(project_dir: Path) -> None:
    target = project_dir / "renders" / "vertical.otio"
    target.unlink(missing_ok=True)
    result = CliRunner().invoke(cli, ["export", "vertical", "--format", "otio", "-f",
                                      str(project_dir)])
    assert result.exit_code == 0, result.output
    assert f"wrote {target}" in result.output
    assert otio.adapters.read_from_file(str(target)).name == "vertical"


def test_export_command_output_option(project_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "x" / "t.otio"
    result = CliRunner().invoke(cli, ["export", "trailer", "-f", str(project_dir), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert len(clips(otio.adapters.read_from_file(str(out)))) == 7


def test_unknown_cut_is_a_usage_problem_with_a_suggestion(project_dir: Path) -> None:
    result = CliRunner().invoke(cli, ["export", "trailr", "-f", str(project_dir)])
    assert result.exit_code == 3
    assert "no cut named 'trailr'" in result.output and "trailer" in result.output
    with pytest.raises(SpecError):
        export_otio(Project.load(project_dir), "nope", project_dir / "n.otio")


def test_a_cut_not_built_yet_says_to_build_it(tmp_path: Path) -> None:
    root = shutil.copytree(EXAMPLE, tmp_path / "fresh",
                           ignore=shutil.ignore_patterns(".storyboard", "renders",
                                                         "storyboard.lock"))
    with pytest.raises(ProjectError, match=r"has not been built yet; run `storyboard build "
                                           r"vertical`"):
        export_otio(Project.load(root), "vertical", root / "v.otio")
    assert not (root / "v.otio").exists()


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
