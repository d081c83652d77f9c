"""The run index remembers every key built in this working copy; a damaged entry is a miss."""

from __future__ import annotations

from pathlib import Path

from storyboard.cache import Record, RunIndex


def rec(key: str, output: str = "e") -> Record:
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
    index.put(rec("b", "d"))
    with (tmp_path / "index" / "runs.jsonl").open("a") as log:
        log.write('{"key": "' + "c" * 64 + '", "outp')  # a kill cut this line short
    again = RunIndex(tmp_path / "index")
    assert again.get("c" * 64) is None  # a miss, never a crash
    assert [r.key for r in again.all()] == ["a" * 64, "b" * 64]
    again.put(rec("d"))  # starts on a line of its own
    assert [r.key for r in RunIndex(tmp_path / "index").all()] == ["a" * 64, "b" * 64, "d" * 64]


def test_a_later_record_of_the_same_key_wins(tmp_path: Path) -> None:
    index = RunIndex(tmp_path / "index")
    index.put(rec("a", "c"))
    index.put(rec("a", "d"))
    assert RunIndex(tmp_path / "index").get("a" * 64) == rec("a", "d")


def test_per_key_files_of_earlier_releases_are_folded_into_the_log(tmp_path: Path) -> None:
    import json
    from dataclasses import asdict

    old = tmp_path / "index" / "aa" / f"{'a' * 64}.json"
    old.parent.mkdir(parents=True)
    old.write_text(json.dumps(asdict(rec("a"))))
    (tmp_path / "index" / "bb").mkdir()
    (tmp_path / "index" / "bb" / f"{'b' * 64}.json").write_text("{truncated")
    assert RunIndex(tmp_path / "index").get("a" * 64) == rec("a")
    assert not old.exists()
    assert RunIndex(tmp_path / "index").get("a" * 64) == rec("a")  # now from the log
