"""Inputs that ended in "internal error": an asset path the file system refuses, a shot name
too long for a placed file's name. Each is a located message, or simply works."""

from __future__ import annotations

from pathlib import Path

import pytest

from storyboard.cache.place import placed_name
from tests.hostile.untrusted import Untouched, cli, project


@pytest.mark.parametrize("rel", ["assets/" + "b" * 300 + ".png",
                                 pytest.param("assets/" + "/".join(["b" * 200] * 25) + ".png",
                                              marks=pytest.mark.e2e)])
def test_an_asset_path_the_file_system_refuses_is_located(tmp_path: Path, rel: str) -> None:
    root = project(tmp_path, f"assets:\n  a: {rel}\nshots:\n  s:\n"
                   "    generate: {prompt: x, start_frame: a}\n")
    before = Untouched(root)
    ran = cli(root, "validate")
    assert ran.code == 3, ran.out
    assert "asset 'a'" in ran.out and "longer than" in ran.out
    assert "storyboard.yaml:4:" in ran.out
    before.check()


def test_a_long_shot_name_still_gives_a_placed_file_name_the_disk_takes() -> None:
    name = placed_name("s" * 300, "ab" * 32, ".mp4")
    assert len(name.encode()) < 200 and name.endswith("-abababababab.mp4")
    assert placed_name("é" * 200, "ab" * 32, ".mp4").encode().decode() != ""
