"""How a run records what it made: each finished node at once in the run index, the lock once
per run (and when interrupted), with the time SOURCE_DATE_EPOCH names when it is set."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from engine_helpers import graph_of, run, shot
from standin import StandIn

from storyboard.cache import LockFile, RunIndex
from storyboard.engine import Engine, Workspace
from storyboard.errors import ProjectError
from storyboard.settings import Settings


class CountingLock(LockFile):
    saves = 0

    def save(self) -> None:
        self.saves += 1
        super().save()


def test_the_lock_is_written_once_per_run_and_every_node_is_in_the_index(ws: Workspace) -> None:
    ws.lock = CountingLock(ws.lock.path)
    graph = graph_of(shot("a", "a fox"), shot("b", "paint it", source="a"), shot("c", "snow"))
    summary = run(ws, graph, StandIn())
    assert [r.status for r in summary.results] == ["done", "done", "done"]
    assert ws.lock.saves == 1
    on_disk = LockFile(ws.lock.path)
    assert set(on_disk.nodes) == {"shot:a", "shot:b", "shot:c"}
    index = RunIndex(ws.index.root)  # what a later command reads
    assert [index.get(r.key) for r in on_disk.nodes.values()] == list(on_disk.nodes.values())


def test_an_interrupted_run_writes_the_lock_with_what_it_finished(ws: Workspace) -> None:
    graph = graph_of(shot("a", "a fox"), shot("b", "SLOW paint it", source="a"))
    box: list[asyncio.Task[object]] = []

    async def interrupt(_seconds: float) -> None:  # b polls: a has finished by then
        box[0].cancel()
        await asyncio.sleep(0)

    async def main() -> None:
        engine = Engine(ws, graph, StandIn(), sleep=interrupt)
        box.append(asyncio.create_task(engine.run(graph.order())))
        with pytest.raises(asyncio.CancelledError):
            await box[0]

    asyncio.run(main())
    assert set(LockFile(ws.lock.path).nodes) == {"shot:a"}


def test_source_date_epoch_is_the_time_recorded(ws: Workspace,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    settings = Settings.load()
    assert settings.now() == "2026-01-01T00:00:00Z"
    run(ws, graph_of(shot("a", "a fox")), StandIn(), now=settings.now)
    assert LockFile(ws.lock.path).nodes["shot:a"].time == "2026-01-01T00:00:00Z"


def test_an_invalid_setting_is_a_clear_error(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    with pytest.raises(ProjectError, match="SOURCE_DATE_EPOCH"):
        Settings.load(tmp_path)
