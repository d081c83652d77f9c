"""`Node`: one unit of work in the graph, as plain data keyed by a string id.

Ids read like what the user wrote: `asset:fox_photo`, `shot:dawn`, `shot:portrait/2` (second
step), `frame:dawn.last_frame`, `cut:trailer`. Request bodies hold inputs as {"$ref": node id}.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

NodeKind = Literal["asset", "generate", "edit", "reframe", "loop", "local_loop", "frame", "cut"]
MediaKind = Literal["image", "video", "audio"]
# Kinds whose work is done by a provider (a model, or the preview renderer standing in for it).
MODEL_KINDS = ("generate", "edit", "reframe", "loop")
LOCAL_KINDS = ("local_loop", "frame")


@dataclass(frozen=True)
class Segment:
    """One clip of a cut after repeats are expanded."""

    node: str
    trim_in: float
    trim_out: float | None
    transition: Literal["cut", "crossfade", "fade"]
    transition_duration: float


@dataclass(frozen=True)
class AudioPlan:
    node: str
    volume: float
    fade_in: float
    fade_out: float
    start: float


@dataclass(frozen=True)
class CutPlan:
    segments: tuple[Segment, ...]
    width: int
    height: int
    fps: float
    fit: Literal["pad", "crop", "blur"]
    audio: AudioPlan | None
    clip_audio: bool
    output: str  # relative to the project folder
    duration: float | None  # what the trims, repeats and transitions imply

    def as_dict(self) -> dict[str, Any]:
        return {
            "segments": [vars(s) for s in self.segments],
            "width": self.width, "height": self.height, "fps": self.fps, "fit": self.fit,
            "audio": vars(self.audio) if self.audio else None,
            "clip_audio": self.clip_audio,
        }


@dataclass(frozen=True)
class Node:
    id: str
    kind: NodeKind
    label: str  # for people: "dawn", "portrait step 2", "dawn.last_frame", "trailer"
    media: MediaKind | None = None  # what the node's output is
    shot: str | None = None
    model_id: str | None = None
    model: str | None = None  # short name
    body: dict[str, Any] = field(default_factory=dict)  # request as sent, inputs as {"$ref": id}
    inputs: tuple[str, ...] = ()
    roles: dict[str, str] = field(default_factory=dict)  # "start_frame" -> input node id
    fields: dict[str, Any] = field(default_factory=dict)  # merged user fields, for `why`
    take: int = 1
    duration: float | None = None
    width: int | None = None
    height: int | None = None
    path: str | None = None  # assets: the file, relative to the project folder
    which: Literal["first", "last"] | None = None  # frames
    crossfade: float | None = None  # local loops
    cut: CutPlan | None = None
    line: int | None = None
    column: int | None = None

    @property
    def runs_model(self) -> bool:
        return self.kind in MODEL_KINDS

    @property
    def name(self) -> str:
        return self.id.split(":", 1)[1]
