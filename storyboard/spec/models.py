"""The storyboard language (format version 1) as frozen pydantic models.

These models check shape only: which keys exist, their types and enums. Whether a value is
allowed for a particular model is the catalogue's job; whether a name exists is the graph's.
`schemas/storyboard.schema.json` is generated from `Storyboard`.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

NAME_PATTERN = r"^[a-z0-9_][a-z0-9_-]*$"
PROJECT_NAME_PATTERN = r"^[A-Za-z0-9_-]+$"
NODE_KINDS = ("generate", "edit", "reframe", "loop")
NodeKind = Literal["generate", "edit", "reframe", "loop"]
Resolution = Literal["540p", "720p", "1080p"]
Strength = Literal[
    "adhere_1", "adhere_2", "adhere_3", "flex_1", "flex_2", "flex_3",
    "reimagine_1", "reimagine_2", "reimagine_3",
]
MAX_PROMPT_CHARS = 5000  # well above what video models read; bounds hostile files
MAX_SHOTS = 5000
MAX_CUTS = 500
# Bounds on values: every number a hostile (or mistyped) file holds must stay small enough for
# the renderer and the planner to handle; each is far above what a film needs.
MAX_SECONDS = 24 * 3600  # any length in seconds: a clip, a trim point, a fade, a music offset
MAX_CAMERA = 34  # the camera concepts there are, each once
MAX_KEYFRAMES = 64  # what ray-3.2-edit takes (docs/scenario-api.md)
MAX_FRAME = 100_000  # a frame index: more than an hour of video at 24 fps
MAX_CUT_ENTRIES = 1000
MAX_TAKE = 1_000_000
ASPECT_RE = re.compile(r"^\d{1,2}:\d{1,2}$")


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def refused(message: str, hint: str) -> PydanticCustomError:
    """A refusal in our words, with what to do (spec/load.py reads both back)."""
    return PydanticCustomError("storyboard", "{message}", {"message": message, "hint": hint})


def _no_bool(value: Any) -> Any:
    """YAML 1.1 reads on/off/yes/no as true/false; pydantic would take them as 1 and 0."""
    if isinstance(value, bool):
        raise PydanticCustomError("bool_not_number", "true or false is not a number")
    return value


def _not_blank(value: str) -> str:
    """An empty prompt is refused by the API only when the job is submitted: say so now."""
    if not value.strip():
        raise PydanticCustomError("blank", "the text is empty")
    return value


def _seconds(value: Any) -> Any:
    """`5`, `5.0` and `"5s"` all mean five seconds; each model gets its own form later."""
    _no_bool(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if text.endswith("s"):
            text = text[:-1]
        try:
            return float(text)
        except ValueError:
            return value
    return value


# json_schema_input_type: the JSON Schema describes what users may write, not the parsed form.
Seconds = Annotated[float, BeforeValidator(_seconds, json_schema_input_type=float | Annotated[
    str, Field(pattern=r"^[0-9]+(\.[0-9]+)?s?$")]), Field(allow_inf_nan=False, le=MAX_SECONDS)]
# A number that is finite and never a YAML true/false.
Number = Annotated[float, BeforeValidator(_no_bool, json_schema_input_type=float),
                   Field(allow_inf_nan=False)]
Whole = Annotated[int, Field(strict=True)]  # strict: `on` (true) and 1.0e+29 are not counts
Ref = Annotated[str, Field(
    min_length=1, description="an asset or shot name, or SHOT.first_frame / SHOT.last_frame"
)]
AspectRatio = Annotated[str, Field(pattern=r"^\d{1,2}:\d{1,2}$", description='"16:9" (quoted)')]
Prompt = Annotated[str, Field(max_length=MAX_PROMPT_CHARS), AfterValidator(_not_blank)]


class Keyframe(_Frozen):
    frame: Whole = Field(ge=0, le=MAX_FRAME, description="frame index in the source video")
    image: Ref


class NodeFields(_Frozen):
    """Fields every node kind may carry; each kind narrows the set below."""

    prompt: Prompt | None = None
    model: str | None = None
    resolution: Resolution | None = None
    params: dict[str, Any] | None = Field(
        default=None, description="extra model parameters by their API names"
    )
    take: Whole | None = Field(default=None, ge=1, le=MAX_TAKE,
                               description="a new take of the same request")


class GenerateNode(NodeFields):
    start_frame: Ref | None = None
    end_frame: Ref | None = None
    duration: Seconds | None = Field(default=None, gt=0)
    aspect_ratio: AspectRatio | None = None
    loop: bool | None = None
    hdr: bool | None = None
    camera: list[str] | None = Field(default=None, max_length=MAX_CAMERA)


class LoopNode(NodeFields):
    source: Ref | None = None
    start_frame: Ref | None = None
    end_frame: Ref | None = None
    duration: Seconds | None = Field(default=None, gt=0)
    aspect_ratio: AspectRatio | None = None
    hdr: bool | None = None
    camera: list[str] | None = Field(default=None, max_length=MAX_CAMERA)
    crossfade: Seconds | None = Field(
        default=None, gt=0, description="local loops: seconds of tail crossfaded into the head"
    )


class EditNode(NodeFields):
    source: Ref | None = None
    start_frame: Ref | None = None
    strength: Strength | None = None
    # distinct frame indexes are checked by the graph, which can point at the repeated one
    keyframes: list[Keyframe] | None = Field(default=None, min_length=1,
                                             max_length=MAX_KEYFRAMES)
    hdr: bool | None = None


class ReframeNode(NodeFields):
    source: Ref | None = None
    aspect_ratio: AspectRatio | None = None


KIND_MODELS: dict[str, type[NodeFields]] = {
    "generate": GenerateNode,
    "edit": EditNode,
    "reframe": ReframeNode,
    "loop": LoopNode,
}


class Step(_Frozen):
    """One node: a mapping with exactly one of generate, edit, reframe, loop."""

    generate: GenerateNode | None = None
    edit: EditNode | None = None
    reframe: ReframeNode | None = None
    loop: LoopNode | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> Step:
        present = [k for k in NODE_KINDS if getattr(self, k) is not None]
        if len(present) != 1:
            raise refused(
                "a node is a mapping with exactly one of generate, edit, reframe, loop"
                + (f" (found {', '.join(present)})" if present else ""),
                "keep one kind per step; for several steps write a list: - generate: ..., "
                "- edit: ..." if present else "write generate:, edit:, reframe: or loop: with "
                "its fields under the shot")
        return self

    @property
    def kind(self) -> NodeKind:
        values = self.__dict__  # the fields, read without getattr: asked per step, many times
        for k in NODE_KINDS:
            if values[k] is not None:
                return k  # type: ignore[return-value]
        raise AssertionError("validated Step without a kind")

    @property
    def fields(self) -> NodeFields:
        node = getattr(self, self.kind)
        assert isinstance(node, NodeFields)
        return node


def _as_step_list(value: Any) -> Any:
    return [value] if isinstance(value, dict) else value


Shot = Annotated[list[Step], BeforeValidator(
    _as_step_list, json_schema_input_type=Step | list[Step]), Field(min_length=1)]


class Defaults(_Frozen):
    generate: GenerateNode | None = None
    edit: EditNode | None = None
    reframe: ReframeNode | None = None
    loop: LoopNode | None = None
    style: Prompt | None = Field(default=None, description="appended to every prompt after ', '")


class Profile(_Frozen):
    """Overrides applied over every node of a kind when chosen with --profile."""

    generate: GenerateNode | None = None
    edit: EditNode | None = None
    reframe: ReframeNode | None = None
    loop: LoopNode | None = None
    style: Prompt | None = None


class Transition(_Frozen):
    type: Literal["cut", "crossfade", "fade"] = "cut"
    duration: Number = Field(default=0.5, ge=0, le=MAX_SECONDS)


class CutEntry(_Frozen):
    shot: str
    trim: tuple[Seconds, Seconds] | None = Field(default=None, description="[IN, OUT] in seconds")
    repeat: Whole = Field(default=1, ge=1, le=100)
    transition: Transition | None = None

    @field_validator("trim")
    @classmethod
    def _ordered(cls, v: tuple[float, float] | None) -> tuple[float, float] | None:
        if v is not None and not (0 <= v[0] < v[1]):
            raise refused("trim must be [IN, OUT] with 0 <= IN < OUT",
                          "write the seconds to start and end at, such as [0.5, 3]")
        return v


def _as_entry(value: Any) -> Any:
    return {"shot": value} if isinstance(value, str) else value


class AudioBed(_Frozen):
    asset: str
    volume: Number = Field(default=1.0, ge=0, le=4)
    fade_in: Number = Field(default=0.0, ge=0, le=MAX_SECONDS)
    fade_out: Number = Field(default=0.0, ge=0, le=MAX_SECONDS)
    start: Number = Field(default=0.0, ge=0, le=MAX_SECONDS,
                          description="seconds into the music file to start at")


class Cut(_Frozen):
    shots: list[Annotated[CutEntry, BeforeValidator(
        _as_entry, json_schema_input_type=str | CutEntry)]] = Field(
        min_length=1, max_length=MAX_CUT_ENTRIES)
    aspect_ratio: AspectRatio | None = None
    resolution: Resolution | None = None
    fps: Number | None = Field(default=None, ge=1, le=120)
    fit: Literal["pad", "crop", "blur"] = "pad"
    audio: AudioBed | None = None
    clip_audio: bool = True
    output: str | None = Field(default=None, description="default renders/NAME.mp4")


class Storyboard(_Frozen):
    """A whole storyboard file."""

    version: Whole = Field(description="format version; this release reads 1")
    name: str = Field(pattern=PROJECT_NAME_PATTERN)
    defaults: Defaults = Defaults()
    provider: Literal["preview", "scenario"] | None = None
    profiles: dict[Annotated[str, Field(pattern=NAME_PATTERN)], Profile] = {}
    assets: dict[Annotated[str, Field(pattern=NAME_PATTERN)], str] = {}
    shots: dict[Annotated[str, Field(pattern=NAME_PATTERN)], Shot] = Field(
        min_length=1, max_length=MAX_SHOTS)
    cuts: dict[Annotated[str, Field(pattern=NAME_PATTERN)], Cut] = Field(
        default={}, max_length=MAX_CUTS)
    remote: str | None = Field(default=None, description="a shared cache: a folder or s3://bucket/prefix")

    @field_validator("version")
    @classmethod
    def _known_version(cls, v: int) -> int:
        if v != 1:
            raise refused(f"version {v} is not one this release reads (readable versions: 1)",
                          "write version: 1, or use the storyboard release that wrote the file")
        return v
