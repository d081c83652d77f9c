"""The fake's view of the Luma models: which request bodies the service accepts, what they cost,
and what size and length of video they produce.

Read from `seed/luma-models.json`, made from Scenario's model reference page by `seed_table.py`,
never from `storyboard.catalogue`: a bug in our catalogue or mapping shows up as a 400 here.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

from storyboard.testing.images import decode_base64_image, is_image_data_url, sniff_image

RULE_KINDS = ("requires", "requires_value", "forbids_with", "exclusive")

# Cost in creative units = BASE_CU[model] x ceil(seconds / 5) x RESOLUTION_FACTOR[resolution].
# Resolution is the `resolution` input (or its default), the model's fixed resolution for the
# flash ids, else 720p. Made up but deterministic, so tests can predict it: ray-3.2 at 5s 720p
# costs 40, the figure in Scenario's documentation example.
BASE_CU: dict[str, int] = {
    "model_luma-ray-3-2": 20,
    "model_luma-ray-3-2-edit": 30,
    "model_luma-modify-video": 25,
    "model_luma-ray-3-2-reframe": 25,
    "model_luma-reframe-video": 20,
    "model_luma-ray-flash-2-540p": 8,
    "model_luma-ray-flash-2-720p": 8,
}
DEFAULT_BASE_CU = 20
RESOLUTION_FACTOR: dict[str, int] = {"540p": 1, "720p": 2, "1080p": 4}


class Rejected(Exception):
    """The request is invalid: the HTTP status and `reason` the service answers with."""

    def __init__(self, status: int, reason: str, **extra: Any) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.extra = extra  # more fields for the error body, e.g. remainingSeconds


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    required: bool
    default: Any
    allowed: tuple[Any, ...] | None
    min: float | None
    max: float | None
    file_kind: str | None


@dataclass(frozen=True)
class Model:
    id: str
    kinds: tuple[str, ...]
    parameters: Mapping[str, Param]
    rules: tuple[Mapping[str, Any], ...]
    limits: Mapping[str, float]
    fixed_resolution: str | None

    @property
    def transforms_source(self) -> bool:
        """Edit and reframe models take a source video and keep its length."""
        return "edit" in self.kinds or "reframe" in self.kinds


@dataclass(frozen=True)
class SourceInfo:
    """What the fake knows about an asset given as a file input."""

    kind: str
    duration: float | None = None
    width: int | None = None
    height: int | None = None
    size: int | None = None


@dataclass(frozen=True)
class Accepted:
    """A valid submission: what it costs and the video it will produce."""

    model: Model
    cost: int
    seconds: float
    width: int
    height: int
    prompt: str
    source: str = "txt2video"  # what made the result, as the SDK's asset `source` says


@functools.cache
def load_models() -> Mapping[str, Model]:
    text = resources.files("storyboard.testing").joinpath("seed", "luma-models.json").read_text(
        "utf-8")
    models: dict[str, Model] = {}
    for m in json.loads(text)["models"]:
        params = {
            name: Param(
                name=name,
                type=p["type"],
                required=bool(p.get("required", False)),
                default=p.get("default"),
                allowed=tuple(p["allowed"]) if "allowed" in p else None,
                min=p.get("min"),
                max=p.get("max"),
                file_kind=p.get("file_kind"),
            )
            for name, p in m["parameters"].items()
        }
        for rule in m.get("rules", []):
            if rule.get("rule") not in RULE_KINDS:
                # Fail loudly: a fake that silently skips a new rule would accept what the
                # service refuses.
                raise ValueError(f"{m['id']}: the fake does not know rule {rule.get('rule')!r}")
        models[m["id"]] = Model(
            id=m["id"],
            kinds=tuple(m.get("kinds", ())),
            parameters=params,
            rules=tuple(m.get("rules", [])),
            limits=dict(m.get("limits", {})),
            fixed_resolution=m.get("fixed_resolution"),
        )
    return models


def seconds_of(value: Any) -> float | None:
    """A duration input as seconds: 5 or "5s"."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str) and value.endswith("s") and value[:-1].isdigit():
        return float(value[:-1])
    return None


def frame_size(aspect_ratio: str, short_side: int) -> tuple[int, int]:
    """The short side is the resolution: 720p 16:9 is 1280x720, 9:16 is 720x1280; even sizes."""
    a, b = (int(x) for x in aspect_ratio.split(":"))
    w, h = (short_side * a / b, short_side) if a >= b else (short_side, short_side * b / a)
    return int(round(w / 2) * 2), int(round(h / 2) * 2)


def cost_for(model_id: str, seconds: float, resolution: str) -> int:
    units = max(1, math.ceil(seconds / 5 - 1e-9))
    return BASE_CU.get(model_id, DEFAULT_BASE_CU) * units * RESOLUTION_FACTOR.get(resolution, 2)


def _is_set(body: Mapping[str, Any], name: str) -> bool:
    # false, null and [] count as "not given" for the cross-parameter rules
    v = body.get(name)
    return v is not None and v is not False and v != []


def _check_type(p: Param, value: Any, lookup: Callable[[str], SourceInfo | None]) -> None:
    def bad(what: str) -> Rejected:
        return Rejected(400, f"Invalid value for parameter '{p.name}': {what}")

    if p.type == "string" and not isinstance(value, str):
        raise bad(f"expected a string, got {json.dumps(value)}")
    if p.type == "boolean" and not isinstance(value, bool):
        raise bad(f"expected a boolean, got {json.dumps(value)}")
    if p.type == "number" and (isinstance(value, bool) or not isinstance(value, int | float)):
        raise bad(f"expected a number, got {json.dumps(value)}")
    if p.type == "string_array":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise bad("expected an array of strings")
        if p.allowed is not None:
            for v in value:
                if v not in p.allowed:
                    raise bad(f"{json.dumps(v)} is not one of {json.dumps(list(p.allowed))}")
        return
    if p.type == "file":
        _check_file(p.name, p.file_kind or "image", value, lookup)
        return
    if p.type == "inputs_array":
        # Shape is not documented; our client sends [{"frameIndex": n, "image": ref}].
        if not isinstance(value, list) or not value:
            raise bad("expected a non-empty array of inputs")
        for i, item in enumerate(value):
            if not isinstance(item, dict) or "image" not in item:
                raise bad(f"item {i} must be an object with an 'image'")
            _check_file(f"{p.name}[{i}].image", "image", item["image"], lookup)
            index = item.get("frameIndex")
            if index is not None and (isinstance(index, bool) or not isinstance(index, int)
                                      or index < 0):
                raise bad(f"item {i}: frameIndex must be a non-negative integer")
        return
    if p.allowed is not None and value not in p.allowed:
        raise bad(f"{json.dumps(value)} is not one of {json.dumps(list(p.allowed))}")
    if isinstance(value, int | float) and not isinstance(value, bool):
        if p.min is not None and value < p.min:
            raise bad(f"{value} is below the minimum {p.min:g}")
        if p.max is not None and value > p.max:
            raise bad(f"{value} is above the maximum {p.max:g}")


def _check_file(
    name: str, kind: str, value: Any, lookup: Callable[[str], SourceInfo | None]
) -> None:
    if not isinstance(value, str):
        raise Rejected(400, f"Invalid value for parameter '{name}': expected an asset id")
    if value.startswith("asset_"):
        info = lookup(value)
        if info is None:
            raise Rejected(400, f"Invalid value for parameter '{name}': asset {value} not found")
        if info.kind != kind:
            raise Rejected(
                400, f"Invalid value for parameter '{name}': asset {value} is a {info.kind}, "
                f"expected a {kind}",
            )
        return
    if kind == "image" and is_image_data_url(value):
        data = decode_base64_image(value)
        if data is None or sniff_image(data) is None:
            raise Rejected(
                400, f"Invalid value for parameter '{name}': the data URL is not a PNG, JPEG "
                "or WebP image",
            )
        return
    if value.startswith(("http://", "https://")) and kind != "image":
        raise Rejected(400, f"Missing required mimeType parameter for asset kind {kind} ('{name}')")
    raise Rejected(
        400, f"Invalid value for parameter '{name}': expected an asset id (asset_...)"
        + (" or a data:image/...;base64 URL" if kind == "image" else ""),
    )


def _value(model: Model, body: Mapping[str, Any], name: str) -> Any:
    """The value sent, else the model's default for it."""
    v = body.get(name)
    if v is None and name in model.parameters:
        return model.parameters[name].default
    return v


def _check_rules(model: Model, body: Mapping[str, Any]) -> None:
    for r in model.rules:
        kind = r["rule"]
        if kind == "requires" and _is_set(body, r["param"]) and not _is_set(body, r["needs"]):
            raise Rejected(400, f"Parameter '{r['param']}' requires '{r['needs']}'")
        needed = _value(model, body, r.get("needs", ""))
        if kind == "requires_value" and _is_set(body, r["param"]) and needed not in r["values"]:
            raise Rejected(
                400, f"Parameter '{r['param']}' requires '{r['needs']}' to be one of "
                f"{json.dumps(r['values'])}",
            )
        if kind == "forbids_with" and _value(model, body, r["param"]) == r["value"]:
            clash = [o for o in r["others"] if _is_set(body, o)]
            if clash:
                raise Rejected(
                    400, f"Parameter '{r['param']}' = {json.dumps(r['value'])} cannot be used "
                    f"with {', '.join(repr(c) for c in clash)}",
                )
        if kind == "exclusive":
            present = [p for p in r["params"] if _is_set(body, p)]
            if len(present) > 1:
                raise Rejected(
                    400, f"Parameters {' and '.join(repr(p) for p in present)} cannot be used "
                    "together",
                )


def _check_limits(model: Model, body: Mapping[str, Any], source: SourceInfo | None) -> None:
    if source is None:
        return
    max_seconds = model.limits.get("source_max_seconds")
    if max_seconds is not None and source.duration is not None and source.duration > max_seconds:
        raise Rejected(
            400, f"Invalid value for parameter 'video': the video is {source.duration:g}s long, "
            f"the maximum is {max_seconds:g}s",
        )
    max_bytes = model.limits.get("source_max_bytes")
    if max_bytes is not None and source.size is not None and source.size > max_bytes:
        raise Rejected(
            400, f"Invalid value for parameter 'video': the video is {source.size} bytes, "
            f"the maximum is {max_bytes:g} bytes",
        )


def validate(
    model_id: str, body: Any, lookup: Callable[[str], SourceInfo | None]
) -> Accepted:
    """Check a generate body as the service would; raise `Rejected` (404 or 400) otherwise."""
    model = load_models().get(model_id)
    if model is None:
        raise Rejected(404, f"Model {model_id} not found")
    if not isinstance(body, dict):
        raise Rejected(400, "The request body must be a JSON object of the model's inputs")
    if set(body) == {"parameters"} and isinstance(body["parameters"], dict):
        raise Rejected(
            400, "Unknown parameter 'parameters': send the model's inputs as a flat JSON object, "
            "not nested under 'parameters'",
        )
    for name in body:
        # `dryRun` in the body is accepted and ignored (only the query parameter counts).
        if name not in model.parameters and name != "dryRun":
            raise Rejected(400, f"Unknown parameter '{name}' for model {model.id}")
    for p in model.parameters.values():
        value = body.get(p.name)
        if value is None or value == "":
            if p.required:
                raise Rejected(400, f"Missing required parameter '{p.name}'")
            continue
        _check_type(p, value, lookup)
    _check_rules(model, body)

    source: SourceInfo | None = None
    for p in model.parameters.values():
        if p.type == "file" and p.file_kind == "video" and isinstance(body.get(p.name), str):
            source = lookup(body[p.name])
    _check_limits(model, body, source)

    resolution = _value(model, body, "resolution") or model.fixed_resolution
    if model.transforms_source and source is not None:
        seconds = source.duration or 5.0
        src_w, src_h = source.width or 1280, source.height or 720
        if "reframe" in model.kinds:
            short = int(resolution.rstrip("p")) if resolution else min(src_w, src_h)
            width, height = frame_size(_value(model, body, "aspectRatio") or "16:9", short)
        else:
            width, height = src_w, src_h
    else:
        seconds = seconds_of(_value(model, body, "duration")) or 5.0
        short = int((resolution or "720p").rstrip("p"))
        width, height = frame_size(_value(model, body, "aspectRatio") or "16:9", short)
    if resolution is None:
        resolution = f"{min(width, height)}p"
    prompt = body.get("prompt")
    images = any(p.type in ("file", "inputs_array") and p.file_kind != "video"
                 and _is_set(body, p.name) for p in model.parameters.values())  # fmt: skip
    return Accepted(
        model=model,
        cost=cost_for(model.id, seconds, resolution),
        seconds=seconds,
        width=width,
        height=height,
        prompt=prompt if isinstance(prompt, str) else "",
        source="video2video" if model.transforms_source else "img2video" if images
        else "txt2video",
    )
