"""The Luma models on Scenario as data, and the mapping from storyboard fields to request bodies."""

from storyboard.catalogue.mapping import (
    FieldIssue,
    Mapped,
    frame_size,
    inferred_duration,
    map_node,
    resolve_model,
)
from storyboard.catalogue.models import (
    Catalogue,
    ModelSpec,
    Param,
    Rule,
    load_catalogue,
    seconds_of,
)

__all__ = [
    "Catalogue",
    "FieldIssue",
    "Mapped",
    "ModelSpec",
    "Param",
    "Rule",
    "frame_size",
    "inferred_duration",
    "load_catalogue",
    "map_node",
    "resolve_model",
    "seconds_of",
]
