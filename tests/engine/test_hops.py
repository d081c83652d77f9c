"""What a node costs the engine: a fresh node of an unpaid provider is decided and stored on
the event loop (a hop to a worker thread and back costs more than the work); a paid result is
stored durably (fsync) in a thread; a status that needs a file hashed, or the remote asked,
still goes to a thread."""

from __future__ import annotations

import asyncio
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from engine_helpers import graph_of, run, shot
from standin import StandIn

from storyboard.cache import ObjectStore, Record
from storyboard.cache import store as store_module
from storyboard.engine import Statuses, Workspace

GRAPH = (shot("a", "a fox"), shot("b", "paint it", source="a"), shot("c", "a river"))


def spy_puts(monkeypatch: pytest.MonkeyPatch) -> list[tuple[bool, bool]]:
    """(durable, on the main thread) for every store.put."""
    seen: list[tuple[bool, bool]] = []
    put = ObjectStore.put

    def spy(self: ObjectStore, src: Path, *, move: bool = False, durable: bool = True) -> str:
        seen.append((durable, threading.current_thread() is threading.main_thread()))
        return put(self, src, move=move, durable=durable)

    monkeypatch.setattr(ObjectStore, "put", spy)
    return seen


def count_hops(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    hops: list[str] = []
    to_thread = asyncio.to_thread

    async def counting(func: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        hops.append(getattr(func, "__name__", repr(func)))
        return await to_thread(func, *args, **kwargs)

    monkeypatch.setattr(asyncio, "to_thread", counting)
    return hops


def test_a_fresh_unpaid_build_never_leaves_the_event_loop(ws: Workspace,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    hops, puts = count_hops(monkeypatch), spy_puts(monkeypatch)
    summary = run(ws, graph_of(*GRAPH), StandIn())
    assert [r.status for r in summary.results] == ["done"] * 3
    assert hops == []
    assert puts == [(False, True)] * 3  # free to make again: no fsync


def test_a_paid_result_is_stored_durably_off_the_loop(ws: Workspace,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    puts = spy_puts(monkeypatch)
    summary = run(ws, graph_of(*GRAPH), StandIn(paid=True))
    assert [r.status for r in summary.results] == ["done"] * 3
    assert puts == [(True, False)] * 3


def test_a_large_unpaid_result_is_hashed_off_the_loop(ws: Workspace,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store_module, "SMALL_BYTES", 0)  # every result is "large"
    puts = spy_puts(monkeypatch)
    run(ws, graph_of(*GRAPH), StandIn())
    assert puts == [(False, False)] * 3


def test_a_rebuild_answers_from_a_stat_and_a_doubtful_object_is_hashed_in_a_thread(
        ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    graph = graph_of(*GRAPH)
    run(ws, graph, StandIn())
    key = Statuses(graph, ws, "stand-in").of("shot:a", {}).key
    assert key is not None
    fresh = Workspace.open(ws.root, ws.lock_path)
    rec = fresh.lookup(key)
    assert rec is not None
    # Recorded long after the objects were written: their signatures are trusted from a stat.
    fresh.stat.clock = lambda: time.time_ns() + 3600 * 10**9
    for r in fresh.lock.nodes.values():
        fresh.stat.remember(fresh.store.path(r.output), r.output)
    p = fresh.store.path(rec.output)
    assert fresh.lookup_quick(key) == (True, rec)
    assert Statuses(graph, fresh, "stand-in").quick("shot:a", {}) is not None
    os.utime(p, ns=(1, 1))  # the signature changed: only hashing can tell
    assert fresh.lookup_quick(key) == (False, None)
    assert Statuses(graph, fresh, "stand-in").quick("shot:a", {}) is None
    hops = count_hops(monkeypatch)
    summary = run(fresh, graph, StandIn())
    assert [r.status for r in summary.results] == ["cached"] * 3
    assert hops == ["of"]  # a, hashed in a thread; b and c trusted from a stat


class Remote:
    def __init__(self) -> None:
        self.asked: list[str] = []

    def fetch(self, digest: str, store: ObjectStore) -> bool:
        self.asked.append(digest)
        return False


def test_a_record_whose_object_is_gone_is_asked_of_the_remote_in_a_thread(
        ws: Workspace) -> None:
    rec = Record(key="k" * 64, output="0" * 64, provider="stand-in", kind="generate",
                 model="m", job=None, cost=0.0, time="t", take=1, fields={}, inputs={})
    ws.index.put(rec)
    assert ws.lookup_quick(rec.key) == (True, None)  # no remote: the answer is "not here"
    ws.remote = remote = Remote()
    assert ws.lookup_quick(rec.key) == (False, None)
    assert remote.asked == []  # the network is never asked on the loop
    assert ws.lookup_quick("f" * 64) == (True, None)  # never built: nothing to ask about


def test_a_shard_folder_removed_during_a_command_is_made_again(tmp_path: Path) -> None:
    ws = Workspace.open(tmp_path, tmp_path / "storyboard.lock")
    first = tmp_path / "one"
    first.write_bytes(b"one")
    digest = ws.store.put(first, move=True)
    shard = ws.store.path(digest).parent
    ws.store.path(digest).unlink()
    shard.rmdir()
    again = tmp_path / "again"
    again.write_bytes(b"one")
    assert ws.store.put(again, move=True) == digest
    assert ws.store.has(digest) and not again.exists()
