"""Helpers for the team tests: a real git repository driver, films, builds and the CLI."""

from __future__ import annotations

import subprocess
from pathlib import Path

from click.testing import CliRunner, Result

from storyboard.cli.main import cli
from storyboard.engine import RecordingReporter, Summary
from storyboard.project import Project

GITIGNORE = ".storyboard/\nrenders/\n"


class Git:
    """A real git repository in a folder; every call checks its exit code."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def __call__(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        r = subprocess.run(["git", *args], cwd=self.root, capture_output=True, text=True,
                           check=False)
        if check and r.returncode != 0:
            raise AssertionError(f"git {' '.join(args)} failed:\n{r.stdout}\n{r.stderr}")
        return r

    def _identity(self, who: str) -> None:
        self("config", "user.email", f"{who.lower()}@storyboard.invalid")
        self("config", "user.name", who)
        self("config", "commit.gpgsign", "false")

    @classmethod
    def init(cls, root: Path) -> Git:
        root.mkdir(parents=True, exist_ok=True)
        g = cls(root)
        g("init", "-q", "-b", "main")
        g._identity("Ann")
        (root / ".gitignore").write_text(GITIGNORE)
        return g

    @classmethod
    def clone(cls, src: Path, dst: Path, who: str = "Bob") -> Git:
        subprocess.run(["git", "clone", "-q", str(src), str(dst)], check=True,
                       capture_output=True)
        g = cls(dst)
        g._identity(who)
        return g

    def commit(self, message: str) -> str:
        self("add", "-A")
        self("commit", "-q", "-m", message)
        return self("rev-parse", "HEAD").stdout.strip()


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new), "utf-8")


def build(root: Path, **kw: object) -> Summary:
    summary = Project.load(root / "storyboard.yaml").build(reporter=RecordingReporter(),
                                                           **kw)  # type: ignore[arg-type]
    assert summary.failed == [], summary.as_dict()
    return summary


def ran(summary: Summary) -> set[str]:
    return {r.node for r in summary.results if r.status == "done"}


def sb(*args: str) -> Result:
    """Run the storyboard CLI in-process (CliRunner) and return the result."""
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def store_with(tmp_path: Path, film: str, n: int, repeat: int = 5000
               ) -> tuple[Project, list[str]]:
    """A project of `film` whose cache holds `n` distinct objects (for push and pull tests)."""
    root = tmp_path / "p"
    root.mkdir()
    (root / "storyboard.yaml").write_text(film)
    p = Project.load(root)
    digests = []
    for i in range(n):
        src = tmp_path / f"blob{i}"
        src.write_bytes(f"object {i} ".encode() * repeat)
        digests.append(p.ws.store.put(src))
    return p, digests
