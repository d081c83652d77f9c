"""`storyboard graph` prints Mermaid that the real Mermaid parser accepts (node + jsdom)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from storyboard.cli.main import cli

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).parent
PACKAGES = ["mermaid@11.17.2", "jsdom@25.0.1"]


@pytest.fixture(scope="session")
def mermaid_checker() -> Path:
    """A folder with Mermaid and jsdom from the npm registry, installed once per machine."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("node and npm are needed to run the real Mermaid parser")
    cache = Path.home() / ".cache" / "storyboard-tests" / "mermaid-11.17.2"
    if not (cache / "node_modules" / "mermaid").is_dir():
        cache.mkdir(parents=True, exist_ok=True)
        (cache / "package.json").write_text('{"name": "mermaid-check", "private": true}')
        r = subprocess.run(["npm", "install", "--no-audit", "--no-fund", *PACKAGES], cwd=cache,
                           capture_output=True, text=True, check=False)
        if r.returncode != 0:
            pytest.skip(f"npm could not install Mermaid: {r.stderr[-300:]}")
    shutil.copy(HERE / "check_mermaid.mjs", cache / "check.mjs")
    return cache


def parse(checker: Path, text: str, tmp_path: Path) -> dict[str, object]:
    f = tmp_path / "graph.mmd"
    f.write_text(text, "utf-8")
    r = subprocess.run(["node", str(checker / "check.mjs"), str(f)], cwd=checker,
                       capture_output=True, text=True, check=False, timeout=120)
    return json.loads(r.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


@pytest.mark.parametrize("example", ["trailer", "minimal"])
def test_graph_of_examples_is_accepted_by_mermaid(
    mermaid_checker: Path, tmp_path: Path, example: str
) -> None:
    r = CliRunner().invoke(cli, ["graph", "-f", str(ROOT / "examples" / example)])
    assert r.exit_code == 0, r.output
    assert r.output.startswith("flowchart LR")
    result = parse(mermaid_checker, r.output, tmp_path)
    assert result == {"ok": True, "type": "flowchart-v2"}, result


def test_the_checker_rejects_broken_mermaid(mermaid_checker: Path, tmp_path: Path) -> None:
    assert parse(mermaid_checker, 'flowchart LR\n  a[["x" --> \n', tmp_path)["ok"] is False
