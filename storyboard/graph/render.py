"""The graph as text: Mermaid (default), Graphviz dot, or JSON."""

from __future__ import annotations

import json
from typing import Literal

from storyboard.graph.dag import Graph

Format = Literal["mermaid", "dot", "json"]

_SHAPES = {
    "asset": ('[/"', '"/]'),
    "frame": ('(["', '"])'),
    "cut": ('[["', '"]]'),
}


def _label(graph: Graph, node_id: str) -> str:
    n = graph.nodes[node_id]
    text = n.label
    if n.model:
        text += f"<br/>{n.kind} · {n.model}"
    elif n.kind not in ("asset", "cut"):
        text += f"<br/>{n.kind.replace('_', ' ')}"
    return text.replace('"', "#quot;")


def render_graph(graph: Graph, fmt: Format = "mermaid") -> str:
    order = graph.order()
    ids = {node_id: f"n{i}" for i, node_id in enumerate(order)}
    if fmt == "json":
        return json.dumps({
            "nodes": [{"id": i, "kind": graph.nodes[i].kind, "label": graph.nodes[i].label,
                       "model": graph.nodes[i].model_id, "inputs": list(graph.nodes[i].inputs)}
                      for i in order],
            "edges": [[a, b] for a, b in sorted(graph.g.edges)],
        }, indent=2)
    if fmt == "dot":
        lines = ["digraph storyboard {", "  rankdir=LR;", "  node [fontname=Helvetica];"]
        shapes = {"asset": "note", "frame": "oval", "cut": "box3d"}
        for i in order:
            n = graph.nodes[i]
            label = n.label + (f"\\n{n.kind} · {n.model}" if n.model else "")
            lines.append(f'  {ids[i]} [label="{label}", shape={shapes.get(n.kind, "box")}];')
        lines += [f"  {ids[a]} -> {ids[b]};" for a, b in sorted(graph.g.edges)]
        lines.append("}")
        return "\n".join(lines) + "\n"
    lines = ["flowchart LR"]
    for i in order:
        left, right = _SHAPES.get(graph.nodes[i].kind, ('["', '"]'))
        lines.append(f"  {ids[i]}{left}{_label(graph, i)}{right}")
    lines += [f"  {ids[a]} --> {ids[b]}" for a, b in sorted(graph.g.edges)]
    return "\n".join(lines) + "\n"
