"""From our YAML field names to each model's own request body, and frame sizes.

The same storyboard field is sent in each model's form: `duration: 5` is `"5s"` for Ray 3.2 and
`5` for Ray Flash 2; `start_frame` is `startFrame`, `image` or `firstFrame`.
"""

from __future__ import annotations

from typing import Any

import pytest

from storyboard.catalogue import (
    frame_size,
    inferred_duration,
    load_catalogue,
    map_node,
    resolve_model,
)
from storyboard.refs import REF_KEY

CAT = load_catalogue()


def body(kind: str, name: str | None, /, **fields: Any) -> dict[str, Any]:
    """The body `name` receives for a node of `kind` with these (merged, validated) fields."""
    spec, problem = resolve_model(kind, fields.get("model", name), fields.get("resolution"))
    assert problem is None and spec is not None
    mapped, issues = map_node(kind, fields, spec)
    assert issues == []
    return mapped.body


def ref(name: str) -> dict[str, str]:
    return {REF_KEY: name}


# -- duration --------------------------------------------------------------------------------

@pytest.mark.parametrize(("model", "seconds", "sent"), [
    ("ray-3.2", 5.0, "5s"),
    ("ray-3.2", 10.0, "10s"),
    ("ray-flash-2", 5.0, 5),
    ("ray-flash-2", 9.0, 9),
    ("ray-flash-2-540p", 9.0, 9),
])
def test_duration_is_sent_in_each_models_form(model: str, seconds: float, sent: Any) -> None:
    sent_body = body("generate", model, prompt="p", duration=seconds)
    assert sent_body["duration"] == sent
    assert type(sent_body["duration"]) is type(sent)


def test_duration_is_left_to_the_model_default_when_not_written() -> None:
    spec = CAT.by_name("ray-3.2")
    assert spec is not None
    sent = body("generate", "ray-3.2", prompt="p")
    assert "duration" not in sent
    assert inferred_duration(spec, sent) == 5
    assert inferred_duration(spec, {"duration": "10s"}) == 10


# -- file inputs -----------------------------------------------------------------------------

@pytest.mark.parametrize(("kind", "model", "extra", "api"), [
    ("generate", "ray-3.2", {"prompt": "p"}, "startFrame"),
    ("loop", "ray-3.2", {"prompt": "p"}, "startFrame"),
    ("generate", "ray-flash-2", {"prompt": "p"}, "image"),
    ("edit", "ray-3.2-edit", {"prompt": "p", "source": "v"}, "startFrame"),
    ("edit", "modify-video", {"source": "v"}, "firstFrame"),
])
def test_start_frame_goes_by_each_models_name(
    kind: str, model: str, extra: dict[str, Any], api: str,
) -> None:
    assert body(kind, model, start_frame="fox_photo", **extra)[api] == ref("fox_photo")


@pytest.mark.parametrize(("model", "api"), [("ray-3.2", "endFrame"), ("ray-flash-2", "endImage")])
def test_end_frame_goes_by_each_models_name(model: str, api: str) -> None:
    sent = body("generate", model, prompt="p", start_frame="a", end_frame="b")
    assert sent[api] == ref("b")


@pytest.mark.parametrize(("kind", "model"), [
    ("edit", "ray-3.2-edit"), ("edit", "modify-video"),
    ("reframe", "ray-3.2-reframe"), ("reframe", "reframe-video"),
])
def test_source_is_sent_as_video(kind: str, model: str) -> None:
    sent = body(kind, model, prompt="p", source="shot:dawn", aspect_ratio="9:16"
                ) if kind == "reframe" else body(kind, model, prompt="p", source="shot:dawn")
    assert sent["video"] == ref("shot:dawn")


def test_keyframes_become_frame_index_and_image() -> None:
    sent = body("edit", "ray-3.2-edit", prompt="p", source="v",
                keyframes=[{"frame": 0, "image": "a"}, {"frame": 48, "image": "b"}])
    assert sent["keyframes"] == [
        {"frameIndex": 0, "image": ref("a")}, {"frameIndex": 48, "image": ref("b")},
    ]


# -- other fields ----------------------------------------------------------------------------

def test_camera_is_sent_as_concepts() -> None:
    sent = body("generate", "ray-flash-2", prompt="p", camera=["push_in", "low_angle"])
    assert sent["concepts"] == ["push_in", "low_angle"]
    assert "camera" not in sent


def test_aspect_ratio_is_sent_as_aspect_ratio() -> None:
    assert body("generate", "ray-3.2", prompt="p", aspect_ratio="9:16")["aspectRatio"] == "9:16"


@pytest.mark.parametrize(("model", "api"), [("ray-3.2-edit", "editStrength"),
                                            ("modify-video", "mode")])
def test_strength_goes_by_each_models_name(model: str, api: str) -> None:
    assert body("edit", model, prompt="p", source="v", strength="reimagine_2")[api] == "reimagine_2"


@pytest.mark.parametrize(("resolution", "model_id"), [
    ("540p", "model_luma-ray-flash-2-540p"),
    ("720p", "model_luma-ray-flash-2-720p"),
    (None, "model_luma-ray-flash-2-720p"),
])
def test_ray_flash_2_resolution_picks_the_model_id(resolution: str | None, model_id: str) -> None:
    spec, issue = resolve_model("generate", "ray-flash-2", resolution)
    assert issue is None and spec is not None
    assert spec.id == model_id
    sent = body("generate", "ray-flash-2", prompt="p", resolution=resolution)
    assert "resolution" not in sent  # it chose the model; it is not a parameter


def test_ray_3_2_sends_resolution() -> None:
    assert body("generate", "ray-3.2", prompt="p", resolution="1080p")["resolution"] == "1080p"


@pytest.mark.parametrize("model", ["ray-3.2", "ray-flash-2"])
def test_loop_kind_sends_loop_true(model: str) -> None:
    assert body("loop", model, prompt="p")["loop"] is True
    assert body("loop", model, prompt="p", loop=False)["loop"] is True


def test_generate_sends_loop_only_when_written() -> None:
    assert "loop" not in body("generate", "ray-3.2", prompt="p")
    assert body("generate", "ray-3.2", prompt="p", loop=True)["loop"] is True


def test_params_pass_through_by_api_name() -> None:
    sent = body("edit", "ray-3.2-edit", prompt="p", source="v",
                params={"autoControls": True, "depthControlBlur": 0.5})
    assert sent["autoControls"] is True and sent["depthControlBlur"] == 0.5


def test_storyboard_fields_are_never_sent() -> None:
    sent = body("generate", "ray-3.2", prompt="p", model="ray-3.2", take=3, params={})
    assert sent == {"prompt": "p"}


def test_body_keys_are_sorted() -> None:
    sent = body("generate", "ray-3.2", prompt="p", resolution="720p", aspect_ratio="1:1",
                duration=5.0)
    assert list(sent) == sorted(sent)


@pytest.mark.parametrize(("kind", "model_id"), [
    ("generate", "model_luma-ray-3-2"), ("loop", "model_luma-ray-3-2"),
    ("edit", "model_luma-ray-3-2-edit"), ("reframe", "model_luma-ray-3-2-reframe"),
])
def test_default_model_per_kind(kind: str, model_id: str) -> None:
    spec, _ = resolve_model(kind, None, None)
    assert spec is not None and spec.id == model_id


def test_full_model_ids_are_accepted() -> None:
    spec, _ = resolve_model("generate", "model_luma-ray-flash-2-540p", None)
    assert spec is not None and spec.short == "ray-flash-2-540p"


# -- frame sizes -----------------------------------------------------------------------------

@pytest.mark.parametrize(("aspect_ratio", "resolution", "size"), [
    ("16:9", "720p", (1280, 720)),
    ("9:16", "720p", (720, 1280)),
    ("16:9", "1080p", (1920, 1080)),
    ("21:9", "540p", (1260, 540)),
    ("9:21", "540p", (540, 1260)),
    ("1:1", "1080p", (1080, 1080)),
    ("4:3", "720p", (960, 720)),
    ("3:4", "540p", (540, 720)),
])
def test_frame_size_names_the_short_side(
    aspect_ratio: str, resolution: str, size: tuple[int, int],
) -> None:
    assert frame_size(aspect_ratio, resolution) == size


def test_frame_sizes_are_even_for_every_allowed_ratio_and_resolution() -> None:
    ratios = {r for m in CAT.models if "aspectRatio" in m.parameters
              for r in m.parameters["aspectRatio"].allowed or []}
    assert "9:21" in ratios and "21:9" in ratios
    for ratio in ratios:
        for res in ("540p", "720p", "1080p"):
            w, h = frame_size(ratio, res)
            assert w % 2 == 0 and h % 2 == 0 and min(w, h) == int(res[:-1])
