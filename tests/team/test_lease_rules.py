"""The lease rules, on a folder remote with fake clocks (fast): a conditional create succeeds
once, a write on a stale ETag fails, a lease is taken over only when its ETag stood still for
the TTL (or its holder is certainly gone), and `status --remote` / `gc` show and clear them."""

from __future__ import annotations

import json
from pathlib import Path

from team_helpers import sb

from storyboard.remote import open_remote
from storyboard.remote.conditional import FolderCells, cells
from storyboard.remote.lease import Leases

K1, K2, K3 = "1" * 64, "2" * 64, "3" * 64
FILM = """\
version: 1
name: leased
shots:
  dawn:
    generate: {prompt: A fox at dawn, model: ray-flash-2, duration: 5}
"""


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def test_folder_cells_create_once_and_swap_only_on_the_etag_read(tmp_path: Path) -> None:
    c = FolderCells(tmp_path)
    first = c.create("leases/a.json", b"one")
    assert first is not None and c.create("leases/a.json", b"two") is None
    assert c.read("leases/a.json") == (b"one", first)
    second = c.replace("leases/a.json", b"two", first)
    assert second is not None and second != first
    assert c.replace("leases/a.json", b"three", first) is None  # someone wrote since
    assert c.delete("leases/a.json", first) is False
    assert c.delete("leases/a.json", second) is True and c.read("leases/a.json") is None
    assert not [p for p in (tmp_path / "leases").iterdir() if p.name.startswith(".tmp-")]


def _two(tmp_path: Path, ttl: float = 10.0) -> tuple[Leases, Leases, Clock]:
    mono = Clock()
    c = cells(open_remote(str(tmp_path)))
    ann = Leases(c, ttl, host="ann", mono=mono, clock=mono)
    bob = Leases(c, ttl, host="bob", mono=mono, clock=mono)
    return ann, bob, mono


def test_a_live_lease_is_waited_on_and_a_silent_one_taken_over_with_its_job(
        tmp_path: Path) -> None:
    ann, bob, mono = _two(tmp_path)
    held = ann.acquire(K1, "shot:dawn", "scenario")
    assert held is not None and bob.acquire(K1, "shot:dawn", "scenario") is None
    assert ann.set_job(held, "job_1")
    lease, etag = bob.read(K1) or (None, "")
    assert lease is not None and lease.job == "job_1" and lease.host == "ann"
    assert not bob.stale(lease, etag)
    mono.t += 9
    assert ann.beat(held)  # the heartbeat changes the ETag: the wait starts again
    lease, etag = bob.read(K1) or (None, "")
    assert lease is not None and not bob.stale(lease, etag)
    mono.t += 9
    assert not bob.stale(lease, etag)
    mono.t += 2  # 11 s without a change, past the 10 s TTL: ann is gone
    assert bob.stale(lease, etag)
    taken = bob.take_over(K1, lease, etag, "shot:dawn", "scenario")
    assert taken is not None and taken.lease.job == "job_1" and taken.lease.host == "bob"
    assert not ann.beat(held)  # ann, back from a stall, learns it lost the lease
    assert bob.take_over(K1, lease, etag, "shot:dawn", "scenario") is None  # only once


def test_abandoned_and_dead_process_leases_are_taken_over_at_once(tmp_path: Path) -> None:
    ann, bob, _mono = _two(tmp_path)
    held = ann.acquire(K1, "shot:dawn", "scenario")
    assert held is not None and ann.abandon(held)
    lease, etag = bob.read(K1) or (None, "")
    assert lease is not None and bob.stale(lease, etag)
    # The same host, another build whose process is gone (a kill -9): no wait either.
    c = ann.cells
    mine = Leases(c, 10.0, host="studio", alive=lambda pid: False)
    other = Leases(c, 10.0, host="studio", alive=lambda pid: False)
    assert mine.acquire(K2, "shot:dusk", "scenario") is not None
    lease, etag = other.read(K2) or (None, "")
    assert lease is not None and other.stale(lease, etag) and other.gone(lease)
    # A damaged lease reads as abandoned: taken over, never a reason to wait forever.
    (Path(c.root) / "leases" / f"{K3}.json").write_text("{not json")  # type: ignore[attr-defined]
    lease, etag = bob.read(K3) or (None, "")
    assert lease is not None and lease.abandoned and bob.stale(lease, etag)


def test_status_shows_leases_and_gc_clears_those_whose_holders_are_gone(
        tmp_path: Path) -> None:
    (tmp_path / "storyboard.yaml").write_text(FILM)
    remote = tmp_path / "team-cache"
    remote.mkdir()
    c = cells(open_remote(str(remote)))
    live = Leases(c, 60.0, host="ci-runner-7")
    held = live.acquire(K1, "shot:dawn", "scenario")
    assert held is not None and live.set_job(held, "job_live")
    dead = Leases(c, 60.0, host="laptop")
    gone_no_job = dead.acquire(K2, "shot:dusk", "scenario")
    gone_with_job = dead.acquire(K3, "shot:noon", "scenario")
    assert gone_no_job is not None and gone_with_job is not None
    assert dead.abandon(gone_no_job)
    assert dead.set_job(gone_with_job, "job_orphan") and dead.abandon(gone_with_job)

    r = sb("status", "-f", str(tmp_path), "--remote", str(remote))
    assert r.exit_code == 0, r.output
    assert f"3 leases on {remote}:" in r.output
    assert "shot:dawn" in r.output and "live ci-runner-7 (pid" in r.output
    assert "job job_live" in r.output and "gone laptop" in r.output
    r = sb("status", "-f", str(tmp_path), "--remote", str(remote), "--json")
    rows = {row["node"]: row for row in json.loads(r.output)["leases"]}
    assert rows["shot:dawn"]["holder"].startswith("ci-runner-7") and not rows["shot:dawn"]["gone"]

    r = sb("gc", "-f", str(tmp_path), "--remote", str(remote))
    assert r.exit_code == 0, r.output
    assert "removed lease of shot:dusk (holder laptop" in r.output
    assert "kept lease of shot:noon" in r.output and "job_orphan" in r.output
    left = {lease.key for lease, _ in live.all()}
    assert left == {K1, K3}  # the live one, and the one whose job someone must adopt
