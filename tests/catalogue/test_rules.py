"""Every catalogue rule, allowed value and model choice fails with a message that names the field,
the model and the allowed values or the fix, in the user's words (`duration`, not the API's).
"""

from __future__ import annotations

from typing import Any

import pytest

from storyboard.catalogue import FieldIssue, load_catalogue, map_node, resolve_model

CAT = load_catalogue()
FOX = "fox_photo"
VIDEO = "asset:interview"


def issues(kind: str, model: str, **fields: Any) -> list[FieldIssue]:
    spec, problem = resolve_model(kind, model, fields.get("resolution"))
    assert problem is None and spec is not None
    return map_node(kind, fields, spec)[1]


def only(found: list[FieldIssue]) -> FieldIssue:
    assert len(found) == 1, found
    return found[0]


# -- the rules written in luma-models.json, one case each ----------------------------------------
# (model, rule message) -> node kind and fields that break exactly that rule
RULE_CASES: dict[tuple[str, str], tuple[str, dict[str, Any]]] = {
    ("ray-3.2", "end_frame needs start_frame"): (
        "generate", {"prompt": "p", "end_frame": FOX}),
    ("ray-3.2", "HDR needs resolution 720p or 1080p"): (
        "generate", {"prompt": "p", "hdr": True, "resolution": "540p"}),
    ("ray-3.2", "duration 10s is not allowed with loop, hdr, start_frame or end_frame"): (
        "generate", {"prompt": "p", "duration": 10, "loop": True}),
    ("ray-3.2-edit", "start_frame and keyframes cannot be used together"): (
        "edit", {"prompt": "p", "source": VIDEO, "start_frame": FOX,
                 "keyframes": [{"frame": 0, "image": FOX}]}),
    ("ray-3.2-edit", "strength and params.autoControls cannot be used together"): (
        "edit", {"prompt": "p", "source": VIDEO, "strength": "flex_1",
                 "params": {"autoControls": True}}),
    ("ray-3.2-edit", "HDR needs resolution 720p or 1080p"): (
        "edit", {"prompt": "p", "source": VIDEO, "hdr": True, "resolution": "540p"}),
    ("ray-flash-2-540p", "end_frame needs start_frame"): (
        "generate", {"prompt": "p", "end_frame": FOX}),
    ("ray-flash-2-720p", "end_frame needs start_frame"): (
        "generate", {"prompt": "p", "end_frame": FOX}),
}
EXPECTED_FIELD = {
    "end_frame needs start_frame": "end_frame",
    "HDR needs resolution 720p or 1080p": "hdr",
    "duration 10s is not allowed with loop, hdr, start_frame or end_frame": "duration",
    "start_frame and keyframes cannot be used together": "keyframes",
    "strength and params.autoControls cannot be used together": "params.autoControls",
}


def test_every_rule_in_the_catalogue_has_a_case() -> None:
    written = {(m.short, r.message) for m in CAT.models for r in m.rules}
    assert written == set(RULE_CASES)


@pytest.mark.parametrize(("model", "message"), sorted(RULE_CASES))
def test_rule_names_field_model_and_fix(model: str, message: str) -> None:
    kind, fields = RULE_CASES[(model, message)]
    rule = next(r for m in CAT.models if m.short == model for r in m.rules
                if r.message == message)
    issue = only(issues(kind, model, **fields))
    shown = "ray-flash-2" if model.startswith("ray-flash-2") else model
    assert issue.message == f"{message} for {shown}"
    assert issue.field == EXPECTED_FIELD[message]
    assert issue.hint == rule.hint and issue.hint


@pytest.mark.parametrize("other", [
    {"loop": True}, {"hdr": True}, {"start_frame": FOX}, {"end_frame": FOX, "start_frame": FOX},
])
def test_ray_3_2_ten_seconds_refuses_each_of_loop_hdr_and_frames(other: dict[str, Any]) -> None:
    found = issues("generate", "ray-3.2", prompt="p", duration=10.0, **other)
    assert [i.field for i in found] == ["duration"]
    assert "use duration 5" in found[0].hint


def test_ray_3_2_ten_seconds_alone_and_hdr_at_default_720p_are_fine() -> None:
    assert issues("generate", "ray-3.2", prompt="p", duration=10) == []
    assert issues("generate", "ray-3.2", prompt="p", hdr=True) == []
    assert issues("generate", "ray-3.2", prompt="p", hdr=True, resolution="1080p") == []


def test_loop_kind_with_ten_seconds_breaks_the_loop_rule() -> None:
    """A `loop` node is a generation with loop: true, so 10s is refused there too."""
    issue = only(issues("loop", "ray-3.2", prompt="p", duration=10))
    assert issue.field == "duration" and "not allowed with loop" in issue.message


# -- fields a model does not take ------------------------------------------------------------

def test_camera_only_on_ray_flash_2() -> None:
    issue = only(issues("generate", "ray-3.2", prompt="p", camera=["push_in"]))
    assert (issue.field, issue.message, issue.hint) == (
        "camera", "ray-3.2 does not take 'camera'", "only ray-flash-2 takes camera")


def test_hdr_is_not_a_ray_flash_2_field() -> None:
    issue = only(issues("generate", "ray-flash-2", prompt="p", hdr=True))
    assert issue.message == "ray-flash-2 does not take 'hdr'"
    assert issue.hint == "only ray-3.2, ray-3.2-edit take hdr"


# -- allowed values --------------------------------------------------------------------------

def test_ray_flash_2_duration_7() -> None:
    issue = only(issues("generate", "ray-flash-2", prompt="p", duration=7))
    assert (issue.field, issue.message) == (
        "duration", "7 is not allowed for ray-flash-2 (allowed: 5, 9)")


def test_ray_3_2_duration_7_lists_seconds_not_api_text() -> None:
    issue = only(issues("generate", "ray-3.2", prompt="p", duration=7))
    assert issue.message == "7 is not allowed for ray-3.2 (allowed: 5, 10)"


def test_ray_3_2_has_no_9_21() -> None:
    issue = only(issues("generate", "ray-3.2", prompt="p", aspect_ratio="9:21"))
    assert issue.field == "aspect_ratio"
    assert issue.message == (
        "9:21 is not allowed for ray-3.2 (allowed: 9:16, 3:4, 1:1, 4:3, 16:9, 21:9)")


def test_9_21_is_fine_on_ray_flash_2_and_reframe_video() -> None:
    assert issues("generate", "ray-flash-2", prompt="p", aspect_ratio="9:21") == []
    assert issues("reframe", "reframe-video", source=VIDEO, aspect_ratio="9:21") == []


def test_unknown_camera_concept_suggests_the_close_one() -> None:
    issue = only(issues("generate", "ray-flash-2", prompt="p", camera=["push_in", "orbit_lft"]))
    assert issue.field == "camera"
    assert issue.message.startswith("orbit_lft is not allowed for ray-flash-2 (allowed: ")
    assert "orbit_left" in issue.message
    assert issue.hint == "did you mean 'orbit_left'?"


def test_modify_video_strength_enum_is_checked() -> None:
    issue = only(issues("edit", "modify-video", source=VIDEO, strength="flex_9"))
    assert issue.field == "strength"
    assert "adhere_1" in issue.message and "reimagine_3" in issue.message


# -- params ----------------------------------------------------------------------------------

def test_unknown_param_suggests_the_api_name() -> None:
    issue = only(issues("edit", "ray-3.2-edit", prompt="p", source=VIDEO,
                        params={"faceControlEnable": True}))
    assert (issue.field, issue.message, issue.hint) == (
        "params.faceControlEnable", "ray-3.2-edit has no parameter 'faceControlEnable'",
        "did you mean 'faceControlEnabled'?")


def test_unknown_param_without_a_close_name_lists_the_parameters() -> None:
    issue = only(issues("generate", "ray-3.2", prompt="p", params={"zzz": 1}))
    assert issue.hint.startswith("parameters: prompt, startFrame")


@pytest.mark.parametrize(("params", "message"), [
    ({"depthControlBlur": "lots"}, "'lots' is not a number"),
    ({"faceControlEnabled": "yes"}, "'yes' is not true or false"),
    ({"poseControlStrength": 3}, "3 is not text"),
    ({"poseControlStrength": "loose"},
     "loose is not allowed for ray-3.2-edit (allowed: precise, coarse)"),
    ({"depthControlBlur": 2}, "2 is above the maximum 1 for ray-3.2-edit"),
    ({"normalsControlAugmentation": -0.5}, "-0.5 is below the minimum 0 for ray-3.2-edit"),
])
def test_param_values_are_checked_against_the_catalogue(
    params: dict[str, Any], message: str,
) -> None:
    issue = only(issues("edit", "ray-3.2-edit", prompt="p", source=VIDEO, params=params))
    assert issue.field == f"params.{next(iter(params))}"
    assert issue.message == message


def test_a_param_set_by_a_field_is_refused() -> None:
    issue = only(issues("edit", "ray-3.2-edit", prompt="p", source=VIDEO, strength="flex_1",
                        params={"editStrength": "flex_2"}))
    assert issue.message == "'editStrength' is already set by the field 'strength'"


def test_files_cannot_go_through_params() -> None:
    issue = only(issues("edit", "ray-3.2-edit", prompt="p", source=VIDEO,
                        params={"startFrame": "x.png"}))
    assert issue.message == "file inputs cannot be passed through params ('startFrame')"
    assert issue.hint == "use the field 'start_frame'"


# -- required fields -------------------------------------------------------------------------

@pytest.mark.parametrize(("kind", "model", "fields", "field"), [
    ("generate", "ray-3.2", {}, "prompt"),
    ("loop", "ray-flash-2", {}, "prompt"),
    ("edit", "ray-3.2-edit", {"source": VIDEO}, "prompt"),
    ("edit", "ray-3.2-edit", {"prompt": "p"}, "source"),
    ("reframe", "ray-3.2-reframe", {"source": VIDEO, "aspect_ratio": "9:16"}, "prompt"),
    ("reframe", "ray-3.2-reframe", {"source": VIDEO, "prompt": "p"}, "aspect_ratio"),
])
def test_required_fields(kind: str, model: str, fields: dict[str, Any], field: str) -> None:
    issue = only(issues(kind, model, **fields))
    shown = "ray-flash-2" if model == "ray-flash-2" else model
    assert (issue.field, issue.message, issue.hint) == (
        field, f"{field} is required for {shown}", f"add {field}")


@pytest.mark.parametrize(("kind", "model", "fields"), [
    ("edit", "modify-video", {"source": VIDEO}),
    ("reframe", "reframe-video", {"source": VIDEO}),
])
def test_prompt_is_optional_where_the_catalogue_says_so(
    kind: str, model: str, fields: dict[str, Any],
) -> None:
    assert issues(kind, model, **fields) == []


# -- choosing the model ----------------------------------------------------------------------

def test_unknown_model_suggests_a_close_name() -> None:
    spec, issue = resolve_model("generate", "ray-flash2", None)
    assert spec is None and issue is not None
    assert (issue.field, issue.message) == ("model", "unknown model 'ray-flash2'")
    assert issue.hint == "did you mean 'ray-flash-2'?"


def test_unknown_model_without_a_close_name_points_to_the_models_command() -> None:
    _, issue = resolve_model("generate", "sora", None)
    assert issue is not None and "storyboard models" in issue.hint


@pytest.mark.parametrize(("kind", "model", "fits"), [
    ("edit", "ray-3.2", "ray-3.2-edit, modify-video"),
    ("generate", "ray-3.2-edit", "ray-3.2, ray-flash-2"),
    ("reframe", "modify-video", "ray-3.2-reframe, reframe-video"),
    ("loop", "reframe-video", "ray-3.2, ray-flash-2"),
])
def test_a_model_that_cannot_do_the_kind_lists_the_ones_that_can(
    kind: str, model: str, fits: str,
) -> None:
    _, issue = resolve_model(kind, model, None)
    assert issue is not None and issue.field == "model"
    assert issue.message.startswith(f"{model} cannot run a")
    assert issue.message.endswith(f" {kind} node")
    assert issue.hint == f"models for {kind}: {fits}"


def test_ray_flash_2_at_1080p() -> None:
    _, issue = resolve_model("generate", "ray-flash-2", "1080p")
    assert issue is not None
    assert (issue.field, issue.message) == (
        "resolution", "1080p is not allowed for ray-flash-2 (allowed: 540p, 720p)")


def test_a_fixed_resolution_model_refuses_another_resolution() -> None:
    _, issue = resolve_model("generate", "ray-flash-2-540p", "720p")
    assert issue is not None
    assert issue.message == "720p is not allowed for ray-flash-2-540p (allowed: 540p)"
