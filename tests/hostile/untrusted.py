"""Running storyboard on an untrusted project the way a user does: the real CLI in a child
process, with bounded memory and time, and snapshots proving what it did not touch."""

from __future__ import annotations

import hashlib
import os
import resource
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import storyboard

REPO = Path(storyboard.__file__).resolve().parent.parent
STILL = REPO / "storyboard" / "templates" / "still.png"
HEAD = "version: 1\nname: untrusted\n"
MEMORY = 1024 * 1024 * 1024  # address space for a command that only reads a file


@dataclass(frozen=True)
class Ran:
    code: int
    out: str


def cli(root: Path, *args: str, env: dict[str, str] | None = None, memory: int | None = MEMORY,
        timeout: float = 120, cwd: Path | None = None) -> Ran:
    """`python -m storyboard ARGS -f ROOT` in a child process with RLIMIT_AS and a timeout;
    asserts it never ends in a traceback or an internal error."""
    full = {k: v for k, v in os.environ.items()
            if not k.startswith(("SCENARIO_", "STORYBOARD_"))}
    full.update({"PYTHONPATH": str(REPO), "NO_COLOR": "1", "COLUMNS": "200"})
    full.update(env or {})

    def limit() -> None:
        if memory is not None:
            resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

    r = subprocess.run([sys.executable, "-m", "storyboard", *args, "-f", str(root)],
                       capture_output=True, text=True, env=full, timeout=timeout,
                       preexec_fn=limit, cwd=cwd or root.parent, check=False)
    out = r.stdout + r.stderr
    assert "Traceback" not in out, out
    assert "internal error" not in out.lower(), out
    return Ran(r.returncode, out)


def project(tmp_path: Path, body: str, *, with_image: bool = True) -> Path:
    """`tmp_path/p` with storyboard.yaml (HEAD + body), assets/a.png, and a sibling folder
    `tmp_path/sibling` holding a file that nothing may touch."""
    root = tmp_path / "p"
    (root / "assets").mkdir(parents=True, exist_ok=True)
    (root / "storyboard.yaml").write_text(HEAD + body, "utf-8")
    if with_image:
        shutil.copyfile(STILL, root / "assets" / "a.png")
    sibling = tmp_path / "sibling"
    sibling.mkdir(exist_ok=True)
    (sibling / "precious.txt").write_text("the user's own file\n", "utf-8")
    return root


def snapshot(folder: Path, skip: tuple[str, ...] = ()) -> dict[str, str]:
    """Every entry under `folder` (links not followed) -> its kind and content digest, except
    those whose relative path starts with one of `skip`."""
    seen: dict[str, str] = {}
    for dirpath, dirs, files in os.walk(folder):
        for name in dirs + files:
            p = Path(dirpath) / name
            rel = p.relative_to(folder).as_posix()
            if rel.startswith(skip):
                continue
            if p.is_symlink():
                seen[rel] = "link " + os.readlink(p)
            elif p.is_file():
                seen[rel] = hashlib.sha256(p.read_bytes()).hexdigest()
            else:
                seen[rel] = "folder" if p.is_dir() else "other"
    return seen


# What a command may change in a project: its outputs and storyboard's own state.
OWN = ("renders", ".storyboard", "storyboard.lock")


class Untouched:
    """Snapshots of the sibling folder and of the project's inputs, compared on `check`."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.sibling = root.parent / "sibling"
        self.before = (snapshot(self.sibling), snapshot(root, OWN))

    def check(self) -> None:
        assert snapshot(self.sibling) == self.before[0], "a file outside the project changed"
        assert snapshot(self.root, OWN) == self.before[1], "a project input changed"
