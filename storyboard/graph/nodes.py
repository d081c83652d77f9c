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
    # What the cut asks for in words (`graph/cutfields.py`), recorded in the lock for
    # `why CUT`; never part of the key, so its wording can change without a re-render.
    fields: dict[str, Any] = field(default_factory=dict, compare=False)

    def as_dict(self) -> dict[str, Any]:
        return {
            "segments": [vars(s) for s in self.segments],
            "width": self.width, "height": self.height, "fps": self.fps, "fit": self.fit,
            "audio": vars(self.audio) if self.audio else None,
            "clip_audio": self.clip_audio,
        }


@dataclass(frozen=True)
class AssetData:
    """An input file of the user's."""

    path: str  # relative to the project folder


@dataclass(frozen=True)
class ModelData:
    """A step a provider runs (a model, or the preview renderer standing in for it)."""

    model_id: str
    model: str  # short name
    body: dict[str, Any]  # the request as sent, inputs as {"$ref": node id}
    fields: dict[str, Any]  # the merged user fields, for `why` and the lock
    take: int = 1


@dataclass(frozen=True)
class FrameData:
    """The first or last frame of a video, extracted locally."""

    which: Literal["first", "last"]
    body: dict[str, Any]


@dataclass(frozen=True)
class LocalLoopData:
    """Footage looped locally (a loop step without a prompt)."""

    crossfade: float  # seconds of the tail crossfaded into the head
    body: dict[str, Any]
    fields: dict[str, Any]
    take: int = 1


Payload = AssetData | ModelData | FrameData | LocalLoopData | CutPlan


@dataclass(frozen=True)
class Node:
    """What every node has, plus its kind's own data in `payload`.

    The properties below read the payload for the few things many layers ask of any node
    (its request body, user fields, take, model, file, cut plan); they are views, not storage.
    """

    id: str
    kind: NodeKind
    label: str  # for people: "dawn", "portrait step 2", "dawn.last_frame", "trailer"
    payload: Payload
    media: MediaKind | None = None  # what the node's output is
    shot: str | None = None
    inputs: tuple[str, ...] = ()
    roles: dict[str, str] = field(default_factory=dict)  # "start_frame" -> input node id
    duration: float | None = None
    width: int | None = None
    height: int | None = None
    line: int | None = None
    column: int | None = None

    @property
    def runs_model(self) -> bool:
        return self.kind in MODEL_KINDS

    @property
    def name(self) -> str:
        return self.id.split(":", 1)[1]

    @property
    def body(self) -> dict[str, Any]:
        """The request body (inputs as references); empty for assets and cuts."""
        p = self.payload
        return p.body if isinstance(p, ModelData | FrameData | LocalLoopData) else {}

    @property
    def fields(self) -> dict[str, Any]:
        p = self.payload
        return p.fields if isinstance(p, ModelData | LocalLoopData | CutPlan) else {}

    @property
    def take(self) -> int:
        p = self.payload
        return p.take if isinstance(p, ModelData | LocalLoopData) else 1

    @property
    def model_id(self) -> str | None:
        return self.payload.model_id if isinstance(self.payload, ModelData) else None

    @property
    def model(self) -> str | None:
        return self.payload.model if isinstance(self.payload, ModelData) else None

    @property
    def path(self) -> str | None:
        return self.payload.path if isinstance(self.payload, AssetData) else None

    @property
    def cut(self) -> CutPlan | None:
        return self.payload if isinstance(self.payload, CutPlan) else None
