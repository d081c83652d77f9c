"""`Graph`: nodes by string id beside a networkx DiGraph of edges input -> consumer."""

from __future__ import annotations

import networkx as nx

from storyboard.graph.nodes import Node


class Graph:
    """Nodes by id plus a networkx DiGraph of edges input -> consumer."""

    def __init__(self) -> None:
        self.nodes: dict[str, Node] = {}
        self.g: nx.DiGraph = nx.DiGraph()

    def add(self, node: Node) -> None:
        self.nodes[node.id] = node
        self.g.add_node(node.id)
        for src in node.inputs:
            self.g.add_edge(src, node.id)

    def order(self) -> list[str]:
        """Topological order, ties broken by id so output is stable."""
        return list(nx.lexicographical_topological_sort(self.g))

    def upstream(self, ids: list[str]) -> set[str]:
        out = set(ids)
        for i in ids:
            out |= nx.ancestors(self.g, i)
        return out

    def downstream(self, node_id: str) -> set[str]:
        return set(nx.descendants(self.g, node_id))

    def shot_node(self, shot: str) -> str | None:
        """The node whose output is the shot (its last step)."""
        steps = [n for n in self.nodes.values() if n.shot == shot and n.kind != "frame"]
        return steps[-1].id if steps else None

    def cuts(self) -> list[Node]:
        return [n for n in self.nodes.values() if n.kind == "cut"]

    def cycle(self) -> list[str] | None:
        """The ids around one cycle, or None when the graph is acyclic."""
        try:
            return [a for a, _ in nx.find_cycle(self.g)]
        except nx.NetworkXNoCycle:
            return None
