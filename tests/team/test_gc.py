"""`storyboard gc`: keeps every object something names, removes the rest and orphan temps."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from team_helpers import build, edit, sb

from storyboard.cache.lockfile import Record
from storyboard.engine import Journal
from storyboard.project import Project

pytestmark = pytest.mark.e2e

FILM = """\
version: 1
name: gc-film
defaults:
  generate: {model: ray-flash-2, resolution: 540p, aspect_ratio: "16:9", duration: 5}
shots:
  dawn:
    generate: {prompt: A fox at dawn}
  globe:
    loop: {prompt: A snow globe}
"""
OLD = time.time() - 3600


def _blob(p: Project, tmp: Path, name: str) -> str:
    src = tmp / name
    src.write_bytes(name.encode() * 1000)
    digest = p.ws.store.put(src)
    os.utime(p.ws.store.path(digest), (OLD, OLD))
    return digest


def test_gc_keeps_what_is_named_and_removes_the_rest(tmp_path: Path) -> None:
    root = tmp_path / "film"
    root.mkdir()
    (root / "storyboard.yaml").write_text(FILM)
    build(root)
    edit(root / "storyboard.yaml", "A fox at dawn", "A fox at dusk")
    build(root)  # the dawn take goes to the lock history (and stays in the index)
    p = Project.load(root)
    lock_history = p.ws.lock.history["shot:dawn"][0].output
    current = {r.output for r in p.ws.lock.nodes.values()}

    # Objects named by one place only, and objects nothing names.
    by_index = _blob(p, tmp_path, "index-only")
    p.ws.index.put(Record(key="c" * 64, output=by_index, provider="preview", kind="generate"))
    by_journal = _blob(p, tmp_path, "journal-only")
    j = Journal(p.ws.work / "journal")
    j.done(j.submitted(j.intent("d" * 64, "shot:x", "scenario"), "job-1"), by_journal)
    junk = [_blob(p, tmp_path, f"junk{i}") for i in range(3)]
    recent = _blob(p, tmp_path, "recent")
    os.utime(p.ws.store.path(recent), None)  # just written: a running build's, maybe
    temp = p.ws.work / "cache" / "tmp" / "in-123-456-clip.mp4"
    temp.parent.mkdir(parents=True, exist_ok=True)
    temp.write_bytes(b"x" * 100)
    lock_tmp = root / ".storyboard.lock.tmp999"
    lock_tmp.write_text("half a lock")
    index_tmp = p.ws.work / "index" / "ab" / "abc.tmp999"
    index_tmp.parent.mkdir(parents=True, exist_ok=True)
    index_tmp.write_text("{")
    mine = root / "notes.tmp1"  # the user's own file: never touched
    mine.write_text("mine")
    for f in (temp, lock_tmp, index_tmp, mine):
        os.utime(f, (OLD, OLD))
    before = p.ws.store.digests()

    dry = sb("gc", "-f", str(root), "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert p.ws.store.digests() == before and temp.exists() and lock_tmp.exists()
    for d in junk:
        assert f"would remove object {d}  4.9 KB" in dry.output
    assert "would remove 3 objects and 3 temp files" in dry.output
    assert "1 recent unnamed ones" in dry.output

    r = sb("gc", "-f", str(root))
    assert r.exit_code == 0, r.output
    after = p.ws.store.digests()
    assert after == before - set(junk)
    assert {lock_history, by_index, by_journal, recent} | current <= after
    assert not temp.exists() and not lock_tmp.exists() and not index_tmp.exists()
    assert mine.exists()
    # Nothing named was lost: the current film and the earlier take build with nothing to run.
    assert build(root).count("done") == 0
    edit(root / "storyboard.yaml", "A fox at dusk", "A fox at dawn")
    assert build(root).count("done") == 0

    again = sb("gc", "-f", str(root), "--grace", "0")
    assert "removed 1 objects" in again.output  # the recent one, once the grace is waived
    assert recent not in p.ws.store.digests()
