"""What the graph builders share: the file, its source map, the problems found so far, the
graph being built, and each shot's output node, known before any shot is built.

A shot's output is its last step, whose id is `shot:NAME` whatever its steps are, so a
reference to a shot resolves to its final id at once, in any order; frames are recorded when
referenced and added once the videos they come from exist (`references.add_frames`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from storyboard.errors import Problem
from storyboard.graph.dag import Graph
from storyboard.graph.nodes import MediaKind
from storyboard.spec import SourceMap, Storyboard
from storyboard.spec.yamlsource import Path_

if TYPE_CHECKING:
    from storyboard.catalogue import FieldIssue, ModelSpec

IMAGE_EXT = {".png", ".jpg", ".jpeg", ".webp"}
VIDEO_EXT = {".mp4", ".mov", ".m4v", ".webm", ".mkv"}
AUDIO_EXT = {".mp3", ".wav", ".m4a", ".aac", ".ogg", ".flac", ".opus"}


@dataclass(frozen=True)
class AssetFacts:
    """What probing an input file told us (the project layer probes; the graph only reads)."""

    kind: MediaKind
    duration: float | None = None
    width: int | None = None
    height: int | None = None
    size_bytes: int | None = None


@dataclass(frozen=True)
class FrameRequest:
    """A frame some node takes: the video it comes from, which end, and how people name it."""

    video: str
    which: Literal["first", "last"]
    label: str


def media_kind_of(path: str) -> MediaKind | None:
    ext = Path(path).suffix.lower()
    if ext in IMAGE_EXT:
        return "image"
    if ext in VIDEO_EXT:
        return "video"
    if ext in AUDIO_EXT:
        return "audio"
    return None


def shot_output(shot: str) -> str:
    """The id of the node whose output is the shot: its last step, whatever the steps are."""
    return f"shot:{shot}"


def a_(kind: str | None) -> str:
    """'an image', 'a video', 'an audio file': the kind with its article, for messages."""
    return {"image": "an image", "video": "a video", "audio": "an audio file"}.get(str(kind), "?")


@dataclass
class Context:
    board: Storyboard
    smap: SourceMap
    root: Path
    profile: str | None
    facts: dict[str, AssetFacts]
    graph: Graph = field(default_factory=Graph)
    problems: list[Problem] = field(default_factory=list)
    frames: dict[str, FrameRequest] = field(default_factory=dict)  # frame id -> request
    built: set[str] = field(default_factory=set)  # shots whose every step became a node
    # names whose definitions were refused whole (spec/salvage.py): already reported, so a
    # reference to one is not an "unknown name" too
    broken: frozenset[str] = frozenset()
    # what every step of a kind shares (shots.py): the defaults' and profile's fields, the
    # style; and each (kind, model, resolution) the catalogue resolved
    kinds: dict[str, tuple[dict[str, Any], dict[str, Any], str | None]] = field(
        default_factory=dict)
    models: dict[tuple[str, Any, Any], tuple[ModelSpec | None, FieldIssue | None]] = field(
        default_factory=dict)

    def problem(self, path: Path_, message: str, *, where: str = "", field: str = "",
                hint: str = "", key: bool = False, code: str = "invalid") -> None:
        self.problems.append(self.smap.problem(path, message, where=where, field=field,
                                               hint=hint, key=key, code=code))
