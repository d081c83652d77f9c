"""Node keys: what a node's output depends on, and nothing else.

key = sha256 of canonical JSON (sorted keys, no whitespace) of the key schema version, the node
kind, the provider, the model id, the request exactly as it will be sent with every input
replaced by the content digest of its file, and the take. Never paths, shot names or file order:
renaming a shot or reordering the file keeps every key.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

KEY_SCHEMA = 1
REF_KEY = "$ref"


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def with_digests(body: Any, digests: dict[str, str]) -> Any:
    """The body with each {"$ref": node id} replaced by {"$digest": content digest}."""
    if isinstance(body, dict):
        if set(body) == {REF_KEY}:
            return {"$digest": digests[str(body[REF_KEY])]}
        return {k: with_digests(v, digests) for k, v in body.items()}
    if isinstance(body, list):
        return [with_digests(v, digests) for v in body]
    return body


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
    return hashlib.sha256(canonical(doc).encode("utf-8")).hexdigest()
