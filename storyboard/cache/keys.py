"""Node keys: what a node's output depends on, and nothing else.

key = sha256 of canonical JSON (sorted keys, no whitespace) of the key schema version, the node
kind, the provider, the model id, the request exactly as it will be sent with every input
replaced by the content digest of its file, and the take. Never paths, shot names or file order:
renaming a shot or reordering the file keeps every key.
"""

from __future__ import annotations

import json
from typing import Any

from storyboard.hashing import hash_text
from storyboard.refs import map_refs

KEY_SCHEMA = 1


# One encoder for every key: json.dumps with options makes a new one per call (5,000 a plan).
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical(value: Any) -> str:
    return _CANONICAL.encode(value)


def with_digests(body: Any, digests: dict[str, str]) -> Any:
    """The body with each {"$ref": node id} replaced by {"$digest": content digest}."""
    return map_refs(body, lambda node_id: {"$digest": digests[node_id]})


def node_key(kind: str, provider: str, model_id: str | None, body: dict[str, Any],
             digests: dict[str, str], take: int = 1, extra: dict[str, Any] | None = None) -> str:
    doc = {
        "schema": KEY_SCHEMA,
        "kind": kind,
        "provider": provider,
        "model": model_id,
        "request": with_digests(body, digests),
        "take": take,
    }
    if extra:
        doc["extra"] = extra
    return hash_text(canonical(doc))
