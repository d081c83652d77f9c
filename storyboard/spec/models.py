"""The storyboard language (format version 1) as frozen pydantic models.

These models check shape only: which keys exist, their types and enums. Whether a value is
allowed for a particular model is the catalogue's job; whether a name exists is the graph's.
`schemas/storyboard.schema.json` is generated from `Storyboard`.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

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
ASPECT_RE = re.compile(r"^\d{1,2}:\d{1,2}$")


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def _seconds(value: Any) -> Any:
    """`5`, `5.0` and `"5s"` all mean five seconds; each model gets its own form later."""
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
    str, Field(pattern=r"^[0-9]+(\.[0-9]+)?s?$")])]
Ref = Annotated[str, Field(
    min_length=1, description="an asset or shot name, or SHOT.first_frame / SHOT.last_frame"
)]
AspectRatio = Annotated[str, Field(pattern=r"^\d{1,2}:\d{1,2}$", description='"16:9" (quoted)')]
Prompt = Annotated[str, Field(max_length=MAX_PROMPT_CHARS)]


class Keyframe(_Frozen):
    frame: int = Field(ge=0, description="frame index in the source video")
    image: Ref


class NodeFields(_Frozen):
    """Fields every node kind may carry; each kind narrows the set below."""

    prompt: Prompt | None = None
    model: str | None = None
    resolution: Resolution | None = None
    params: dict[str, Any] | None = Field(
        default=None, description="extra model parameters by their API names"
    )
    take: int | None = Field(default=None, ge=1, description="a new take of the same request")


class GenerateNode(NodeFields):
    start_frame: Ref | None = None
    end_frame: Ref | None = None
    duration: Seconds | None = Field(default=None, gt=0)
    aspect_ratio: AspectRatio | None = None
    loop: bool | None = None
    hdr: bool | None = None
    camera: list[str] | None = None


class LoopNode(NodeFields):
    source: Ref | None = None
    start_frame: Ref | None = None
    end_frame: Ref | None = None
    duration: Seconds | None = Field(default=None, gt=0)
    aspect_ratio: AspectRatio | None = None
    hdr: bool | None = None
    camera: list[str] | None = None
    crossfade: Seconds | None = Field(
        default=None, gt=0, description="local loops: seconds of tail crossfaded into the head"
    )


class EditNode(NodeFields):
    source: Ref | None = None
    start_frame: Ref | None = None
    strength: Strength | None = None
    keyframes: list[Keyframe] | None = None
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
            raise ValueError(
                "a node is a mapping with exactly one of generate, edit, reframe, loop"
                + (f" (found {', '.join(present)})" if present else "")
            )
        return self

    @property
    def kind(self) -> NodeKind:
        for k in NODE_KINDS:
            if getattr(self, k) is not None:
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
    duration: float = Field(default=0.5, ge=0)


class CutEntry(_Frozen):
    shot: str
    trim: tuple[Seconds, Seconds] | None = Field(default=None, description="[IN, OUT] in seconds")
    repeat: int = Field(default=1, ge=1, le=100)
    transition: Transition | None = None

    @field_validator("trim")
    @classmethod
    def _ordered(cls, v: tuple[float, float] | None) -> tuple[float, float] | None:
        if v is not None and not (0 <= v[0] < v[1]):
            raise ValueError("trim must be [IN, OUT] with 0 <= IN < OUT")
        return v


def _as_entry(value: Any) -> Any:
    return {"shot": value} if isinstance(value, str) else value


class AudioBed(_Frozen):
    asset: str
    volume: float = Field(default=1.0, ge=0, le=4)
    fade_in: float = Field(default=0.0, ge=0)
    fade_out: float = Field(default=0.0, ge=0)
    start: float = Field(default=0.0, ge=0, description="seconds into the music file to start at")


class Cut(_Frozen):
    shots: list[Annotated[CutEntry, BeforeValidator(
        _as_entry, json_schema_input_type=str | CutEntry)]] = Field(min_length=1)
    aspect_ratio: AspectRatio | None = None
    resolution: Resolution | None = None
    fps: float | None = Field(default=None, gt=0, le=120)
    fit: Literal["pad", "crop", "blur"] = "pad"
    audio: AudioBed | None = None
    clip_audio: bool = True
    output: str | None = Field(default=None, description="default renders/NAME.mp4")


class Storyboard(_Frozen):
    """A whole storyboard file."""

    version: int = Field(description="format version; this release reads 1")
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
            raise ValueError(f"version {v} is not one this release reads (readable versions: 1)")
        return v
