"""Small graphs of model nodes built by hand, and a run of the engine over one: its seams
(provider, reporter, sleep) are all it needs, no ffmpeg and no network."""

from __future__ import annotations

import asyncio

from storyboard.engine import Engine, RecordingReporter, Summary, Workspace
from storyboard.graph import Graph, ModelData, Node
from storyboard.providers import Provider
from storyboard.refs import ref


def shot(name: str, prompt: str, *, source: str | None = None) -> Node:
    """A generate node, or an edit of shot `source` when given."""
    body: dict[str, object] = {"prompt": prompt}
    inputs: tuple[str, ...] = ()
    if source is not None:
        body["video"] = ref(f"shot:{source}")
        inputs = (f"shot:{source}",)
    return Node(id=f"shot:{name}", kind="edit" if source else "generate", label=name,
                media="video", shot=name, inputs=inputs,
                roles={"source": inputs[0]} if inputs else {},
                payload=ModelData("stand-in-model", "sim", body, {"prompt": prompt}))


def graph_of(*nodes: Node) -> Graph:
    g = Graph()
    for n in nodes:
        g.add(n)
    return g


async def no_wait(_seconds: float) -> None:
    await asyncio.sleep(0)


def run(ws: Workspace, graph: Graph, provider: Provider, reporter: RecordingReporter | None = None,
        **options: object) -> Summary:
    engine = Engine(ws, graph, provider, reporter or RecordingReporter(), sleep=no_wait,
                    **options)  # type: ignore[arg-type]
    return asyncio.run(engine.run(graph.order()))

