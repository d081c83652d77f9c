"""Which requests the fake answers badly: a random rate over chosen fault kinds and routes, plus a
scripted queue consumed by the next matching requests.

Thread-safe and seeded, so a test that sends requests in order sees the same faults every run.
The server (`server.py`) asks `FaultPlan.draw(route)` once per request and acts on the answer.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal, get_args

FaultKind = Literal["500", "html502", "429", "drop", "drop_after_create", "slow"]
FAULT_KINDS: tuple[FaultKind, ...] = get_args(FaultKind)
# Random faults default to every kind that a client must survive quickly; "slow" is opt-in.
DEFAULT_FAULT_KINDS: tuple[FaultKind, ...] = ("500", "html502", "429", "drop", "drop_after_create")
# Only a submission can be created and then lost.
SUBMIT_ONLY: frozenset[str] = frozenset({"drop_after_create"})
SUBMIT_ROUTE = "generate"


@dataclass(frozen=True)
class Fault:
    """One scripted fault; `route` limits it to one route name (see `ROUTES` in server.py)."""

    kind: FaultKind
    route: str | None = None


def _check_kind(kind: str) -> FaultKind:
    for k in FAULT_KINDS:
        if k == kind:
            return k
    raise ValueError(f"unknown fault kind {kind!r}; choose from {', '.join(FAULT_KINDS)}")


def as_fault(item: Fault | str) -> Fault:
    """`"500"` or `"generate:drop"` or a `Fault`."""
    if isinstance(item, Fault):
        _check_kind(item.kind)
        return item
    route, _, kind = item.rpartition(":")
    return Fault(_check_kind(kind), route or None)


def applies(kind: str, route: str) -> bool:
    return kind not in SUBMIT_ONLY or route == SUBMIT_ROUTE


class FaultPlan:
    def __init__(
        self,
        rate: float = 0.0,
        kinds: Iterable[str] = DEFAULT_FAULT_KINDS,
        routes: Iterable[str] | None = None,
        seed: int = 0,
    ) -> None:
        self._lock = threading.Lock()
        self._rng = random.Random(seed)
        self._script: list[Fault] = []
        self._rate = 0.0
        self._kinds: tuple[FaultKind, ...] = ()
        self._routes: frozenset[str] | None = None
        self.configure(rate=rate, kinds=kinds, routes=routes)

    def configure(
        self,
        rate: float | None = None,
        kinds: Iterable[str] | None = None,
        routes: Iterable[str] | None = None,
        seed: int | None = None,
    ) -> None:
        """Change the random faults; arguments left as None keep their value. `routes` limits
        random faults to those route names; an empty collection means every API route."""
        with self._lock:
            if rate is not None:
                if not 0.0 <= rate <= 1.0:
                    raise ValueError(f"fault rate must be within 0..1, got {rate}")
                self._rate = rate
            if kinds is not None:
                self._kinds = tuple(_check_kind(k) for k in kinds)
            if routes is not None:
                # an empty collection means every API route again
                self._routes = frozenset(routes) or None
            if seed is not None:
                self._rng = random.Random(seed)

    def script(self, faults: Iterable[Fault | str]) -> None:
        items = [as_fault(f) for f in faults]
        with self._lock:
            self._script.extend(items)

    def clear(self) -> None:
        """Forget scripted faults and stop random ones."""
        with self._lock:
            self._script.clear()
            self._rate = 0.0

    @property
    def pending(self) -> tuple[Fault, ...]:
        with self._lock:
            return tuple(self._script)

    def draw(self, route: str, api: bool) -> FaultKind | None:
        """The fault for this request, if any. Random faults only hit API routes (not storage)."""
        with self._lock:
            for i, f in enumerate(self._script):
                if applies(f.kind, route) and (f.route == route or (f.route is None and api)):
                    del self._script[i]
                    return f.kind
            if not api or self._rate <= 0.0:
                return None
            if self._routes is not None and route not in self._routes:
                return None
            if self._rng.random() >= self._rate:
                return None
            kinds = [k for k in self._kinds if applies(k, route)]
            return self._rng.choice(kinds) if kinds else None
