"""The no-op path's own shortcuts: a command line parsed before in this folder is not parsed by
click again, and a storyboard file settled long before the stamp is trusted by its signature.
Each shortcut must answer exactly as the slow way would, and anything odd about its file falls
back to the slow way."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from storyboard import __version__, stamp
from storyboard.cli import fast

FILM = "version: 1\nname: lines\nshots:\n  a:\n    generate: {prompt: A fox}\n"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "storyboard.yaml").write_text(FILM, "utf-8")
    (tmp_path / ".storyboard").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


def stamped(root: Path, *, provider: str | None = None, age_s: float = 0.0) -> None:
    """A stamp for `storyboard build [--provider P]`, written `age_s` after the file."""
    file = root / "storyboard.yaml"
    key = stamp.options_key(file, None, provider, [], __version__)
    stamp.write(root / ".storyboard", key, file, [file], {"cached": 1}, [])
    if age_s:
        doc = json.loads((root / ".storyboard" / stamp.STAMP_NAME).read_text())
        doc["recorded"] += int(age_s * 1e9)
        (root / ".storyboard" / stamp.STAMP_NAME).write_text(json.dumps(doc))


def lines(root: Path) -> list[dict[str, object]]:
    path = root / ".storyboard" / stamp.LINES_NAME
    return list(json.loads(path.read_text())["lines"]) if path.exists() else []


def test_a_command_line_is_learned_once_and_then_answered_without_click(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stamped(project, provider="preview")
    assert fast._fast(["build", "--provider", "preview"])
    assert [x["argv"] for x in lines(project)] == [["--provider", "preview"]]

    def no_click(_argv: list[str]) -> None:
        raise AssertionError("click parsed a command line it had parsed before")

    monkeypatch.setattr(fast, "_parse_build", no_click)
    assert fast._fast(["build", "--provider", "preview"])


def test_a_learned_line_answers_only_for_the_same_arguments_folder_and_version(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stamped(project, provider="preview")
    assert fast._fast(["build", "--provider", "preview"])
    assert stamp.recall(["--provider", "preview"], __version__) is not None
    assert stamp.recall(["--provider", "scenario"], __version__) is None
    assert stamp.recall(["--provider", "preview"], "0.0.0-other") is None
    other = project / "sub"
    other.mkdir()
    monkeypatch.chdir(other)
    assert stamp.recall(["--provider", "preview"], __version__) is None


def test_a_line_whose_stamp_does_not_hold_is_not_learned(project: Path) -> None:
    stamped(project, provider="preview")
    assert not fast._fast(["build", "--provider", "scenario"])  # another key: full path
    assert not fast._fast(["build", "--json"])  # not an option the stamp answers for
    assert lines(project) == []


@pytest.mark.parametrize("planted", [
    b"not json", b"[]", b'{"lines": "x"}', b'{"lines": [1, "two"]}',
    b'{"lines": [{"cwd": "CWD", "argv": [], "version": "V", "parsed": ["x", 1, null, []]}]}',
    b'{"lines": [{"cwd": "CWD", "argv": [], "version": "V", "parsed": "storyboard.yaml"}]}',
    b" " * (stamp.MAX_LINES_BYTES + 1),
])
def test_a_damaged_or_planted_lines_file_only_costs_a_parse(project: Path,
                                                           planted: bytes) -> None:
    data = planted.replace(b"CWD", os.getcwd().encode()).replace(b"V", __version__.encode())
    (project / ".storyboard" / stamp.LINES_NAME).write_bytes(data)
    assert stamp.recall([], __version__) is None
    stamped(project)
    assert fast._fast(["build"])  # answered through click, and the file is rewritten sane
    assert stamp.recall([], __version__) == ("storyboard.yaml", None, None, [])


def test_a_lines_file_that_is_a_link_is_not_followed(project: Path, tmp_path_factory:
                                                     pytest.TempPathFactory) -> None:
    elsewhere = tmp_path_factory.mktemp("elsewhere") / "lines.json"
    elsewhere.write_text(json.dumps({"lines": [{"cwd": os.getcwd(), "argv": [],
                                                "version": __version__,
                                                "parsed": ["storyboard.yaml", None, None, []]}]}))
    (project / ".storyboard" / stamp.LINES_NAME).symlink_to(elsewhere)
    assert stamp.recall([], __version__) is None


def test_lines_are_bounded(project: Path) -> None:
    for i in range(stamp.MAX_LINES + 4):
        stamp.learn(project, [f"t{i}"], __version__, ("storyboard.yaml", None, None, [f"t{i}"]))
    kept = lines(project)
    assert len(kept) == stamp.MAX_LINES and kept[0]["argv"] == [f"t{stamp.MAX_LINES + 3}"]


def test_a_settled_storyboard_file_is_trusted_by_its_signature(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stamped(project, age_s=10)
    import storyboard.hashing

    def no_hashing(_path: Path) -> str:
        raise AssertionError("a settled file was hashed")

    monkeypatch.setattr(storyboard.hashing, "hash_file", no_hashing)
    file = project / "storyboard.yaml"
    assert stamp.check(project / ".storyboard", stamp.options_key(file, None, None, [],
                                                                  __version__), file)


def test_a_storyboard_file_written_close_to_the_stamp_is_hashed(project: Path) -> None:
    """The racy case: rewritten with the same size and mtime right after the stamp, its
    signature could match (on a coarse clock even ctime); only its bytes tell."""
    stamped(project)  # the file is seconds younger than SETTLED_NS before the stamp
    file = project / "storyboard.yaml"
    key = stamp.options_key(file, None, None, [], __version__)
    assert stamp.check(project / ".storyboard", key, file)
    st = file.stat()
    file.write_text(FILM.replace("fox", "cat"), "utf-8")
    os.utime(file, ns=(st.st_atime_ns, st.st_mtime_ns))
    doc = json.loads((project / ".storyboard" / stamp.STAMP_NAME).read_text())
    doc["text_sig"] = stamp._sig(file)  # as if the rewrite had left the signature as it was
    doc["watched"] = {}
    (project / ".storyboard" / stamp.STAMP_NAME).write_text(json.dumps(doc))
    assert stamp.check(project / ".storyboard", key, file) is None


@pytest.mark.parametrize("name", [stamp.STAMP_NAME, stamp.LINES_NAME])
def test_a_planted_fifo_is_refused_without_waiting_for_a_writer(project: Path,
                                                                 name: str) -> None:
    os.mkfifo(project / ".storyboard" / name)  # a plain open would block this test forever
    file = project / "storyboard.yaml"
    assert stamp.recall([], __version__) is None
    assert stamp.check(project / ".storyboard",
                       stamp.options_key(file, None, None, [], __version__), file) is None
