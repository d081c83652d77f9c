"""Which requests the fake answers badly: a random rate over chosen fault kinds and routes, plus a
scripted queue consumed by the next matching requests.

Thread-safe and seeded, so a test that sends requests in order sees the same faults every run.
The server (`server.py`) asks `FaultPlan.draw(route, api, dry_run)` once per request and acts on
the answer.

Fault kinds (`FAULT_KINDS`) and the routes each one can hit (route names: `server.ROUTE_NAMES`):

    500                 any route      a JSON error body with a trace id
    html502             any route      a gateway's HTML 502 page
    429                 any route      "Too many requests", `remainingSeconds` in the body
    drop                any route      the connection closes before anything is done
    slow                any route      the answer waits `slow_seconds` (a very slow server)
    truncated           all but        the answer announces N bytes in Content-Length, sends N/2
                        storage_put    and closes; a submission has created its job first
    drop_after_create   generate*      the job is created and charged, then the connection drops
    never_finishes      generate*,     the job created (generate) or polled (get_job) stays
                        get_job        `in-progress` for ever; its result never appears
    canceled            generate*,     the job created (generate) or polled (get_job) ends
                        get_job        `canceled` half way through, with no result
    html_json           API routes     200 with an HTML page instead of JSON (nothing is done)
    oversize            storage_get    the file plus junk bytes, with a matching Content-Length:
                                       larger than the asset's `properties.size`
    wrong_type          storage_get    200 `text/html` with an HTML page instead of the file

* a paid submission only: a dry run creates no job, so such a scripted fault waits for the next
paid one. A scripted fault without a route waits for the next API request it applies to
(`oversize` and `wrong_type`: the next download). Random faults hit API routes, and storage
routes only when `routes` names them.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal, get_args

FaultKind = Literal["500", "html502", "429", "drop", "drop_after_create", "slow", "oversize",
                    "wrong_type", "truncated", "html_json", "never_finishes", "canceled"]
FAULT_KINDS: tuple[FaultKind, ...] = get_args(FaultKind)
# Random faults default to every kind that a client must survive quickly; "slow" is opt-in.
DEFAULT_FAULT_KINDS: tuple[FaultKind, ...] = ("500", "html502", "429", "drop", "drop_after_create")
# Kinds a client should get through by retrying (or, for a submission, by finding its job).
TRANSIENT_FAULT_KINDS: tuple[FaultKind, ...] = (*DEFAULT_FAULT_KINDS, "truncated", "html_json",
                                                "oversize", "wrong_type")
SUBMIT_ROUTE = "generate"
DOWNLOAD_ROUTE = "storage_get"
_DOWNLOAD_ONLY: frozenset[str] = frozenset({DOWNLOAD_ROUTE})
# Where a kind can happen, when not everywhere.
_ONLY_ON: dict[str, frozenset[str]] = {
    "drop_after_create": frozenset({SUBMIT_ROUTE}),  # only a submission is created, then lost
    "never_finishes": frozenset({SUBMIT_ROUTE, "get_job"}),
    "canceled": frozenset({SUBMIT_ROUTE, "get_job"}),
    "oversize": _DOWNLOAD_ONLY,
    "wrong_type": _DOWNLOAD_ONLY,
}
# Only on a paid submission (generate): a dry run creates no job.
_PAID_ONLY: frozenset[str] = frozenset({"drop_after_create", "never_finishes", "canceled"})
_API_ONLY: frozenset[str] = frozenset({"html_json"})
_NO_BODY_ROUTES: frozenset[str] = frozenset({"storage_put"})  # nothing to truncate


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


def applies(kind: str, route: str, api: bool = True, dry_run: bool = False) -> bool:
    """Whether a fault of this kind can happen on this route (see the table above)."""
    only = _ONLY_ON.get(kind)
    if only is not None:
        return route in only and not (dry_run and kind in _PAID_ONLY)
    if kind in _API_ONLY:
        return api
    return not (kind == "truncated" and route in _NO_BODY_ROUTES)


def _unrouted(kind: str, route: str, api: bool, dry_run: bool) -> bool:
    """A scripted fault without a route: the next API request it applies to (a download for
    the download-only kinds)."""
    return applies(kind, route, api, dry_run) and (api or _ONLY_ON.get(kind) == _DOWNLOAD_ONLY)


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

    def draw(self, route: str, api: bool, dry_run: bool = False) -> FaultKind | None:
        """The fault for this request, if any. Random faults hit API routes, and storage routes
        only when `routes` names them."""
        with self._lock:
            for i, f in enumerate(self._script):
                if (f.route == route and applies(f.kind, route, api, dry_run)) or (
                        f.route is None and _unrouted(f.kind, route, api, dry_run)):
                    del self._script[i]
                    return f.kind
            if self._rate <= 0.0:
                return None
            if self._routes is None and not api:
                return None
            if self._routes is not None and route not in self._routes:
                return None
            if self._rng.random() >= self._rate:
                return None
            kinds = [k for k in self._kinds if applies(k, route, api, dry_run)]
            return self._rng.choice(kinds) if kinds else None
