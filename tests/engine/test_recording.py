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
from storyboard.errors import ProjectError, ProviderError
from storyboard.providers import Fetched, Request
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


class FolderWatcher(StandIn):
    """Notes every download folder it is given; a prompt holding LEFTOVER leaves a partial file
    and fails its fetch."""

    def __init__(self) -> None:
        super().__init__()
        self.folders: list[tuple[str, Path]] = []  # (node label, its download folder)

    async def fetch(self, job_id: str, request: Request, workdir: Path) -> Fetched:
        self.folders.append((request.node.label, workdir))
        if "LEFTOVER" in str(request.node.fields.get("prompt")):
            (workdir / "partial.part").write_bytes(b"half")
            raise ProviderError("the download broke off")
        return await super().fetch(job_id, request, workdir)


def test_download_folders_are_reused_across_nodes_and_removed_after_the_run(ws: Workspace
                                                                            ) -> None:
    graph = graph_of(*(shot(f"s{i}", f"shot {i}") for i in range(6)))
    provider = FolderWatcher()
    summary = run(ws, graph, provider, jobs=1)
    assert {r.status for r in summary.results} == {"done"}
    assert len({f for _, f in provider.folders}) == 1  # one per fetch at once, not per node
    assert list((ws.work / "tmp").iterdir()) == []


def test_a_folder_a_failed_fetch_left_files_in_is_never_given_to_another_node(ws: Workspace
                                                                              ) -> None:
    graph = graph_of(shot("a", "LEFTOVER"), shot("b", "after", source="a"), shot("c", "other"),
                     shot("d", "more"))
    provider = FolderWatcher()
    summary = run(ws, graph, provider, jobs=1)
    assert {r.label: r.status for r in summary.results} == {
        "a": "failed", "b": "skipped", "c": "done", "d": "done"}
    labels = [label for label, _ in provider.folders]
    broken = provider.folders[labels.index("a")][1]
    assert broken not in [f for _, f in provider.folders[labels.index("a") + 1:]]
    assert not broken.exists()
    assert list((ws.work / "tmp").iterdir()) == []
