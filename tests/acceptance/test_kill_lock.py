"""Acceptance (issue 14): `kill -9` of a 300-node build at random moments loses no finished node,
and the lock the next build writes is byte for byte the lock of a build never interrupted.

The moments are event counts read from the build's own JSON lines, never sleeps: the test reads
until the k-th finished node, then stops reading; the build soon blocks on its full output pipe
(made small), so it is certainly still running when it is killed, somewhere past that node.
Every line it wrote before the kill is read afterwards: a node reported done in a killed build
must come back `cached` in every later build (a lost result would run, and be done, again). A
node may also come back cached without having been reported: the kill can fall between its
record and its event.
The stand-in provider (bench/nullprovider.py, loaded as plugins are) renders nothing, and
SOURCE_DATE_EPOCH makes the recorded times the same in every build.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "bench"))
from nullprovider import make_project  # noqa: E402

NODES = 300
ROUNDS = 3  # each: two builds killed at random moments, then one that finishes
KILLS = 2
PIPE = 4096  # bytes: a few finished nodes' worth of events
SEED = 14


def env() -> dict[str, str]:
    e = {k: v for k, v in os.environ.items() if not k.startswith(("SCENARIO_", "STORYBOARD_"))}
    e["PYTHONPATH"] = os.pathsep.join([str(REPO), str(REPO / "bench"),
                                       e.get("PYTHONPATH", "")])
    e["SOURCE_DATE_EPOCH"] = "1767225600"
    e["PYTHONUNBUFFERED"] = "1"
    return e


def argv(root: Path) -> list[str]:
    return [sys.executable, "-m", "storyboard", "build", "-f", str(root), "--provider",
            "nullprovider:make", "--json", "--jobs", "8"]


def events(text: str) -> list[dict[str, Any]]:
    out = []
    for line in text.splitlines():
        try:
            out.append(json.loads(line))
        except ValueError:
            continue  # the line the kill cut short
    return out


def finished(evs: list[dict[str, Any]], status: str) -> list[str]:
    return [e["node"] for e in evs if e.get("event") == "done" and e.get("status") == status
            ] + ([e["node"] for e in evs if e.get("event") == "cached"]
                 if status == "cached" else [])


def killed_build(root: Path, after: int) -> list[dict[str, Any]]:
    """A build killed once `after` nodes have finished; every event it wrote before dying."""
    proc = subprocess.Popen(argv(root), env=env(), stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    assert proc.stdout is not None
    try:
        import fcntl
        fcntl.fcntl(proc.stdout.fileno(), fcntl.F_SETPIPE_SZ, PIPE)
    except (ImportError, AttributeError, OSError):
        proc.kill()
        proc.wait()
        pytest.skip("needs Linux pipes whose size can be set (F_SETPIPE_SZ)")
    watchdog = threading.Timer(300, lambda: os.killpg(proc.pid, signal.SIGKILL))
    watchdog.start()
    lines: list[bytes] = []
    done = 0
    try:
        for line in proc.stdout:
            lines.append(line)
            if b'"event": "done"' in line and b'"status": "done"' in line:
                done += 1
                if done >= after:
                    break
        alive = proc.poll() is None
        os.killpg(proc.pid, signal.SIGKILL)
        code = proc.wait()
        lines.append(proc.stdout.read())  # what it wrote between our last read and the kill
    finally:
        watchdog.cancel()
    assert alive and code == -signal.SIGKILL, f"the build ended before the kill ({code})"
    return events(b"".join(lines).decode("utf-8", "replace"))


def whole_build(root: Path) -> list[dict[str, Any]]:
    r = subprocess.run(argv(root), env=env(), capture_output=True, text=True, timeout=600,
                       check=False)
    assert r.returncode == 0, r.stderr[-3000:]
    return events(r.stdout)


def test_kill_9_at_random_moments_loses_nothing_and_the_lock_is_the_same(
        tmp_path: Path) -> None:
    reference = tmp_path / "reference"
    make_project(reference, NODES)
    first = whole_build(reference)
    assert len(finished(first, "done")) == NODES
    expected = (reference / "storyboard.lock").read_bytes()

    rng = random.Random(SEED)
    for r in range(ROUNDS):
        root = tmp_path / f"round{r}"
        root.mkdir()
        shutil.copy(reference / "storyboard.yaml", root / "storyboard.yaml")
        made: set[str] = set()
        left = NODES
        for k in range(KILLS):
            # Leave enough to do that the build must block on its pipe before it could end.
            after = rng.randint(1, left - 60)
            evs = killed_build(root, after)
            done = finished(evs, "done")
            assert not made & set(done), f"round {r}, kill {k}: ran again: {made & set(done)}"
            assert len(done) >= after
            made |= set(done)
            left = NODES - len(made)
        last = whole_build(root)
        again = set(finished(last, "done"))
        cached = set(finished(last, "cached"))
        assert not made & again, f"round {r}: results lost and built again: {made & again}"
        assert made <= cached, f"round {r}: reported done, not cached: {made - cached}"
        # A node can be recorded and the build killed before its event is written (records
        # go first, so that nothing paid for is lost): it comes back cached, unreported.
        assert not again & cached
        assert again | cached == {e["node"] for e in first if e.get("event") == "done"}
        assert (root / "storyboard.lock").read_bytes() == expected, f"round {r}: lock differs"
