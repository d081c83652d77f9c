"""`storyboard graph` prints Mermaid that the real Mermaid parser accepts (node + jsdom).

Mermaid and jsdom come from npm: `.ci/run` installs them into tests/graph/node_modules (from
tests/graph/package.json); STORYBOARD_MERMAID_DIR names another folder holding node_modules.
Without them these tests are skipped and say why; nothing is installed from here.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from storyboard.cli.main import cli

pytestmark = pytest.mark.e2e  # node and Mermaid: about a second a parse

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).parent


@pytest.fixture(scope="session")
def mermaid_checker() -> Path:
    """A folder with check_mermaid.mjs beside node_modules holding mermaid and jsdom."""
    if shutil.which("node") is None:
        pytest.skip("node is needed to run the real Mermaid parser (`.ci/run` needs it too)")
    folder = Path(os.environ.get("STORYBOARD_MERMAID_DIR") or HERE)
    if not (folder / "node_modules" / "mermaid").is_dir() or \
            not (folder / "node_modules" / "jsdom").is_dir():
        pytest.skip(f"mermaid and jsdom are not in {folder / 'node_modules'}: `.ci/run` installs "
                    "them (npm install --prefix tests/graph), or set STORYBOARD_MERMAID_DIR")
    if folder != HERE:  # an ES module resolves its imports from its own folder
        shutil.copy(HERE / "check_mermaid.mjs", folder / "check_mermaid.mjs")
    return folder


def parse(checker: Path, text: str, tmp_path: Path) -> dict[str, object]:
    f = tmp_path / "graph.mmd"
    f.write_text(text, "utf-8")
    r = subprocess.run(["node", str(checker / "check_mermaid.mjs"), str(f)], cwd=checker,
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
