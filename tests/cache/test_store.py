"""The object store and the stat cache: content by digest, written atomically, read verified;
a file is hashed once while its stat signature holds."""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

import pytest

from storyboard.cache import ObjectStore, StatCache


@pytest.fixture
def store(tmp_path: Path) -> ObjectStore:
    warnings: list[str] = []
    s = ObjectStore(tmp_path / "cache", StatCache(tmp_path / "stat.json"), warnings.append)
    s.warnings = warnings  # type: ignore[attr-defined]
    return s


def later() -> int:
    """A recording clock an hour ahead: the entry was recorded long after the file was written,
    so it is not racy (the racy window is tested on its own below)."""
    return time.time_ns() + 3600 * 10**9


def clip(tmp_path: Path, data: bytes = b"frames") -> Path:
    p = tmp_path / "clip.mp4"
    p.write_bytes(data)
    return p


def test_put_stores_by_sha256_and_move_consumes_the_source(store: ObjectStore,
                                                           tmp_path: Path) -> None:
    src = clip(tmp_path)
    digest = store.put(src, move=True)
    assert digest == hashlib.sha256(b"frames").hexdigest()
    assert store.path(digest) == store.objects / digest[:2] / digest
    assert store.path(digest).read_bytes() == b"frames"
    assert not src.exists()
    assert store.has(digest) and store.digests() == {digest}
    assert not store.tmp.is_dir() or not list(store.tmp.iterdir())  # no temp file left behind


@pytest.mark.parametrize("durable", [True, False])
def test_a_moved_file_is_renamed_into_the_store_not_copied(store: ObjectStore, tmp_path: Path,
                                                          durable: bool) -> None:
    # An 80 MB cut used to be copied (and fsynced) into the store: now the file itself moves.
    src = clip(tmp_path, b"cut" * 1000)
    inode = src.stat().st_ino
    digest = store.put(src, move=True, durable=durable)
    assert store.path(digest).stat().st_ino == inode
    assert digest == hashlib.sha256(b"cut" * 1000).hexdigest()
    assert not src.exists() and store.has(digest)


def test_put_without_move_copies_and_keeps_the_source(store: ObjectStore, tmp_path: Path) -> None:
    src = clip(tmp_path)
    digest = store.put(src)
    assert src.read_bytes() == b"frames"
    assert store.path(digest).stat().st_ino != src.stat().st_ino


def test_a_corrupt_object_is_a_miss_and_a_warning_never_used(store: ObjectStore,
                                                             tmp_path: Path) -> None:
    digest = store.put(clip(tmp_path))
    store.path(digest).write_bytes(b"bit rot")
    assert not store.has(digest)
    assert not store.path(digest).exists()
    assert store.warnings == [  # type: ignore[attr-defined]
        f"cache object {digest[:12]} is corrupt; it will be made again"]


def test_materialize_links_the_object_and_is_a_no_op_when_in_place(store: ObjectStore,
                                                                   tmp_path: Path) -> None:
    digest = store.put(clip(tmp_path))
    dst = tmp_path / "renders" / "main.mp4"
    store.materialize(digest, dst)
    assert dst.read_bytes() == b"frames"
    assert os.stat(dst).st_ino == os.stat(store.path(digest)).st_ino  # a hard link, no copy
    before = dst.stat().st_mtime_ns
    store.materialize(digest, dst)
    assert dst.stat().st_mtime_ns == before


def test_the_stat_cache_hashes_a_file_once_while_it_is_unchanged(tmp_path: Path) -> None:
    f = clip(tmp_path)
    stat = StatCache(tmp_path / "stat.json", clock=later)
    first = stat.digest(f)
    assert stat.digest(f) == first and stat.hashed == 1
    stat.save()
    again = StatCache(tmp_path / "stat.json", clock=later)
    assert again.digest(f) == first and again.hashed == 0  # remembered across commands
    f.write_bytes(b"other frames")
    assert again.digest(f) == hashlib.sha256(b"other frames").hexdigest()
    assert again.hashed == 1


def test_a_damaged_stat_cache_only_costs_hashing_again(tmp_path: Path) -> None:
    (tmp_path / "stat.json").write_text("{not json")
    stat = StatCache(tmp_path / "stat.json")
    assert stat.digest(clip(tmp_path)) == hashlib.sha256(b"frames").hexdigest()
    stat.save()
    assert "entries" in json.loads((tmp_path / "stat.json").read_text())


def _rewrite_in_the_same_tick(stat: StatCache, f: Path, data: bytes) -> None:
    """Rewrite `f` (same size), restore its mtime, and make its ctime what the entry holds:
    what a file system with coarse timestamps shows for a rewrite in the tick of recording."""
    st = f.stat()
    f.write_bytes(data)
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns))
    entry = stat.entries[str(f.resolve())]
    entry[3] = f.stat().st_ctime_ns  # the signature no longer shows the rewrite
    stat.save()


def test_a_file_rewritten_in_the_tick_its_entry_was_recorded_is_hashed_again(
        tmp_path: Path) -> None:
    f = clip(tmp_path, b"frames")
    stat = StatCache(tmp_path / "stat.json")  # recorded now, right after the write: racy
    stat.digest(f)
    _rewrite_in_the_same_tick(stat, f, b"FRAMES")
    again = StatCache(tmp_path / "stat.json")
    assert again.digest(f) == hashlib.sha256(b"FRAMES").hexdigest() and again.hashed == 1
    # Once re-recorded well after the file's last change, the entry is trusted again.
    settled = StatCache(tmp_path / "stat.json", clock=later)
    settled.digest(f)
    assert settled.digest(f) == hashlib.sha256(b"FRAMES").hexdigest() and settled.hashed == 1


def test_an_entry_recorded_long_after_the_write_is_trusted_without_hashing(
        tmp_path: Path) -> None:
    f = clip(tmp_path, b"frames")
    stat = StatCache(tmp_path / "stat.json", clock=later)
    first = stat.digest(f)
    stat.save()
    again = StatCache(tmp_path / "stat.json", clock=later)
    assert again.digest(f) == first and again.hashed == 0  # what keeps a no-op build cheap


def test_an_object_rewritten_in_the_tick_it_was_stored_is_found_corrupt(
        store: ObjectStore, tmp_path: Path) -> None:
    digest = store.put(clip(tmp_path, b"a good render"))  # remembered at once: racy
    obj = store.path(digest)
    obj.chmod(0o644)
    _rewrite_in_the_same_tick(store.stat, obj, b"a BAD! render")
    fresh = ObjectStore(store.root, StatCache(tmp_path / "stat.json"))
    assert not fresh.has(digest) and not obj.exists()


def test_a_stat_cache_of_the_older_layout_is_hashed_again_not_trusted(tmp_path: Path) -> None:
    f = clip(tmp_path, b"frames")
    st = f.stat()
    old = [st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns, "0" * 64]  # no recording time
    (tmp_path / "stat.json").write_text(json.dumps({"entries": {str(f.resolve()): old},
                                                    "facts": {}}))
    stat = StatCache(tmp_path / "stat.json")
    assert stat.digest(f) == hashlib.sha256(b"frames").hexdigest() and stat.damage == ""


def test_has_hashes_a_racy_object_once_and_tells_absent_from_corrupt(store: ObjectStore,
                                                                     tmp_path: Path) -> None:
    """`has` from one lstat: a racy entry (as a build leaves them) is hashed again once and
    then trusted; no file, or a folder in its place, is "not stored" without a warning."""
    digest = store.put(clip(tmp_path, b"a render"))  # recorded as it was written: racy
    settled = ObjectStore(store.root, StatCache(tmp_path / "stat.json", clock=later))
    settled.stat.entries = store.stat.entries
    assert settled.has(digest) and settled.stat.hashed == 1  # hashed again, recorded later
    assert settled.has(digest) and settled.stat.hashed == 1  # then trusted
    missing = hashlib.sha256(b"never stored").hexdigest()
    assert not store.has(missing)
    store.path(missing).mkdir(parents=True)
    assert not store.has(missing) and store.path(missing).is_dir()
    assert store.warnings == []  # type: ignore[attr-defined]
