"""A cloned `.storyboard/` is untrusted: a link planted in it never redirects a write, a cache
object corrupted with its mtime restored is re-hashed before a cut uses it, and `gc` waits for
no build's temp files. Through the real CLI (child processes) and the store itself."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from storyboard.cache import ObjectStore, StatCache
from storyboard.engine.workspace import Workspace
from storyboard.errors import BusyError, UnsafePath
from storyboard.paths import open_append, write_atomic
from tests.hostile.untrusted import Untouched, cli, project

SHOT = "assets:\n  a: assets/a.png\nshots:\n  s:\n    generate: {prompt: x, start_frame: a}\n" \
       "cuts:\n  c:\n    shots: [s]\n"

# Where a clone can plant a link, relative to .storyboard/
PLANTED = ["index/runs.jsonl", "stat-cache.json", ".stat-cache.json.tmp1", "journal",
           "cache/objects/ab", "cache/tmp", "tmp"]


@pytest.mark.parametrize("where", PLANTED)
def test_a_link_planted_in_the_cache_is_refused_and_nothing_outside_changes(
    tmp_path: Path, where: str
) -> None:
    root = project(tmp_path, SHOT)
    precious = tmp_path / "sibling" / "precious.txt"
    planted = root / ".storyboard" / where
    planted.parent.mkdir(parents=True, exist_ok=True)
    os.symlink(precious if "." in where else precious.parent, planted)
    before = Untouched(root)
    with pytest.raises(UnsafePath, match="is a link"):
        Workspace.open(root, root / "storyboard.lock")
    before.check()


@pytest.mark.e2e  # a child process per command: seconds
def test_build_and_validate_refuse_a_planted_run_index_link(tmp_path: Path) -> None:
    root = project(tmp_path, SHOT)
    (root / ".storyboard" / "index").mkdir(parents=True)
    os.symlink(tmp_path / "sibling" / "precious.txt", root / ".storyboard/index/runs.jsonl")
    before = Untouched(root)
    for command in ("validate", "build"):
        ran = cli(root, command, memory=None)
        assert ran.code == 3, ran.out
        assert "runs.jsonl is a link" in ran.out and "delete" in ran.out
    before.check()
    shutil.rmtree(root / ".storyboard")  # what the message says to do
    assert cli(root, "build", memory=None).code == 0


def test_writes_in_storyboards_folders_never_go_through_a_link(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me", "utf-8")
    target = tmp_path / "stat.json"
    os.symlink(victim, tmp_path / f".stat.json.tmp{os.getpid()}")  # the temp name, guessed
    write_atomic(target, b"{}")
    assert victim.read_text("utf-8") == "keep me" and target.read_bytes() == b"{}"
    os.symlink(victim, tmp_path / "runs.jsonl")
    with pytest.raises(UnsafePath, match="is a link"):
        open_append(tmp_path / "runs.jsonl")
    assert victim.read_text("utf-8") == "keep me"


def test_an_object_corrupted_with_its_times_restored_is_not_trusted(tmp_path: Path) -> None:
    stat = StatCache(tmp_path / "stat-cache.json")
    store = ObjectStore(tmp_path / "cache", stat)
    src = tmp_path / "clip.bin"
    src.write_bytes(b"a good render" * 100)
    digest = store.put(src)
    stat.save()
    obj = store.path(digest)
    st = obj.stat()
    with obj.open("r+b") as f:  # same size, other bytes, then the mtime set back
        f.write(b"A")
    os.utime(obj, ns=(st.st_atime_ns, st.st_mtime_ns))
    fresh = ObjectStore(tmp_path / "cache", StatCache(tmp_path / "stat-cache.json"))
    assert not fresh.has(digest)  # the ctime moved: re-hashed, found corrupt, removed
    assert not obj.exists()


def test_gc_takes_the_build_lock(tmp_path: Path) -> None:
    root = project(tmp_path, SHOT)
    ws = Workspace.open(root, root / "storyboard.lock")
    temp = ws.tmp() / "a-running-build.partial"
    temp.write_bytes(b"half a render")
    os.utime(temp, (0, 0))  # old enough for any grace period
    with ws.build_lock(False, "build"):
        other = Workspace.open(root, root / "storyboard.lock")
        with pytest.raises(BusyError, match="before this gc"), other.build_lock(False, "gc"):
            pass
    assert temp.exists()


@pytest.mark.e2e  # a child process
def test_gc_grace_0_during_a_build_deletes_none_of_its_temp_files(tmp_path: Path) -> None:
    root = project(tmp_path, SHOT)
    ws = Workspace.open(root, root / "storyboard.lock")
    temp = ws.tmp() / "a-running-build.partial"
    temp.write_bytes(b"half a render")
    os.utime(temp, (0, 0))
    with ws.build_lock(False, "build"):  # this test is the running build
        ran = cli(root, "gc", "--grace", "0")
    assert ran.code == 1 and "another storyboard build is running" in ran.out, ran.out
    assert temp.exists()
    ran = cli(root, "gc", "--grace", "0")
    assert ran.code == 0, ran.out
    assert not temp.exists()
