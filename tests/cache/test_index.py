"""The run index remembers every key built in this working copy; a damaged entry is a miss."""

from __future__ import annotations

from pathlib import Path

from storyboard.cache import Record, RunIndex


def rec(key: str, output: str = "o") -> Record:
    return Record(key=key * 64, output=output * 64, provider="preview", kind="generate",
                  fields={"prompt": "A fox"}, inputs={"asset:fox": "f" * 64})


def test_put_then_get_returns_the_same_record(tmp_path: Path) -> None:
    index = RunIndex(tmp_path / "index")
    index.put(rec("a"))
    assert index.get("a" * 64) == rec("a")
    assert index.get("b" * 64) is None


def test_all_lists_every_record_and_skips_damaged_ones(tmp_path: Path) -> None:
    index = RunIndex(tmp_path / "index")
    index.put(rec("a"))
    index.put(rec("b", "p"))
    (tmp_path / "index" / "cc").mkdir()
    (tmp_path / "index" / "cc" / f"{'c' * 64}.json").write_text("{truncated")
    assert index.get("c" * 64) is None  # a miss, never a crash
    assert [r.key for r in index.all()] == ["a" * 64, "b" * 64]
