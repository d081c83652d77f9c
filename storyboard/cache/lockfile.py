"""`storyboard.lock`: what was made, per node, written by this module only.

YAML, `schema: 1` first, nodes sorted by id and keys sorted within each entry, one value per
line, so two branches that touch different shots merge in git without conflicts, and writing
the same facts twice gives the same bytes. Written atomically after each node's success.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from storyboard.errors import StoreError

LOCK_SCHEMA = 1


@dataclass
class Record:
    """One node's output: what was asked, what came back, who made it and what it cost."""

    key: str
    output: str
    provider: str
    kind: str
    model: str | None = None
    job: str | None = None
    cost: float = 0.0
    time: str = ""
    take: int = 1
    fields: dict[str, Any] = field(default_factory=dict)
    inputs: dict[str, str] = field(default_factory=dict)  # input node id -> content digest

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Record:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)


class LockFile:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.nodes: dict[str, Record] = {}
        if path.is_file():
            try:
                data = yaml.safe_load(path.read_text("utf-8")) or {}
            except (OSError, yaml.YAMLError) as exc:
                raise StoreError(f"{path} cannot be read ({exc}); restore it from git "
                                 "(git checkout -- storyboard.lock) or delete it") from None
            if not isinstance(data, dict) or data.get("schema") != LOCK_SCHEMA:
                raise StoreError(f"{path} is not a storyboard lock of schema {LOCK_SCHEMA}; "
                                 "restore it from git or delete it")
            for node_id, rec in (data.get("nodes") or {}).items():
                if isinstance(rec, dict):
                    self.nodes[str(node_id)] = Record.from_dict(rec)

    def by_key(self) -> dict[str, Record]:
        return {r.key: r for r in self.nodes.values()}

    def render(self) -> str:
        nodes = {k: _clean(asdict(v)) for k, v in sorted(self.nodes.items())}
        head = yaml.safe_dump({"schema": LOCK_SCHEMA}, sort_keys=True)
        body = yaml.safe_dump({"nodes": nodes}, sort_keys=True, allow_unicode=True,
                              default_flow_style=False, width=1 << 30)
        return head + body

    def save(self) -> None:
        text = self.render()
        if self.path.is_file() and self.path.read_text("utf-8") == text:
            return
        tmp = self.path.with_name(f".{self.path.name}.tmp{os.getpid()}")
        try:
            with tmp.open("w", encoding="utf-8") as f:
                f.write(text)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise StoreError(f"cannot write {self.path}: {exc.strerror}; the previous lock is "
                             "intact") from None


def _clean(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v not in (None, {}, "")}
