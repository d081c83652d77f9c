"""One home per library for the team features: fsspec and s3fs in storyboard/remote/ only,
ruamel.yaml in storyboard/takes.py only; and importing the CLI does not import them."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PKG = Path(__file__).resolve().parents[2] / "storyboard"
HOMES = {"fsspec": "storyboard/remote/backend.py", "s3fs": "storyboard/remote/",
         "ruamel": "storyboard/takes.py", "boto3": "-", "botocore": "-", "moto": "-"}


def imports() -> list[tuple[str, str]]:
    """(module file, imported name) for every absolute import in the package."""
    out = []
    for path in PKG.rglob("*.py"):
        rel = "storyboard/" + path.relative_to(PKG).as_posix()
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Import):
                out += [(rel, a.name) for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                out.append((rel, node.module))
    return out


def test_each_library_has_one_home() -> None:
    found = imports()
    for lib, home in HOMES.items():
        offenders = {rel for rel, name in found
                     if (name == lib or name.startswith(lib + ".")) and not rel.startswith(home)}
        assert not offenders, f"{lib} imported outside its home: {sorted(offenders)}"


def test_the_cli_starts_without_importing_fsspec_or_ruamel() -> None:
    code = ("import sys, storyboard.cli.main; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('fsspec', 's3fs', 'ruamel', 'botocore')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"
