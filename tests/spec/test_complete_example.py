"""The complete example of the language document validates as written and builds the graph it
describes: models chosen by short name and resolution, bodies in each model's own form, the cut's
length after trims, repeats and transitions.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from storyboard.graph import FrameData, Graph, build_graph
from storyboard.spec import parse

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "tests" / "data" / "valid" / "language-example.yaml"
LANGUAGE_DOC = REPO.parent / "shared" / "docs" / "storyboard-language.md"
STYLE = ", cinematic, 35mm film, soft winter light"


@pytest.fixture
def graph(make_project: Callable[[Path], Path]) -> Graph:
    path = make_project(EXAMPLE)
    board, smap, _ = parse(path.read_text("utf-8"), path.name)
    return build_graph(board, smap, path.parent)


def test_the_copy_is_verbatim_when_the_language_document_is_at_hand() -> None:
    if not LANGUAGE_DOC.is_file():
        pytest.skip("shared/docs is not beside the repository")
    block = re.search(r"```yaml\n(.*?)```", LANGUAGE_DOC.read_text("utf-8"), re.S)
    assert block is not None
    assert EXAMPLE.read_text("utf-8") == block.group(1)


def test_parses_into_the_written_shots_and_cuts() -> None:
    board, _, _ = parse(EXAMPLE.read_text("utf-8"))
    assert board.name == "fox-trailer"
    assert list(board.shots) == ["dawn", "leap", "portrait", "portrait_tall", "globe"]
    assert [s.kind for s in board.shots["portrait"]] == ["generate", "edit"]
    assert list(board.cuts) == ["trailer", "vertical"]


def test_graph_has_a_node_per_asset_step_frame_and_cut(graph: Graph) -> None:
    assert sorted(graph.nodes) == [
        "asset:fox_photo", "asset:interview", "asset:theme",
        "cut:trailer", "cut:vertical",
        "frame:dawn.last_frame",
        "shot:dawn", "shot:globe", "shot:leap", "shot:portrait", "shot:portrait/1",
        "shot:portrait_tall",
    ]
    kinds = {i: n.kind for i, n in graph.nodes.items() if i.startswith("shot:")}
    assert kinds == {
        "shot:dawn": "generate", "shot:leap": "generate", "shot:portrait/1": "generate",
        "shot:portrait": "edit", "shot:portrait_tall": "reframe", "shot:globe": "loop",
    }


def test_models_come_from_short_names_defaults_and_resolution(graph: Graph) -> None:
    models = {i: n.model_id for i, n in graph.nodes.items() if n.runs_model}
    assert models == {
        "shot:dawn": "model_luma-ray-3-2",
        "shot:leap": "model_luma-ray-flash-2-720p",  # ray-flash-2 + the default 720p
        "shot:portrait/1": "model_luma-ray-3-2",
        "shot:portrait": "model_luma-ray-3-2-edit",
        "shot:portrait_tall": "model_luma-ray-3-2-reframe",
        "shot:globe": "model_luma-ray-3-2",
    }


def test_ray_3_2_body_takes_defaults_style_and_duration_as_text(graph: Graph) -> None:
    assert graph.nodes["shot:dawn"].body == {
        "prompt": "A red fox trots through a snowy forest at dawn" + STYLE,
        "duration": "5s",
        "aspectRatio": "16:9",
        "resolution": "720p",
    }


def test_ray_flash_2_body_has_image_concepts_and_no_resolution(graph: Graph) -> None:
    assert graph.nodes["shot:leap"].body == {
        "prompt": "The fox leaps over a frozen stream" + STYLE,
        "image": {"$ref": "frame:dawn.last_frame"},
        "concepts": ["push_in", "low_angle"],
        "aspectRatio": "16:9",
    }
    assert graph.nodes["shot:leap"].duration == 5  # the model's default
    assert graph.nodes["shot:leap"].inputs == ("frame:dawn.last_frame",)


def test_frames_are_extracted_from_the_shot_they_name(graph: Graph) -> None:
    frame = graph.nodes["frame:dawn.last_frame"]
    assert isinstance(frame.payload, FrameData)
    assert (frame.kind, frame.payload.which, frame.inputs) == ("frame", "last", ("shot:dawn",))
    assert graph.g.has_edge("shot:dawn", "frame:dawn.last_frame")
    assert graph.g.has_edge("frame:dawn.last_frame", "shot:leap")


def test_a_step_list_feeds_each_output_into_the_next_step(graph: Graph) -> None:
    first = graph.nodes["shot:portrait/1"].body
    assert first["startFrame"] == {"$ref": "asset:fox_photo"}
    assert first["prompt"].endswith(STYLE)
    edit = graph.nodes["shot:portrait"].body
    assert edit == {
        "prompt": "Hand-painted watercolor animation" + STYLE,
        "video": {"$ref": "shot:portrait/1"},
        "editStrength": "flex_2",
    }


def test_reframe_and_loop(graph: Graph) -> None:
    tall = graph.nodes["shot:portrait_tall"]
    assert tall.body["aspectRatio"] == "9:16"
    assert tall.body["video"] == {"$ref": "shot:portrait"}
    assert (tall.width, tall.height) == (720, 1280)
    globe = graph.nodes["shot:globe"]
    assert globe.body["loop"] is True
    assert globe.body["prompt"] == "A snow globe slowly turning on a wooden table" + STYLE


def test_trailer_is_23_5_seconds(graph: Graph) -> None:
    """5 (dawn) + 4 (leap trimmed) - 0.5 (crossfade) + 5 (portrait) + 2 x 5 (globe)."""
    cut = graph.nodes["cut:trailer"]
    assert cut.cut is not None
    assert cut.duration == pytest.approx(23.5)
    assert [s.node for s in cut.cut.segments] == [
        "shot:dawn", "shot:leap", "shot:portrait", "shot:globe", "shot:globe",
    ]
    leap = cut.cut.segments[1]
    assert (leap.trim_in, leap.trim_out) == (0.5, 4.5)
    assert (leap.transition, leap.transition_duration) == ("crossfade", 0.5)
    assert (cut.cut.width, cut.cut.height, cut.cut.fps) == (1280, 720, 24)
    assert cut.cut.audio is not None
    assert (cut.cut.audio.node, cut.cut.audio.volume, cut.cut.audio.fade_out) == (
        "asset:theme", 0.8, 1.5)
    assert cut.cut.output == "renders/trailer.mp4"


def test_vertical_cut_takes_the_9_16_frame(graph: Graph) -> None:
    cut = graph.nodes["cut:vertical"]
    assert cut.cut is not None
    assert (cut.cut.width, cut.cut.height) == (720, 1280)
    assert cut.duration == 5
    assert cut.inputs == ("shot:portrait_tall",)


def test_graph_order_puts_every_input_first(graph: Graph) -> None:
    order = graph.order()
    for node_id, node in graph.nodes.items():
        for src in node.inputs:
            assert order.index(src) < order.index(node_id)
