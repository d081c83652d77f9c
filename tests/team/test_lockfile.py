"""The lock file's layout and history: sorted, byte-stable, one blank line between entries,
every earlier key of a node remembered (deduplicated, capped), old locks still read."""

from __future__ import annotations

from pathlib import Path

from storyboard.cache import LockFile, Record
from storyboard.cache.lockfile import HISTORY_CAP
from storyboard.cache.merge import merge_locks


def rec(key: str, time: str, take: int = 1, out: str = "") -> Record:
    out = out or key
    return Record(key=key * 64 if len(key) == 1 else key,
                  output=out * 64 if len(out) == 1 else out,
                  provider="preview", kind="generate", time=time, take=take,
                  fields={"prompt": f"p{key}"})


def test_layout_is_sorted_spaced_and_byte_stable(tmp_path: Path) -> None:
    lock = LockFile(tmp_path / "storyboard.lock")
    lock.nodes["shot:b"] = rec("b", "2026-01-02T00:00:00Z")
    lock.nodes["shot:a"] = rec("a", "2026-01-01T00:00:00Z")
    lock.nodes["shot:a"] = rec("c", "2026-01-03T00:00:00Z", take=2)
    lock.save()
    text = lock.path.read_text()
    assert text.startswith("schema: 1\n\nnodes:\n\n  shot:a:\n")
    assert text.index("  shot:a:") < text.index("  shot:b:") < text.index("history:")
    assert "\n\n  shot:b:\n" in text and "\n\n  shot:b: []\n" in text
    # Every entry is separated by a blank line: hunks of two different nodes never touch.
    body = text.split("nodes:\n", 1)[1]
    for block in body.split("\n\n"):
        assert block.count("\n  shot:") <= 1
    again = LockFile(lock.path)
    assert again.render() == text
    again.save()
    assert lock.path.read_text() == text
    assert [(h.key, h.take) for h in again.history["shot:a"]] == [("a" * 64, 1)]
    assert again.find("a" * 64) is not None and again.find("c" * 64) is not None
    assert again.outputs() == {"a" * 64, "b" * 64, "c" * 64}


def test_history_is_deduplicated_and_capped(tmp_path: Path) -> None:
    lock = LockFile(tmp_path / "storyboard.lock")
    key = [f"{i:064d}" for i in range(HISTORY_CAP + 5)]
    for i, k in enumerate(key):
        lock.nodes["shot:a"] = rec(k, f"2026-01-01T00:00:{i:02d}Z", take=i + 1)
        lock.nodes["shot:a"] = rec(k, f"2026-01-01T00:00:{i:02d}Z", take=i + 1)  # again: no-op
    lock.save()
    assert [h.key for h in LockFile(lock.path).history["shot:a"]] == key[4:-1]  # newest 20

    lock.nodes["shot:a"] = rec(key[10], "2026-01-01T00:00:10Z", take=11)  # back to take 11
    lock.save()
    hist = [h.key for h in LockFile(lock.path).history["shot:a"]]
    assert key[10] not in hist  # the current key is not repeated in the history
    assert hist == [k for k in key[5:] if k != key[10]]  # the latest take joined, oldest left
    assert len(hist) == len(set(hist)) <= HISTORY_CAP


def test_a_lock_without_history_from_an_earlier_release_still_reads(tmp_path: Path) -> None:
    p = tmp_path / "storyboard.lock"
    p.write_text("schema: 1\nnodes:\n  shot:a:\n    key: " + "a" * 64 + "\n    kind: generate\n"
                 "    output: " + "b" * 64 + "\n    provider: preview\n    take: 1\n")
    lock = LockFile(p)
    assert lock.nodes["shot:a"].output == "b" * 64 and lock.history == {}
    assert "\nhistory:\n\n  shot:a: []\n" in lock.render()


def test_merge_takes_each_side_s_changes_and_keeps_both_of_a_node_changed_twice(
        tmp_path: Path) -> None:
    def lock(name: str, **nodes: Record) -> LockFile:
        lf = LockFile(tmp_path / name)
        for k, v in nodes.items():
            lf.nodes[k] = v
        return lf

    t = "2026-01-01T00:00:00Z"
    base = lock("base", **{"shot:a": rec("a", t), "shot:b": rec("b", t), "cut:c": rec("c", t)})
    ours = lock("ours", **{"shot:a": rec("d", t), "shot:b": rec("b", t), "cut:c": rec("e", t)})
    theirs = lock("theirs", **{"shot:a": rec("a", t), "shot:b": rec("f", t),
                               "cut:c": rec("g", t)})
    merged, both = merge_locks(base, ours, theirs)
    assert both == ["cut:c"]
    assert {k: v.key[0] for k, v in merged.nodes.items()} == {"shot:a": "d", "shot:b": "f",
                                                            "cut:c": "e"}
    assert {h.key[0] for h in merged.history["cut:c"]} == {"c", "g"}
    assert {h.key[0] for h in merged.history["shot:a"]} == {"a"}
    assert {h.key[0] for h in merged.history["shot:b"]} == {"b"}


def test_bytes_do_not_depend_on_libyaml(tmp_path: Path) -> None:
    """Blocks are emitted by libyaml when PyYAML has it; the text must be what the pure emitter
    writes, including the characters libyaml escapes differently (CR, NEL, beyond the BMP)."""
    from dataclasses import asdict

    import yaml

    lock = LockFile(tmp_path / "storyboard.lock")
    prompts = ["plain", "héllo — ✓ 中", "emoji 🎬 clap", "cr\rhere", "nel\x85here", "ls\u2028x",
               "yes", "123", "a: b", "#x", "multi\nline", " lead", "'quoted'", "x" * 500]
    for i, prompt in enumerate(prompts):
        r = rec(f"{i:064x}", "2026-01-01T00:00:00Z")
        r.fields = {"prompt": prompt, "n": [1, 2.5, {"deep": prompt}]}
        lock.nodes[f"shot:s{i}"] = r
    text = lock.render()
    for node_id, r in lock.nodes.items():
        pure = yaml.dump({node_id: {k: v for k, v in asdict(r).items() if v not in (None, {}, "")}},
                         Dumper=yaml.SafeDumper, sort_keys=True, allow_unicode=True,
                         default_flow_style=False, width=1 << 30)
        assert "".join("  " + line for line in pure.splitlines(keepends=True)) in text
    assert yaml.safe_load(text)["nodes"]["shot:s2"]["fields"]["prompt"] == "emoji 🎬 clap"


def test_the_json_memo_reads_the_same_lock_and_never_a_stale_one(tmp_path: Path) -> None:
    lock_path, memo = tmp_path / "storyboard.lock", tmp_path / ".storyboard" / "lock-memo.json"
    lock = LockFile(lock_path, memo)
    lock.nodes["shot:a"] = rec("a", "2026-01-01T00:00:00Z")
    lock.nodes["shot:a"] = rec("b", "2026-01-02T00:00:00Z", take=2)
    lock.nodes["shot:c"] = rec("c", "2026-01-03T00:00:00Z")
    lock.save()
    assert memo.is_file()
    by_yaml, by_memo = LockFile(lock_path), LockFile(lock_path, memo)
    assert by_memo.nodes == by_yaml.nodes and by_memo.history == by_yaml.history
    assert by_memo.render() == lock_path.read_text()

    # Edited by hand (or by git): the memo no longer matches the text and is not used.
    lock_path.write_text(lock_path.read_text().replace("prompt: pc", "prompt: edited"))
    edited = LockFile(lock_path, memo)
    assert edited.nodes["shot:c"].fields == {"prompt": "edited"}
    # ...and one change re-renders to the same bytes the YAML path gives.
    edited.nodes["shot:c"] = rec("d", "2026-01-04T00:00:00Z")
    fresh = LockFile(lock_path)
    fresh.nodes["shot:c"] = rec("d", "2026-01-04T00:00:00Z")
    assert edited.render() == fresh.render()


def test_saving_an_unchanged_lock_leaves_the_file_alone(tmp_path: Path) -> None:
    lock = LockFile(tmp_path / "storyboard.lock")
    lock.nodes["shot:a"] = rec("a", "2026-01-01T00:00:00Z")
    lock.save()
    before = lock.path.stat()
    again = LockFile(lock.path)
    again.nodes["shot:a"] = again.nodes["shot:a"]  # the same record: no change
    again.save()
    after = lock.path.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
