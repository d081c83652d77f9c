"""The dependency graph: nodes for every step, frame, asset and cut; edges from every reference."""

from storyboard.graph.build import AssetFacts, Graph, build_graph, media_kind_of
from storyboard.graph.nodes import MODEL_KINDS, AudioPlan, CutPlan, Node, Segment
from storyboard.graph.render import render_graph

__all__ = [
    "MODEL_KINDS",
    "AssetFacts",
    "AudioPlan",
    "CutPlan",
    "Graph",
    "Node",
    "Segment",
    "build_graph",
    "media_kind_of",
    "render_graph",
]
