"""Helpers for the acceptance tests of the "Real shots" issue: a small film, the real CLI run in
a subprocess against the fake Scenario server, and the checks that a finished build is whole."""

from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from storyboard.cache import LockFile, hash_file
from storyboard.media import Ffmpeg
from storyboard.project import Project
from storyboard.testing import FakeScenario

POLL = "0.05"

# Three shots: an image-start generate, one starting on its last frame, a reframe of the first.
# The fake renders one clip per (length, size): the shots differ in one of them, so each result
# is a different file (a real model never returns the same bytes twice either).
SMALL = """\
version: 1
name: small
defaults:
  generate: {{model: ray-flash-2, resolution: 540p, aspect_ratio: "16:9"}}
assets:
  photo: assets/photo.png
shots:
  first:
    generate: {{prompt: "A fox at dawn{tag}", start_frame: photo, duration: 5}}
  second:
    generate: {{prompt: "The fox leaps{tag}", start_frame: first.last_frame, duration: 9}}
  tall:
    reframe: {{model: reframe-video, source: first, aspect_ratio: "9:16"}}
cuts:
  film:
    resolution: 540p
    shots:
      - {{shot: first, trim: [0, 0.5]}}
      - {{shot: second, trim: [0, 0.5]}}
      - {{shot: tall, trim: [0, 0.5]}}
"""
SMALL_SHOTS = ("shot:first", "shot:second", "shot:tall")


def small_film(parent: Path, photo: Path, tag: str = "", name: str = "film") -> Path:
    root = parent / name
    (root / "assets").mkdir(parents=True)
    shutil.copy(photo, root / "assets" / "photo.png")
    (root / "storyboard.yaml").write_text(SMALL.format(tag=tag), "utf-8")
    return root


def write_film(parent: Path, text: str, photo: Path | None = None, name: str = "film") -> Path:
    root = parent / name
    (root / "assets").mkdir(parents=True)
    if photo is not None:
        shutil.copy(photo, root / "assets" / "photo.png")
    (root / "storyboard.yaml").write_text(text, "utf-8")
    return root


def cli_env(fake: FakeScenario, **overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SCENARIO_", "STORYBOARD_"))}
    env.update(fake.env)
    # A short request timeout: a lost submission that made no job is certain after it (by the
    # fake's clock), so same-build recoveries take seconds, not the default minute.
    env.update({"STORYBOARD_POLL_INTERVAL": POLL, "STORYBOARD_HTTP_TIMEOUT": "3",
                "PYTHONUNBUFFERED": "1"})
    env.update(overrides)
    return env


def storyboard(root: Path, *args: str, command: str = "build", debug: bool = False,
               provider: str = "scenario", as_json: bool = True) -> list[str]:
    argv = [sys.executable, "-m", "storyboard"]
    if debug:
        argv.append("--debug")
    argv += [command, "-f", str(root), "--provider", provider]
    if as_json:
        argv.append("--json")
    return argv + list(args)


@dataclass
class Ran:
    code: int
    stdout: str
    stderr: str
    events: list[dict[str, Any]] = field(default_factory=list)

    def of(self, name: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e.get("event") == name]

    def done(self) -> dict[str, str]:
        return {e["node"]: e["status"] for e in self.of("done")}

    def warnings(self) -> list[str]:
        return [e["text"] for e in self.of("warning")]

    def __str__(self) -> str:
        return f"exit {self.code}\nstdout:\n{self.stdout[-4000:]}\nstderr:\n{self.stderr[-4000:]}"


def parse_events(stdout: str) -> list[dict[str, Any]]:
    """The JSON-lines events of `build --json` (other commands print one indented object)."""
    out = []
    for line in stdout.splitlines():
        if line.startswith("{") and line.endswith("}"):
            out.append(json.loads(line))
    return out


def run(argv: list[str], env: dict[str, str], timeout: float = 120) -> Ran:
    r = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=timeout,
                       check=False)
    return Ran(r.returncode, r.stdout, r.stderr, parse_events(r.stdout))


def build_until_done(root: Path, env: dict[str, str], attempts: int = 5,
                     *args: str) -> tuple[Ran, list[Ran]]:
    """Build again while nodes fail (a failed node may need a rebuild); the last run and all."""
    runs: list[Ran] = []
    for _ in range(attempts):
        r = run(storyboard(root, *args), env)
        runs.append(r)
        if r.code == 0:
            return r, runs
        assert r.code == 1, r
    return runs[-1], runs


class LiveBuild:
    """A build subprocess whose JSON events are read as they come, killable with SIGKILL
    (its whole process group, so ffmpeg children die with it)."""

    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        self.started = time.monotonic()
        self.proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, start_new_session=True)
        self.events: list[dict[str, Any]] = []
        self.stderr: list[str] = []
        self._readers = [threading.Thread(target=self._read_out, daemon=True),
                         threading.Thread(target=self._read_err, daemon=True)]
        for t in self._readers:
            t.start()

    def _read_out(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            if line.startswith("{"):
                self.events.append(json.loads(line))

    def _read_err(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.stderr.append(line)

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def saw(self, event: str, node: str | None = None, stages: Iterable[str] = ()) -> bool:
        wanted = set(stages)
        return any(e.get("event") == event and (node is None or e.get("node") == node)
                   and (not wanted or e.get("stage") in wanted) for e in list(self.events))

    def wait_for(self, condition: Callable[[], bool], timeout: float = 60) -> bool:
        """True once `condition` holds; False when the build ended (or timed out) first."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return True
            if self.proc.poll() is not None:
                return condition()
            time.sleep(0.005)
        return False

    def kill(self) -> int:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
        code = self.proc.wait(timeout=30)
        for t in self._readers:
            t.join(timeout=5)
        return code


def journal(root: Path) -> list[dict[str, Any]]:
    out = []
    for p in sorted((root / ".storyboard" / "journal").glob("*.json")):
        try:
            out.append(json.loads(p.read_text("utf-8")))
        except (OSError, ValueError):
            continue  # being replaced right now
    return out


def journal_has(root: Path, node: str, state: str) -> bool:
    return any(e.get("node") == node and e.get("state") == state for e in journal(root))


def assert_complete(root: Path, fake: FakeScenario, cut: str = "renders/film.mp4",
                    shots: Iterable[str] = SMALL_SHOTS) -> dict[str, str]:
    """The film is whole: the cut plays, the lock is valid and names every node with a
    distinct successful job, nothing is left to run, the journal holds nothing unfinished and
    every stored object matches its digest. Returns node -> job id."""
    info = Ffmpeg().probe(root / cut)
    assert info.kind == "video" and info.duration and info.duration > 0, info
    text = (root / "storyboard.lock").read_text("utf-8")
    assert text.startswith("schema: 1\n")
    lock = LockFile(root / "storyboard.lock")
    server = {j.job_id: j for j in fake.jobs}
    jobs: dict[str, str] = {}
    for node in shots:
        rec = lock.nodes[node]
        assert rec.job is not None and rec.job in server, (node, rec)
        assert server[rec.job].status == "success", server[rec.job]
        assert rec.model == server[rec.job].model_id
        jobs[node] = rec.job
    assert len(set(jobs.values())) == len(jobs), jobs
    plan = Project.load(root).plan(provider="scenario", estimate=False)
    stale = [(r.label, [x.text for x in r.reasons]) for r in plan.nodes if r.status != "cached"]
    assert not stale, stale
    unfinished = [e for e in journal(root) if e.get("state") != "done"]
    assert not unfinished, unfinished
    for obj in (root / ".storyboard" / "cache" / "objects").glob("*/*"):
        assert hash_file(obj) == obj.name, obj
    return jobs


def secrets_of(key: str, secret: str) -> tuple[str, ...]:
    """The key, the secret, and the Basic token made from them."""
    return (key, secret, base64.b64encode(f"{key}:{secret}".encode()).decode())


def files_containing(root: Path, needles: Iterable[str]) -> list[tuple[str, str]]:
    raw = [n.encode() for n in needles]
    hits = []
    for p in root.rglob("*"):
        if p.is_file():
            data = p.read_bytes()
            hits += [(str(p.relative_to(root)), n.decode()) for n in raw if n in data]
    return hits
