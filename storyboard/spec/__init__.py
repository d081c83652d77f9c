"""The storyboard language: pydantic models of the file format and YAML loading with locations."""

from storyboard.spec.load import describe, parse, parse_all, read, read_all, suggest
from storyboard.spec.models import (
    NODE_KINDS,
    AudioBed,
    Cut,
    CutEntry,
    Defaults,
    EditNode,
    GenerateNode,
    Keyframe,
    LoopNode,
    NodeFields,
    Profile,
    ReframeNode,
    Step,
    Storyboard,
    Transition,
)
from storyboard.spec.salvage import Parsed
from storyboard.spec.yamlsource import SourceMap

__all__ = [
    "NODE_KINDS",
    "AudioBed",
    "Cut",
    "CutEntry",
    "Defaults",
    "EditNode",
    "GenerateNode",
    "Keyframe",
    "LoopNode",
    "NodeFields",
    "Parsed",
    "Profile",
    "ReframeNode",
    "SourceMap",
    "Step",
    "Storyboard",
    "Transition",
    "describe",
    "parse",
    "parse_all",
    "read",
    "read_all",
    "suggest",
]
