"""Inputs inside request bodies: the `{"$ref": node id}` marker and the one walker over it.

The catalogue writes file inputs as `{"$ref": NAME}`, the graph turns names into node ids, the
cache replaces each with its content digest for the key, the engine collects them as inputs,
and a remote provider swaps them for its own asset ids. All of them walk bodies here. Stdlib
only, so every layer may import it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

REF_KEY = "$ref"


def ref(node_id: str) -> dict[str, str]:
    """The marker for an input: `{"$ref": node_id}`."""
    return {REF_KEY: node_id}


def ref_of(value: Any) -> str | None:
    """The node id when `value` is exactly a `{"$ref": id}` marker, else None."""
    if isinstance(value, dict) and set(value) == {REF_KEY}:
        target = value[REF_KEY]
        return target if isinstance(target, str) else None
    return None


def refs_in(body: Any) -> list[str]:
    """Every referenced id at any depth (keyframes nest them), in order, repeats kept."""
    if (target := ref_of(body)) is not None:
        return [target]
    if isinstance(body, dict):  # scalars skipped here: a call each was most of the walk
        return [r for v in body.values() if isinstance(v, dict | list) for r in refs_in(v)]
    if isinstance(body, list):
        return [r for v in body if isinstance(v, dict | list) for r in refs_in(v)]
    return []


def map_refs(body: Any, replace: Callable[[str], Any]) -> Any:
    """A copy of `body` with every `{"$ref": id}` replaced by `replace(id)`."""
    if (target := ref_of(body)) is not None:
        return replace(target)
    if isinstance(body, dict):  # scalars copied as they are, without a call each
        return {k: map_refs(v, replace) if isinstance(v, dict | list) else v
                for k, v in body.items()}
    if isinstance(body, list):
        return [map_refs(v, replace) if isinstance(v, dict | list) else v for v in body]
    return body


def rename_refs(body: Any, names: Mapping[str, str]) -> Any:
    """A copy of `body` whose markers point at `names[id]` (ids not in `names` stay)."""
    return map_refs(body, lambda target: ref(names.get(target, target)))
