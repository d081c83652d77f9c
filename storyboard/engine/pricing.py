"""Pricing a plan: each unpriced row that will run is priced by the provider's dry run, a few
at a time. `Project.plan` and `Project.build` call it inside their one event loop."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from storyboard.cache import ObjectStore
from storyboard.engine.events import Plan, PlannedNode
from storyboard.graph import Graph
from storyboard.providers.base import InputFile, Provider, Request

PRICING_SLOTS = 8  # dry runs at a time: independent reads, a few at once keep planning short


def pricing_note(plan: Plan, graph: Graph) -> str:
    """What pricing is about to do, for a command to show at once: it takes seconds (an upload
    per input file, a dry run per node). Blocked rows cannot be priced yet and cost nothing."""
    rows = [r for r in plan.nodes if r.status == "to run" and r.estimate is None]
    if not rows:
        return ""
    files = {i for r in rows for i in graph.nodes[r.node].inputs}
    n, m = len(rows), len(files)
    upload = (f"; first uploading the {m} input file{'s' if m != 1 else ''} they use, unless "
              "already uploaded" if files else "")
    return (f"pricing {n} node{'s' if n != 1 else ''} on {plan.provider} (a dry run each"
            f"{upload}) ...")


async def priced(plan: Plan, prov: Provider, graph: Graph, root: Path, store: ObjectStore,
                 digests: dict[str, str], *, own: bool = False,
                 say: Callable[[str], None] | None = None) -> Plan:
    """The plan with each unpriced node to run priced by a dry run (`own`: open and close
    the provider around it). `digests`: what is known of the inputs (assets, cached nodes);
    `say` hears what is about to take time (`pricing_note`)."""
    # Only a paid provider's pricing takes seconds (uploads, dry runs over the network); a
    # local one prices at once and has nothing to announce.
    if say is not None and prov.paid and (note := pricing_note(plan, graph)):
        say(note)
    if own:
        await prov.open()
    slots = asyncio.Semaphore(PRICING_SLOTS)

    def input_path(node_id: str) -> Path:
        n = graph.nodes[node_id]
        if n.kind == "asset" and n.path:
            return root / n.path
        return store.path(digests[node_id]) if node_id in digests else Path()

    async def price(row: PlannedNode) -> PlannedNode:
        if row.status == "cached" or row.estimate is not None:
            return row
        node = graph.nodes[row.node]
        inputs = {i: InputFile(i, input_path(i), digests.get(i, ""),
                               graph.nodes[i].media or "video")
                  for i in node.inputs}
        async with slots:
            cost = await prov.estimate(Request(node, row.key or "", node.body, inputs))
        return replace(row, estimate=cost)

    try:
        rows = await asyncio.gather(*(price(r) for r in plan.nodes))
    finally:
        if own:
            await prov.close()
    return Plan(tuple(rows), plan.provider)
