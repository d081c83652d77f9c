"""`storyboard.lock` read through its public seam: lookups by key, and clear errors for a lock
that is not one."""

from __future__ import annotations

from pathlib import Path

import pytest

from storyboard.cache import LockFile, Record
from storyboard.errors import StoreError


def rec(key: str, take: int = 1) -> Record:
    return Record(key=key * 64, output=key * 64, provider="preview", kind="generate", take=take,
                  time=f"2026-01-0{take}T00:00:00Z")


def test_find_looks_in_the_nodes_and_their_history(tmp_path: Path) -> None:
    lock = LockFile(tmp_path / "storyboard.lock")
    lock.nodes["shot:a"] = rec("a")
    lock.nodes["shot:a"] = rec("b", take=2)  # a retake: take 1 moves to the history
    lock.save()
    again = LockFile(lock.path)
    found_a, found_b = again.find("a" * 64), again.find("b" * 64)
    assert found_a is not None and found_a.take == 1
    assert found_b is not None and found_b.take == 2
    assert again.find("c" * 64) is None


def test_a_lock_with_merge_conflict_markers_says_how_to_recover(tmp_path: Path) -> None:
    p = tmp_path / "storyboard.lock"
    p.write_text("schema: 1\n<<<<<<< HEAD\nnodes: {}\n=======\nnodes: {}\n>>>>>>> other\n")
    with pytest.raises(StoreError) as info:
        LockFile(p)
    assert "git checkout --theirs -- storyboard.lock" in str(info.value)


def test_a_file_that_is_not_a_lock_is_refused(tmp_path: Path) -> None:
    p = tmp_path / "storyboard.lock"
    p.write_text("schema: 7\nnodes: {}\n")
    with pytest.raises(StoreError, match="not a storyboard lock of schema 1"):
        LockFile(p)
