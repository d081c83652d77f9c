"""Where new users were lost: each of these says where, what is wrong and what to do, in our
words (no YAML scanner or pydantic phrasing), through the real command line."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from storyboard.cli.main import cli

HEAD = "version: 1\nname: words\n"
SHOT = "shots:\n  dawn: {generate: {prompt: A fox at dawn}}\n"
LIBRARY = ("cannot start any token", "Input should", "should have at least", "Value error",
           "validation error", "does not exist", "put the file at  (", "Traceback")


def validate(root: Path, text: str) -> str:
    (root / "storyboard.yaml").write_text(text)
    r = CliRunner().invoke(cli, ["validate", "-f", str(root / "storyboard.yaml")])
    assert r.exit_code == 3, r.output
    for phrase in LIBRARY:
        assert phrase not in r.stderr, r.stderr
    return r.stderr


def test_a_tab_says_to_indent_with_spaces(tmp_path: Path) -> None:
    err = validate(tmp_path, HEAD + "shots:\n\tdawn: {generate: {prompt: A}}\n")
    assert "storyboard.yaml:4:1: a tab character is not allowed here (YAML indents with spaces " \
           "only: replace the tab with spaces)" in err


def test_a_folder_given_as_an_asset_is_called_a_folder(tmp_path: Path) -> None:
    (tmp_path / "assets" / "fox.png").mkdir(parents=True)
    err = validate(tmp_path, HEAD + "assets:\n  fox: assets/fox.png\n" + SHOT)
    assert "storyboard.yaml:4:8: asset 'fox': file 'assets/fox.png' is a folder, not a file " \
           "(name a file" in err


def test_an_empty_asset_path_asks_for_a_path(tmp_path: Path) -> None:
    err = validate(tmp_path, HEAD + 'assets:\n  fox: ""\n' + SHOT)
    assert "storyboard.yaml:4:8: asset 'fox': the path is empty (write the path of the file" in err


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_a_fifo_asset_is_refused_without_reading_it(tmp_path: Path) -> None:
    (tmp_path / "assets").mkdir()
    os.mkfifo(tmp_path / "assets" / "fox.png")  # reading it would hang validate
    err = validate(tmp_path, HEAD + "assets:\n  fox: assets/fox.png\n" + SHOT)
    assert "storyboard.yaml:4:8: asset 'fox': file 'assets/fox.png' is not a regular file " \
           "(name a file" in err


@pytest.mark.parametrize(("body", "expected"), [
    ("shots: {}\n", ":3:8: field 'shots': the file has no shots (write at least one shot"),
    ("shots:\n  dawn: []\n", ":4:9: shot 'dawn': the list is empty (write at least one entry"),
    (SHOT + "cuts:\n  t: {shots: []}\n", ":6:14: cut 't', field 'shots': the list is empty"),
    (SHOT + "cuts:\n  t: {shots: [dawn], audio: theme}\n",
     ":6:29: cut 't', field 'audio': 'theme' is not a mapping (write it as `key: value` lines"),
    ("shots:\n  dawn: {generate: null}\n", ":4:9: shot 'dawn': a node is a mapping with exactly "
     "one of generate, edit, reframe, loop (write generate:, edit:, reframe: or loop:"),
    (SHOT + "cuts:\n  t: {shots: [{shot: dawn, trim: [3, 1]}]}\n",
     "trim must be [IN, OUT] with 0 <= IN < OUT (write the seconds to start and end at"),
])
def test_the_models_own_wording_never_reaches_the_user(tmp_path: Path, body: str,
                                                        expected: str) -> None:
    err = validate(tmp_path, HEAD + body)
    assert expected in err
    assert err.strip().endswith("1 problem found")
