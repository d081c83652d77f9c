"""build_graph: profiles, step lists, local loops, source limits from facts and from generated
durations, cuts of assets, and problems that are not in the file (an unknown --profile).
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from storyboard.errors import SpecError
from storyboard.graph import AssetFacts, Graph, build_graph
from storyboard.spec import parse


def build(root: Path, text: str, *files: str, profile: str | None = None,
          facts: dict[str, AssetFacts] | None = None) -> Graph:
    """Write `files` (placeholder bytes) under `root`, then parse and build `text`."""
    for rel in files:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(b"placeholder")
    board, smap, _ = parse("version: 1\nname: t\n" + textwrap.dedent(text))
    return build_graph(board, smap, root, profile=profile, facts=facts)


def problems(root: Path, text: str, *files: str, profile: str | None = None,
             facts: dict[str, AssetFacts] | None = None) -> list[str]:
    with pytest.raises(SpecError) as info:
        build(root, text, *files, profile=profile, facts=facts)
    return [str(p) for p in info.value.problems]


# -- profiles --------------------------------------------------------------------------------

PROFILED = """
defaults: {style: "noir"}
profiles:
  draft: {generate: {resolution: 540p}, style: "pencil sketch"}
shots:
  a: {generate: {prompt: A fox}}
"""


def test_a_profile_overrides_defaults_and_style(tmp_path: Path) -> None:
    plain = build(tmp_path, PROFILED).nodes["shot:a"]
    draft = build(tmp_path, PROFILED, profile="draft").nodes["shot:a"]
    assert plain.body == {"prompt": "A fox, noir"}
    assert draft.body == {"prompt": "A fox, pencil sketch", "resolution": "540p"}
    assert (draft.width, draft.height) == (960, 540)


def test_unknown_profile_is_a_command_line_problem_with_a_suggestion(tmp_path: Path) -> None:
    with pytest.raises(SpecError) as info:
        build(tmp_path, PROFILED, profile="drafts")
    [problem] = info.value.problems
    assert problem.line is None  # not a place in the file: the --profile option is wrong
    assert problem.message == "unknown profile 'drafts'"
    assert problem.hint == "did you mean 'draft'?"


def test_unknown_profile_without_profiles_says_there_are_none(tmp_path: Path) -> None:
    [text] = problems(tmp_path, "shots: {a: {generate: {prompt: p}}}", profile="draft")
    assert text == "storyboard.yaml: unknown profile 'draft' (profiles in this file: none)"


# -- steps and loops -------------------------------------------------------------------------

STEPS = """
shots:
  b:
    - generate: {prompt: one}
    - generate: {prompt: two}
    - loop: {crossfade: 1.5}
  c: {edit: {source: b, prompt: paint}}
  d: {generate: {prompt: three, start_frame: b.first_frame}}
"""


def test_steps_chain_and_a_later_generate_starts_from_the_last_frame(tmp_path: Path) -> None:
    g = build(tmp_path, STEPS)
    assert g.nodes["shot:b/2"].body["startFrame"] == {"$ref": "frame:b/1.last_frame"}
    assert g.nodes["shot:b"].inputs == ("shot:b/2",)
    assert g.nodes["shot:c"].inputs == ("shot:b",)


def test_a_loop_without_prompt_is_local_and_shortened_by_its_crossfade(tmp_path: Path) -> None:
    g = build(tmp_path, STEPS)
    loop = g.nodes["shot:b"]
    assert loop.kind == "local_loop" and not loop.runs_model and loop.model_id is None
    assert loop.duration == pytest.approx(3.5)
    assert g.nodes["shot:c"].duration == pytest.approx(3.5)  # an edit keeps its source's length


def test_a_frame_of_a_shot_is_taken_from_its_last_step(tmp_path: Path) -> None:
    g = build(tmp_path, STEPS)
    assert g.nodes["frame:b.first_frame"].inputs == ("shot:b",)
    assert g.nodes["shot:d"].inputs == ("frame:b.first_frame",)


def test_a_local_loop_takes_no_model_fields(tmp_path: Path) -> None:
    [text] = problems(tmp_path, """
        assets: {clip: assets/clip.mp4}
        shots:
          l: {loop: {source: clip, duration: 5}}
    """, "assets/clip.mp4")
    assert "shot 'l', field 'duration': a loop of footage (no prompt) does not take" in text


# -- source limits ---------------------------------------------------------------------------

def test_reframe_video_takes_a_generated_10_s_source(tmp_path: Path) -> None:
    g = build(tmp_path, """
        shots:
          e: {generate: {prompt: long, duration: 10}}
          d: {reframe: {model: reframe-video, source: e, aspect_ratio: "1:1"}}
    """)
    assert g.nodes["shot:d"].duration == 10
    assert (g.nodes["shot:d"].width, g.nodes["shot:d"].height) == (720, 720)


@pytest.mark.parametrize(("seconds", "ok"), [(30.0, True), (30.5, False)])
def test_modify_video_takes_at_most_30_s(tmp_path: Path, seconds: float, ok: bool) -> None:
    text = """
        assets: {clip: assets/clip.mp4}
        shots:
          m: {edit: {model: modify-video, source: clip}}
    """
    facts = {"clip": AssetFacts("video", duration=seconds)}
    if ok:
        assert build(tmp_path, text, "assets/clip.mp4", facts=facts).nodes["shot:m"].duration == 30
    else:
        [problem] = problems(tmp_path, text, "assets/clip.mp4", facts=facts)
        assert "the source is 30.5 s long; modify-video takes at most 30 s" in problem


def test_source_limit_follows_a_chain_of_generated_durations(tmp_path: Path) -> None:
    """An edit of a 12 s asset is 12 s long, too long for reframe-video downstream."""
    [problem] = problems(tmp_path, """
        assets: {clip: assets/clip.mp4}
        shots:
          painted: {edit: {source: clip, prompt: watercolor}}
          tall: {reframe: {model: reframe-video, source: painted, aspect_ratio: "9:16"}}
    """, "assets/clip.mp4", facts={"clip": AssetFacts("video", duration=12)})
    assert "shot 'tall', field 'source': the source is 12 s long; reframe-video" in problem


def test_modify_video_size_is_read_from_the_file_when_not_probed(tmp_path: Path) -> None:
    text = """
        assets: {clip: assets/clip.mp4}
        shots:
          m: {edit: {model: modify-video, source: clip}}
    """
    build(tmp_path, text, "assets/clip.mp4")  # a few bytes: fine
    big = {"clip": AssetFacts("video", duration=3, size_bytes=100_000_001)}
    [problem] = problems(tmp_path, text, facts=big)
    assert "the source is 100.0 MB; modify-video takes at most 100 MB" in problem


# -- references ------------------------------------------------------------------------------

def test_a_two_shot_cycle_through_sources_names_both(tmp_path: Path) -> None:
    [problem] = problems(tmp_path, """
        shots:
          a: {edit: {source: b, prompt: p}}
          b: {edit: {source: a, prompt: p}}
    """)
    assert "shot 'a': these shots depend on each other in a cycle: a -> b -> a" in problem


def test_keyframe_images_are_inputs(tmp_path: Path) -> None:
    g = build(tmp_path, """
        assets: {clip: assets/clip.mp4, key: assets/key.png}
        shots:
          e: {edit: {source: clip, prompt: p, keyframes: [{frame: 12, image: key}]}}
    """, "assets/clip.mp4", "assets/key.png")
    assert set(g.nodes["shot:e"].inputs) == {"asset:clip", "asset:key"}
    assert g.nodes["shot:e"].body["keyframes"] == [
        {"frameIndex": 12, "image": {"$ref": "asset:key"}}]


def test_a_video_asset_is_a_source_and_its_frames_are_images(tmp_path: Path) -> None:
    g = build(tmp_path, """
        assets: {clip: assets/clip.mp4}
        shots:
          a: {generate: {prompt: p, start_frame: clip.last_frame}}
    """, "assets/clip.mp4")
    assert g.nodes["frame:clip.last_frame"].inputs == ("asset:clip",)
    assert g.nodes["shot:a"].body["startFrame"] == {"$ref": "frame:clip.last_frame"}


def test_an_image_is_not_a_source(tmp_path: Path) -> None:
    [problem] = problems(tmp_path, """
        assets: {photo: assets/photo.png}
        shots:
          e: {edit: {source: photo, prompt: p}}
    """, "assets/photo.png")
    assert "field 'source': 'photo' is an image, but source needs a video" in problem


# -- cuts ------------------------------------------------------------------------------------

def test_a_cut_of_a_video_asset_and_a_shot_with_a_plain_cut(tmp_path: Path) -> None:
    g = build(tmp_path, """
        assets: {clip: assets/clip.mp4}
        shots:
          a: {generate: {prompt: p, aspect_ratio: "1:1"}}
        cuts:
          c: {shots: [a, {shot: clip, transition: {type: cut, duration: 2}}]}
    """, "assets/clip.mp4", facts={"clip": AssetFacts("video", duration=3, width=64, height=36)})
    cut = g.nodes["cut:c"]
    assert cut.inputs == ("shot:a", "asset:clip")
    assert cut.duration == 8  # a cut does not overlap its neighbours
    assert (cut.width, cut.height) == (720, 720)  # the first clip's frame


def test_a_cut_resolution_keeps_the_first_clips_shape(tmp_path: Path) -> None:
    g = build(tmp_path, """
        shots:
          a: {generate: {prompt: p, aspect_ratio: "9:16"}}
        cuts:
          c: {shots: [a], resolution: 1080p}
    """)
    assert (g.nodes["cut:c"].width, g.nodes["cut:c"].height) == (1080, 1920)


def test_an_image_is_not_a_cut_entry(tmp_path: Path) -> None:
    [problem] = problems(tmp_path, """
        assets: {photo: assets/photo.png}
        shots:
          a: {generate: {prompt: p}}
        cuts:
          c: {shots: [a, photo]}
    """, "assets/photo.png")
    assert "cut 'c', field 'shots[1]': 'photo' is an image, not a video" in problem


def test_cut_problems_are_reported_beside_shot_problems(tmp_path: Path) -> None:
    found = problems(tmp_path, """
        shots:
          a: {generate: {prompt: p, duration: 7}}
          b: {generate: {prompt: p}}
        cuts:
          c: {shots: [a, {shot: b, trim: [0, 6]}, nothing]}
    """)
    assert len(found) == 3
    assert "field 'duration': 7 is not allowed for ray-3.2" in found[0]
    assert "trim [0, 6] ends after the end of b (5 s)" in found[1]
    assert "unknown shot 'nothing'" in found[2]


def test_missing_assets_are_reported_once_not_again_in_the_cut(tmp_path: Path) -> None:
    found = problems(tmp_path, """
        assets: {clip: assets/gone.mp4, music: assets/gone.mp3}
        shots:
          a: {generate: {prompt: p}}
        cuts:
          c: {shots: [a, clip], audio: {asset: music}}
    """)
    assert len(found) == 2
    assert "asset 'clip': file 'assets/gone.mp4' does not exist" in found[0]
    assert "asset 'music': file 'assets/gone.mp3' does not exist" in found[1]
