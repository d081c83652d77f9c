"""The dependency graph: nodes for every step, frame, asset and cut; edges from every reference.

`build_graph` (build.py) runs the builders: assets.py, shots.py, references.py, cuts.py over a
shared `Context`; `Node` and its per-kind payloads are in nodes.py, `Graph` in dag.py.
"""

from storyboard.graph.build import build_graph, graph_of
from storyboard.graph.context import AssetFacts, media_kind_of
from storyboard.graph.dag import Graph
from storyboard.graph.nodes import (
    MODEL_KINDS,
    AssetData,
    AudioPlan,
    CutPlan,
    FrameData,
    LocalLoopData,
    ModelData,
    Node,
    Payload,
    Segment,
)
from storyboard.graph.render import render_graph

__all__ = [
    "MODEL_KINDS",
    "AssetData",
    "AssetFacts",
    "AudioPlan",
    "CutPlan",
    "FrameData",
    "Graph",
    "LocalLoopData",
    "ModelData",
    "Node",
    "Payload",
    "Segment",
    "build_graph",
    "graph_of",
    "media_kind_of",
    "render_graph",
]
