"""`storyboard export CUT --format otio|otioz|fcpxml|xml|edl`: the trailer written in every
format, then read back with the same OpenTimelineIO adapter after the project folder has
moved: clips in order with their trims in frames, transitions, the length of the rendered
cut, and media references that resolve from the exported file's folder."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import opentimelineio as otio
import pytest
from review_helpers import copy_project

from storyboard.export import FORMAT_NAMES
from storyboard.project import Project

pytestmark = pytest.mark.e2e  # the trailer is built with real ffmpeg first

FPS = 24
# The trailer's video entries as the cut renders them, in frames at its 24 fps: dawn 5 s,
# leap trimmed to 0.5-4.5 s, portrait 5 s, globe 5 s twice, interview_painted 3 s,
# interview_loop 2.5 s. Each clip gives up the frames it plays under the transitions next to
# it, half of each (a 0.5 s crossfade: 6 + 6 frames; the 0.5 s dip to black: 6 + 6; the
# 0.25 s crossfade: 3 + 3), so (name, first frame, frames) is:
RANGES = [("dawn", 0, 114), ("leap", 12 + 6, 96 - 6 - 6), ("portrait", 6, 114),
          ("globe", 0, 120), ("globe", 0, 117), ("interview_painted", 3, 69),
          ("interview_loop", 0, 60)]
TOTAL = 678  # 28.25 s: 120 + 96 + 120 + 120 + 120 + 72 + 60 - 12 - 12 - 6
MEDIA = {"dawn", "leap", "portrait", "globe", "interview_painted", "interview_loop", "theme"}


def read(path: Path) -> tuple[Any, Path]:
    """The exported file read back with its own adapter, and the folder its media
    references are relative to (the bundle's extraction folder for otioz)."""
    if path.suffix == ".otioz":
        folder = Path(tempfile.mkdtemp(dir=path.parent))
        return otio.adapters.read_from_file(str(path), extract_to_directory=str(folder)), folder
    if path.suffix == ".edl":
        return otio.adapters.read_from_file(str(path), rate=FPS), path.parent
    return otio.adapters.read_from_file(str(path)), path.parent


def video(timeline: Any) -> list[Any]:
    tracks = timeline.video_tracks()
    assert len(tracks) == 1
    return list(tracks[0])


def clips(timeline: Any) -> list[Any]:
    return [i for i in video(timeline) if isinstance(i, otio.schema.Clip)]


def local(url: str, folder: Path) -> Path:
    parsed = urlparse(url)
    if parsed.scheme == "file":
        return Path(unquote(parsed.path))
    assert not parsed.scheme and not Path(url).is_absolute(), url
    return folder / unquote(url)


@pytest.fixture(scope="module")
def moved(project_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every format exported to its default place (renders/trailer.SUFFIX), then the whole
    project folder moved elsewhere: format -> the exported file in its new place."""
    base = tmp_path_factory.mktemp("moved")
    root = copy_project(project_dir, base / "before" / "trailer")
    project = Project.load(root)
    written = {fmt: project.export("trailer", fmt=fmt).path for fmt in FORMAT_NAMES}
    assert {p.relative_to(root).as_posix() for p in written.values()} == {
        "renders/trailer.otio", "renders/trailer.otioz", "renders/trailer.fcpxml",
        "renders/trailer.xml", "renders/trailer.edl"}
    after = Path(shutil.move(str(root), str(base / "after" / "elsewhere")))
    return {fmt: after / p.relative_to(root) for fmt, p in written.items()}


@pytest.mark.parametrize("fmt", ["otio", "otioz", "fcpxml", "xml"])
def test_clips_in_order_with_their_trims_in_frames(moved: dict[str, Path], fmt: str) -> None:
    timeline, _ = read(moved[fmt])
    found = [(c.name, c.source_range.start_time.value, c.source_range.duration.value)
             for c in clips(timeline)]
    assert found == RANGES
    assert {c.source_range.start_time.rate for c in clips(timeline)} == {FPS}


def test_the_edl_names_each_file_and_keeps_the_frames(moved: dict[str, Path]) -> None:
    timeline, _ = read(moved["edl"])
    # An EDL's dissolve starts at its cut point: the incoming clip carries the whole
    # dissolve, and the black between the halves of the dip is a clip of reel BL.
    found = [(c.name.split("-")[0], c.metadata["cmx_3600"]["reel"],
              c.source_range.start_time.value, c.source_range.duration.value)
             for c in clips(timeline)]
    assert found == [("dawn", "DAWN", 0, 108), ("leap", "LEAP", 12, 84),
                     ("leap", "BL", 0, 6), ("portrait", "PORTRAIT", 6, 114),
                     ("globe", "GLOBE", 0, 120), ("globe", "GLOBE", 0, 114),
                     ("interview_painted", "INTERVIE", 0, 72),
                     ("interview_loop", "INTERV02", 0, 60)]


@pytest.mark.parametrize("fmt", FORMAT_NAMES)
def test_lasts_as_long_as_the_rendered_cut(moved: dict[str, Path], fmt: str) -> None:
    timeline, _ = read(moved[fmt])
    render = moved[fmt].parent / "trailer.mp4"
    rendered = Project.load(moved[fmt].parents[1]).ws.ffmpeg.probe(render).duration
    assert rendered is not None
    assert timeline.duration() == otio.opentime.RationalTime(TOTAL, FPS)
    assert abs(timeline.duration().to_seconds() - rendered) <= 1 / FPS


def shape(timeline: Any) -> list[str]:
    """The video track as text: C clip, G gap (its frames), T(in, out) transition."""
    out = []
    for item in video(timeline):
        if isinstance(item, otio.schema.Transition):
            assert item.transition_type == otio.schema.TransitionTypes.SMPTE_Dissolve
            out.append(f"T{item.in_offset.value:g},{item.out_offset.value:g}")
        elif isinstance(item, otio.schema.Gap):
            out.append(f"G{item.duration().value:g}")
        else:
            out.append("C")
    return out


@pytest.mark.parametrize("fmt", ["otio", "otioz"])
def test_otio_crossfades_and_a_dip_to_black_through_a_black_gap(moved: dict[str, Path],
                                                                fmt: str) -> None:
    timeline, _ = read(moved[fmt])
    assert shape(timeline) == ["C", "T6,6", "C", "T6,0", "G0", "T0,6", "C", "C", "C", "T3,3",
                               "C", "C"]
    parts = [t.metadata["storyboard"].get("part") for t in video(timeline)
             if isinstance(t, otio.schema.Transition)]
    assert parts == [None, "to black", "from black", None]


def test_xml_dips_to_black_as_fcp7_writes_them(moved: dict[str, Path]) -> None:
    text = moved["xml"].read_text("utf-8")
    assert text.count("<alignment>end-black</alignment>") == 1
    assert text.count("<alignment>start-black</alignment>") == 1
    assert text.count("<alignment>center</alignment>") == 2 + 3  # video, then clip audio
    timeline, _ = read(moved["xml"])
    assert shape(timeline) == ["C", "T6,6", "C", "T6,0", "T0,6", "C", "C", "C", "T3,3", "C",
                               "C"]


def test_fcpxml_has_no_transitions_and_says_so(project_dir: Path, tmp_path: Path) -> None:
    done = Project.load(project_dir).export("trailer", output=tmp_path / "t.fcpxml")
    timeline, _ = read(done.path)
    assert shape(timeline) == ["C"] * 7
    assert any("writes no transitions" in w and "3 dissolves" in w for w in done.warnings)
    text = done.path.read_text("utf-8")
    assert '<format id="r1" frameDuration="25/600s" width="960" height="540"' in text
    assert text.count("<asset-clip ") == len(MEDIA)  # one browser clip per file


@pytest.mark.parametrize("fmt", FORMAT_NAMES)
def test_every_media_reference_resolves_after_the_project_moved(moved: dict[str, Path],
                                                                fmt: str) -> None:
    timeline, folder = read(moved[fmt])
    refs = [c.media_reference for c in timeline.find_clips()
            if isinstance(c.media_reference, otio.schema.ExternalReference)]
    # video clips, clip audio, music; the EDL reader links no file to the event that opens
    # from black (portrait: its `* TO CLIP:` line is checked below)
    expected = {"otio": 7 + 7 + 1, "otioz": 15, "fcpxml": 15, "xml": 15, "edl": 6}[fmt]
    assert len(refs) == expected
    for ref in refs:
        assert "before" not in ref.target_url, ref.target_url  # nothing names the old place
        path = local(ref.target_url, folder)
        assert path.is_file(), ref.target_url
        assert path.parent == folder / "media"
    if fmt != "edl":  # the EDL has no sound
        assert {Path(r.target_url).name.split("-")[0] for r in refs} == MEDIA


def test_the_edl_comments_name_files_beside_it(moved: dict[str, Path]) -> None:
    edl = moved["edl"]
    named = [line.split(": ", 1)[1] for line in edl.read_text("utf-8").splitlines()
             if line.startswith(("* FROM CLIP: ", "* TO CLIP: "))]
    assert len(named) == 10
    assert all((edl.parent / name).is_file() for name in named), named


EDL = """\
TITLE: trailer

001  DAWN     V     C        00:00:00:00 00:00:04:12 00:00:00:00 00:00:04:12
* FROM CLIP NAME:  dawn-{dawn}.mp4
* FROM CLIP: media/dawn-{dawn}.mp4
002  DAWN     V     C        00:00:04:12 00:00:04:12 00:00:04:12 00:00:04:12
002  LEAP     V     D 012    00:00:00:12 00:00:04:00 00:00:04:12 00:00:08:00
* FROM CLIP NAME:  dawn-{dawn}.mp4
* FROM CLIP: media/dawn-{dawn}.mp4
* TO CLIP NAME:  leap-{leap}.mp4
* TO CLIP: media/leap-{leap}.mp4
003  LEAP     V     C        00:00:04:00 00:00:04:00 00:00:08:00 00:00:08:00
003  BL       V     D 006    00:00:00:00 00:00:00:06 00:00:08:00 00:00:08:06
* FROM CLIP NAME:  leap-{leap}.mp4
* FROM CLIP: media/leap-{leap}.mp4
004  BL       V     C        00:00:00:06 00:00:00:06 00:00:08:06 00:00:08:06
004  PORTRAIT V     D 006    00:00:00:06 00:00:05:00 00:00:08:06 00:00:13:00
* TO CLIP NAME:  portrait-{portrait}.mp4
* TO CLIP: media/portrait-{portrait}.mp4
005  GLOBE    V     C        00:00:00:00 00:00:05:00 00:00:13:00 00:00:18:00
* FROM CLIP NAME:  globe-{globe}.mp4
* FROM CLIP: media/globe-{globe}.mp4
006  GLOBE    V     C        00:00:00:00 00:00:04:18 00:00:18:00 00:00:22:18
* FROM CLIP NAME:  globe-{globe}.mp4
* FROM CLIP: media/globe-{globe}.mp4
007  GLOBE    V     C        00:00:04:18 00:00:04:18 00:00:22:18 00:00:22:18
007  INTERVIE V     D 006    00:00:00:00 00:00:03:00 00:00:22:18 00:00:25:18
* FROM CLIP NAME:  globe-{globe}.mp4
* FROM CLIP: media/globe-{globe}.mp4
* TO CLIP NAME:  interview_painted-{interview_painted}.mp4
* TO CLIP: media/interview_painted-{interview_painted}.mp4
008  INTERV02 V     C        00:00:00:00 00:00:02:12 00:00:25:18 00:00:28:06
* FROM CLIP NAME:  interview_loop-{interview_loop}.mp4
* FROM CLIP: media/interview_loop-{interview_loop}.mp4
"""


def test_the_edl_line_by_line(moved: dict[str, Path]) -> None:
    """Event numbers, reels (8 characters, unique per file, BL for black), clip names and
    timecodes: a cut is one event, a dissolve is a cut line plus a D line, the dip to black is
    a dissolve to BL and one from it; record times run 00:00:00:00 to the cut's 28:06."""
    edl = moved["edl"]
    digests = {p.name.split("-")[0]: p.stem.split("-")[1]
               for p in (edl.parent / "media").iterdir()}
    assert edl.read_text("utf-8").splitlines() == EDL.format(**digests).splitlines()


def test_the_edl_survives_the_adapters_round_trip(moved: dict[str, Path]) -> None:
    text = moved["edl"].read_text("utf-8")
    again = otio.adapters.write_to_string(read(moved["edl"])[0], adapter_name="cmx_3600",
                                          style="avid")

    def events(edl: str) -> list[str]:
        return [line for line in edl.splitlines() if line[:3].isdigit()]

    assert events(again) == events(text) and len(events(text)) == 12


def test_music_is_clipped_to_its_file_with_its_levels(moved: dict[str, Path]) -> None:
    timeline, _ = read(moved["otio"])
    music = next(t for t in timeline.audio_tracks() if t.name == "music")
    (bed,) = list(music)
    available = bed.media_reference.available_range.duration.value
    assert available == 30 * FPS  # theme.m4a: 30 s
    # starts 2 s in; the cut lasts 28.25 s but the file ends 28 s after that start
    assert (bed.source_range.start_time.value, bed.source_range.duration.value) == (48, 672)
    assert bed.source_range.end_time_exclusive().value <= available
    # volume 0.8, fade in 0.5 s (12 frames), fade out over the cut's last 1.5 s (from frame
    # 642 of 678): the file ends at frame 672, 6 frames before the fade reaches silence.
    assert [tuple(p) for p in bed.metadata["storyboard"]["levels"]] == [
        (0, 0.0), (12, 0.8), (642, 0.8), (672, round(0.8 * 6 / 36, 6))]


def test_xml_carries_the_music_levels_as_keyframes(moved: dict[str, Path]) -> None:
    timeline, _ = read(moved["xml"])
    bed = timeline.audio_tracks()[-1][0]
    (levels,) = [e for e in bed.effects if e.name == "Audio Levels"]
    parameter = levels.metadata["fcp_xml"]["parameter"]
    assert parameter["value"] == "0.8"
    # `when` counts frames in the media, as FCP7 and Premiere write it: the clip starts at 48
    assert [(k["when"], k["value"]) for k in parameter["keyframe"]] == [
        ("48", "0.0"), ("60", "0.8"), ("690", "0.8"), ("720", "0.133333")]


def test_clip_audio_follows_the_video_with_crossfades(moved: dict[str, Path]) -> None:
    timeline, _ = read(moved["otio"])
    sound = next(t for t in timeline.audio_tracks() if t.name == "clip audio")
    assert [c.source_range.start_time.value for c in sound.find_clips()] == [
        r[1] for r in RANGES]
    assert [(t.in_offset.value, t.out_offset.value) for t in sound
            if isinstance(t, otio.schema.Transition)] == [(6, 6), (6, 6), (3, 3)]
    assert sound.duration().value == TOTAL


def test_absolute_paths_name_the_media_beside_the_file(project_dir: Path,
                                                      tmp_path: Path) -> None:
    root = copy_project(project_dir, tmp_path / "project")
    out = tmp_path / "handoff" / "trailer.xml"
    done = Project.load(root).export("trailer", output=out, absolute_paths=True)
    assert done.format == "xml"  # from the suffix
    shutil.move(str(root), str(tmp_path / "gone"))
    timeline, _ = read(out)
    urls = [c.media_reference.target_url for c in timeline.find_clips()]
    assert urls and all(u.startswith("file:///") for u in urls)
    assert {local(u, out.parent).parent for u in urls} == {out.parent / "media"}
    assert all(local(u, out.parent).is_file() for u in urls)


def test_warnings_say_what_a_format_cannot_carry(project_dir: Path, tmp_path: Path) -> None:
    project = Project.load(project_dir)
    warned = {fmt: project.export("trailer", output=tmp_path / f"t.{fmt}", fmt=fmt).warnings
              for fmt in FORMAT_NAMES}
    assert warned["xml"] == []
    assert any("clip audio and music are not in it" in w for w in warned["edl"])
    assert any("volume and fades are not carried" in w for w in warned["otio"])
    assert len(warned["fcpxml"]) == 2


def test_fcpxml_needs_a_rate_its_adapter_knows(project_dir: Path, tmp_path: Path) -> None:
    from storyboard.errors import ProjectError

    root = copy_project(project_dir, tmp_path / "ntsc")
    board = root / "storyboard.yaml"
    board.write_text(board.read_text("utf-8").replace("fps: 24", "fps: 23.976"), "utf-8")
    with pytest.raises(ProjectError, match=r"FCPXML export needs one of 24, 25, 30, 50, 60"):
        Project.load(root).export("trailer", output=tmp_path / "t.fcpxml")
    assert not (tmp_path / "t.fcpxml").exists()
    # the other formats take any rate
    assert Project.load(root).export("trailer", output=tmp_path / "t.edl").path.is_file()
