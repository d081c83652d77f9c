"""Issue 17, acceptance: three machines build one 12-shot film at the same moment against one
remote (S3 on loopback, or a folder) and the fake Scenario server: every shot is submitted once
in total and the three end with byte-identical locks and cuts; with one of them killed (SIGKILL)
right after its first submission, the others adopt its job and still pay once per shot.

The three are real `storyboard build` processes, each with its own copy of the project and its
own local cache. On S3 they name themselves as three hosts, so a dead holder is found by its
silent heartbeat (STORYBOARD_LEASE_TTL); on the folder they share this host, where a holder
whose process is gone is taken over at once.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from storyboard.remote import open_remote
from storyboard.remote.conditional import cells
from storyboard.remote.lease import Leases
from storyboard.testing import FakeScenario

pytestmark = pytest.mark.e2e

SHOTS = 12
FILM = "version: 1\nname: team-film\n" \
    "defaults:\n  generate: {model: ray-flash-2, resolution: 540p, aspect_ratio: \"16:9\"}\n" \
    "shots:\n" + "".join(
        f"  s{i:02d}:\n    generate: {{prompt: \"Shot {i} of the fox\", duration: 5}}\n"
        for i in range(SHOTS)) + \
    "cuts:\n  film:\n    resolution: 540p\n    shots:\n" + "".join(
        f"      - {{shot: s{i:02d}, trim: [0, 0.2]}}\n" for i in range(SHOTS))
WHO = ("ann", "bob", "cid")


class Machine:
    """One `storyboard build --json` process; its events are read as they come."""

    def __init__(self, root: Path, env: dict[str, str]) -> None:
        argv = [sys.executable, "-m", "storyboard", "build", "-f", str(root), "--provider",
                "scenario", "--json"]
        self.root = root
        self.proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, start_new_session=True)
        self.events: list[dict[str, Any]] = []
        self.err: list[str] = []
        self.readers = [threading.Thread(target=self._out, daemon=True),
                        threading.Thread(target=self._err, daemon=True)]
        for t in self.readers:
            t.start()

    def _out(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            if line.startswith("{"):
                self.events.append(json.loads(line))

    def _err(self) -> None:
        assert self.proc.stderr is not None
        self.err += list(self.proc.stderr)

    def wait(self, timeout: float = 120) -> int:
        code = self.proc.wait(timeout=timeout)
        for t in self.readers:
            t.join(timeout=5)
        return code

    def kill(self) -> int:
        os.killpg(self.proc.pid, signal.SIGKILL)
        return self.wait()

    def warnings(self) -> list[str]:
        return [e["text"] for e in self.events if e.get("event") == "warning"]

    def stages(self) -> list[str]:
        return [str(e.get("stage")) for e in self.events if e.get("event") == "progress"]

    def submitted(self) -> list[str]:
        """Job ids this machine's journal holds (it sent or adopted them)."""
        out = []
        for p in (self.root / ".storyboard" / "journal").glob("*.json"):
            try:
                job = json.loads(p.read_text("utf-8")).get("job")
            except (OSError, ValueError):
                continue  # being replaced right now
            if job:
                out.append(job)
        return out

    def __str__(self) -> str:
        return f"{self.root.name}: {self.proc.returncode}\n{''.join(self.err)[-3000:]}\n" + \
            "\n".join(json.dumps(e) for e in self.events[-15:])


def _clones(tmp_path: Path) -> list[Path]:
    roots = []
    for who in WHO:
        root = tmp_path / who
        root.mkdir()
        (root / "storyboard.yaml").write_text(FILM, "utf-8")
        roots.append(root)
    return roots


def _env(fake: FakeScenario, remote: str, host: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SCENARIO_", "STORYBOARD_"))}
    env.update(fake.env)
    env.update({"STORYBOARD_POLL_INTERVAL": "0.05", "STORYBOARD_REMOTE": remote,
                "STORYBOARD_LEASE_TTL": "3", "STORYBOARD_HOST": host,
                "SOURCE_DATE_EPOCH": "1767225600", "PYTHONUNBUFFERED": "1"})
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION",
                 "STORYBOARD_S3_ENDPOINT"):
        if name in os.environ:
            env[name] = os.environ[name]
    return env


def _remote(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> tuple[str, bool]:
    """The remote URL, and whether the three name themselves as three hosts."""
    if kind == "s3":
        return f"s3://{request.getfixturevalue('s3_bucket')}/team", True
    folder = tmp_path / "team-cache"
    folder.mkdir()
    return str(folder), False


def _start(fake: FakeScenario, roots: list[Path], remote: str, hosts: bool) -> list[Machine]:
    return [Machine(root, _env(fake, remote, who if hosts else "studio"))
            for root, who in zip(roots, WHO, strict=True)]


def _same_results(machines: list[Machine]) -> None:
    locks = {m.root.name: (m.root / "storyboard.lock").read_bytes() for m in machines}
    cuts = {m.root.name: (m.root / "renders" / "film.mp4").read_bytes() for m in machines}
    assert len(set(locks.values())) == 1, "the locks differ"
    assert len(set(cuts.values())) == 1, "the cuts differ"


def _no_leases_left(remote: str) -> None:
    assert Leases(cells(open_remote(remote))).all() == []


@pytest.mark.parametrize("kind", ["s3", "folder"])
def test_three_machines_pay_once_per_shot_and_agree(
        tmp_path: Path, fake_scenario: FakeScenario, kind: str,
        request: pytest.FixtureRequest) -> None:
    fake_scenario.latency = 0.5
    remote, hosts = _remote(kind, tmp_path, request)
    machines = _start(fake_scenario, _clones(tmp_path), remote, hosts)
    for m in machines:
        assert m.wait() == 0, str(m)
    c = fake_scenario.counters
    assert (c.jobs_created, c.identical_submissions) == (SHOTS, 0)
    _same_results(machines)
    waited = [s for m in machines for s in m.stages() if s.startswith("waiting for ")]
    assert waited, "nobody waited on a teammate's job"
    assert any("'s job job" in s or "'s job " in s for s in waited), waited
    _no_leases_left(remote)


@pytest.mark.parametrize("kind", ["s3", "folder"])
def test_a_machine_killed_after_its_first_submission_costs_nothing_extra(
        tmp_path: Path, fake_scenario: FakeScenario, kind: str,
        request: pytest.FixtureRequest) -> None:
    fake_scenario.latency = 1.5  # its jobs are still running when it dies
    remote, hosts = _remote(kind, tmp_path, request)
    roots = _clones(tmp_path)
    machines = _start(fake_scenario, roots, remote, hosts)
    deadline = time.monotonic() + 60
    first: list[Machine] = []
    while not first and time.monotonic() < deadline:  # the first to submit is the one to die
        first = [m for m in machines if m.submitted()]
        time.sleep(0.002)
    victim = first[0]
    assert victim.kill() == -signal.SIGKILL, f"it ended before it could be killed:\n{victim}"
    orphans = set(victim.submitted())
    others = [m for m in machines if m is not victim]
    for m in others:
        assert m.wait() == 0, str(m)
    c = fake_scenario.counters
    assert (c.jobs_created, c.identical_submissions) == (SHOTS, 0), str(others[0])
    _same_results(others)
    took = [w for m in others for w in m.warnings() if "stopped holding it" in w]
    assert took, "nobody took over the dead machine's leases"
    adopted = {w.split("adopting job ", 1)[1].split()[0] for m in others for w in m.warnings()
               if "adopting job " in w}
    assert orphans <= adopted, (orphans, adopted)  # every job it sent was adopted, not resent
    _no_leases_left(remote)
    # The dead one, restarted, finds everything the others made: no submission, the same lock.
    i = machines.index(victim)
    again = Machine(roots[i], _env(fake_scenario, remote, WHO[i] if hosts else "studio"))
    assert again.wait() == 0, str(again)
    assert fake_scenario.counters.jobs_created == SHOTS
    _same_results([again, *others])
