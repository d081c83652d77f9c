"""A command imports only what it uses: `--help` loads no graph, pydantic or networkx; validate
no asyncio, media, ffmpeg, settings, filelock, rich or httpx; nothing loads OTIO or fsspec
unless it exports or talks to a remote. Checked in a fresh interpreter, as a user runs it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = ("networkx", "pydantic", "pydantic_settings", "httpx", "rich", "ffmpeg",
         "opentimelineio", "fsspec", "s3fs", "asyncio", "filelock", "storyboard.engine.runner",
         "storyboard.media.ffmpeg_tool")
FILM = "version: 1\nname: lazy\nshots:\n  a:\n    generate: {prompt: A fox}\n"


def loaded_by(args: list[str], cwd: Path) -> set[str]:
    code = ("import sys, json\nfrom storyboard.cli.fast import main\ntry:\n    main(sys.argv[1:])\n"
            "except SystemExit:\n    pass\nsys.stderr.write(json.dumps(sorted(sys.modules)))")
    r = subprocess.run([sys.executable, "-c", code, *args], cwd=cwd, capture_output=True,
                       text=True, check=False)
    return set(json.loads(r.stderr.splitlines()[-1])) & set(HEAVY)


@pytest.mark.e2e
@pytest.mark.parametrize(("args", "allowed"), [
    (["--help"], set()),
    (["validate"], {"networkx", "pydantic"}),
    (["graph"], {"networkx", "pydantic"}),
])
def test_a_command_imports_only_what_it_uses(tmp_path: Path, args: list[str],
                                             allowed: set[str]) -> None:
    (tmp_path / "storyboard.yaml").write_text(FILM, "utf-8")
    assert loaded_by(args, tmp_path) <= allowed
