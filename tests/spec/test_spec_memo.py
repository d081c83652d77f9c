"""The parsed-file memo (`.storyboard/spec-memo.json`): an unchanged file is read from it; what
comes back is exactly what the parser gives; anything changed, damaged, planted, linked or
oversized is ignored and the file is parsed again; failing to write it fails nothing."""

from __future__ import annotations

import errno
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from storyboard.cli.main import cli
from storyboard.spec import memo as memos
from storyboard.spec import read_all, yamlfast
from storyboard.spec.memo import MEMO_NAME, Memo, recall, remember
from storyboard.spec.yamlsource import SourceMap, _Loader, load_yaml
from tests.spec.test_yamlfast import FILES, ROOT, SNIPPETS, documents, fast, outcome

FILM = """version: 1
name: memo
defaults:
  generate: {model: ray-flash-2, resolution: 540p, aspect_ratio: "16:9"}
shots:
  dawn:
    generate:
      prompt: "Sunrise over the bay"
      duration: 5
  dusk:
    - generate: {prompt: 'Dusk, quoted', duration: 5.0}
    - edit: {prompt: "repainted\\u00e9", strength: flex_1}
cuts:
  trailer:
    shots: [dawn, {shot: dusk, trim: [0.5, 2]}]
"""
# Problems of every kind the loader words: a bad value, an unknown key, a bool for a number.
BROKEN = FILM.replace("duration: 5\n", "duration: -3\n      colour: red\n").replace(
    "duration: 5.0", "duration: yes")


def project(tmp_path: Path, body: str = FILM, *, work: bool = True) -> Path:
    root = tmp_path / "p"
    root.mkdir(parents=True, exist_ok=True)
    (root / "storyboard.yaml").write_text(body, "utf-8")
    if work:
        (root / ".storyboard").mkdir(exist_ok=True)
    return root


def parsed(root: Path, memo: bool = True) -> Any:
    """What reading the file gives: the data and every table of the source map, in order."""
    p = read_all(root / "storyboard.yaml", root / ".storyboard" if memo else None)
    return outcome(lambda: (p.raw, p.smap)), [x.as_dict() for x in p.problems]


def tamper(root: Path, prompt: str) -> None:
    """Change the prompt the memo holds for dawn, leaving its key alone."""
    path = root / ".storyboard" / MEMO_NAME
    memo = json.loads(path.read_text("utf-8"))
    memo["data"]["shots"]["dawn"]["generate"]["prompt"] = prompt
    path.write_text(json.dumps(memo), "utf-8")


def prompt(root: Path) -> str:
    raw = read_all(root / "storyboard.yaml", root / ".storyboard").raw
    return str(raw["shots"]["dawn"]["generate"]["prompt"])


def test_an_unchanged_file_is_read_from_the_memo(tmp_path: Path) -> None:
    root = project(tmp_path)
    first = parsed(root)
    assert (root / ".storyboard" / MEMO_NAME).is_file()
    assert parsed(root) == first == parsed(root, memo=False)
    tamper(root, "from the memo")  # proves the second read came from the memo
    assert prompt(root) == "from the memo"


def test_an_edited_file_is_parsed_again_and_the_memo_replaced(tmp_path: Path) -> None:
    root = project(tmp_path)
    parsed(root)
    tamper(root, "stale")
    (root / "storyboard.yaml").write_text(FILM.replace("Sunrise", "Sunset"), "utf-8")
    assert prompt(root) == "Sunset over the bay"
    assert prompt(root) == "Sunset over the bay"  # the new memo, for the new text


def test_the_same_bytes_in_another_file_do_not_match_a_copied_memo(tmp_path: Path) -> None:
    """A memo travels with a copied or cloned folder; the file beside it is another file (its
    inode and change time differ), so a planted memo is never read."""
    root = project(tmp_path)
    parsed(root)
    tamper(root, "planted")
    clone = Path(shutil.copytree(root, tmp_path / "clone"))
    assert prompt(clone) == "Sunrise over the bay"


def test_a_project_never_built_gets_its_storyboard_folder_and_the_memo(tmp_path: Path
                                                                        ) -> None:
    root = project(tmp_path, work=False)
    assert parsed(root) == parsed(root, memo=False)
    assert (root / ".storyboard" / MEMO_NAME).is_file()
    tamper(root, "from the memo")
    assert prompt(root) == "from the memo"


def test_a_storyboard_file_in_place_of_the_folder_is_left_alone(tmp_path: Path) -> None:
    root = project(tmp_path, work=False)
    (root / ".storyboard").write_text("not a folder", "utf-8")
    assert parsed(root) == parsed(root, memo=False)
    assert (root / ".storyboard").read_text("utf-8") == "not a folder"


@pytest.mark.parametrize("damage", [
    lambda m: {**m, "marks": m["marks"][:-8]},  # a mark short
    lambda m: {**m, "marks": m["marks"] + "AAAAAAAAAAA="},  # marks left over
    lambda m: {**m, "marks": "not base64!"},
    lambda m: {**m, "texts": [*m["texts"], "extra"]},
    lambda m: {**m, "texts": [1] * len(m["texts"])},
    lambda m: {**m, "data": {**m["data"], "name": 5}},  # a scalar whose text is not there
    lambda m: {**m, "data": [m["data"]]},  # marks that do not fit the data
    lambda m: {**m, "format": 99},
    lambda m: {k: v for k, v in m.items() if k != "data"},
    lambda m: [m],
], ids=["short", "long", "base64", "texts-long", "texts-type", "data-scalar", "data-shape",
        "format", "no-data", "not-a-mapping"])
def test_a_damaged_memo_is_ignored(tmp_path: Path, damage: Any) -> None:
    root = project(tmp_path)
    want = parsed(root, memo=False)
    parsed(root)
    path = root / ".storyboard" / MEMO_NAME
    path.write_text(json.dumps(damage(json.loads(path.read_text("utf-8")))), "utf-8")
    assert parsed(root) == want


@pytest.mark.parametrize("junk", [b"", b"{", b"\xff\xfe", b"[" * 100_000, b"null"])
def test_a_memo_that_is_not_json_is_ignored(tmp_path: Path, junk: bytes) -> None:
    root = project(tmp_path)
    want = parsed(root, memo=False)
    (root / ".storyboard" / MEMO_NAME).write_bytes(junk)
    assert parsed(root) == want


def test_a_planted_link_is_never_followed(tmp_path: Path) -> None:
    root = project(tmp_path)
    parsed(root)
    tamper(root, "through a link")
    memo = root / ".storyboard" / MEMO_NAME
    target = tmp_path / "elsewhere.json"
    memo.rename(target)
    memo.symlink_to(target)
    assert prompt(root) == "Sunrise over the bay"
    assert memo.is_file() and not memo.is_symlink()  # replaced by a file, the target kept
    assert "through a link" in target.read_text("utf-8")


def test_a_linked_storyboard_folder_is_neither_read_nor_written(tmp_path: Path) -> None:
    root = project(tmp_path, work=False)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (root / ".storyboard").symlink_to(elsewhere)
    assert parsed(root) == parsed(root, memo=False)
    assert list(elsewhere.iterdir()) == []


def test_an_oversized_memo_is_not_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = project(tmp_path)
    parsed(root)
    tamper(root, "too big to read")
    monkeypatch.setattr(memos, "MAX_MEMO_BYTES", 100)
    assert prompt(root) == "Sunrise over the bay"


def test_a_memo_that_cannot_be_written_costs_only_speed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = project(tmp_path)

    def full(*_a: object, **_k: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(memos, "write_atomic", full)
    assert parsed(root) == parsed(root, memo=False)
    assert not (root / ".storyboard" / MEMO_NAME).exists()
    r = CliRunner().invoke(cli, ["validate", "-f", str(root)])
    assert r.exit_code == 0, r.output


def test_validate_says_the_same_with_and_without_the_memo(tmp_path: Path) -> None:
    root = project(tmp_path, BROKEN, work=False)

    def validate() -> tuple[int, str]:
        r = CliRunner().invoke(cli, ["validate", "--json", "-f", str(root)])
        return r.exit_code, r.output

    without = validate()
    assert without[0] == 3 and "colour" in without[1] and "read as true" in without[1]
    assert (root / ".storyboard" / MEMO_NAME).is_file()  # written by the first
    assert validate() == without  # from the memo
    (root / ".storyboard" / MEMO_NAME).unlink()
    assert validate() == without  # parsed again


@pytest.mark.parametrize("text", [*SNIPPETS, *(p.read_text("utf-8", "replace") for p in FILES)],
                         ids=[*(f"snippet{i}" for i in range(len(SNIPPETS))),
                              *(str(p.relative_to(ROOT)) for p in FILES)])
def test_what_the_memo_gives_back_is_what_the_parser_gives(tmp_path: Path, text: str) -> None:
    """Every YAML file of the repository and every snippet: read through a fresh memo, then
    from it, the data (types included) and every source map table, in order, are the
    parser's; a document the fast reader does not take is never remembered."""
    path = tmp_path / "f.yaml"
    path.write_text(text, "utf-8")
    memo = Memo.of(tmp_path / MEMO_NAME, path.read_bytes(), os.stat(path))
    want = outcome(lambda: load_yaml(text, "f.yaml"))
    assert outcome(lambda: load_yaml(text, "f.yaml", memo)) == want  # parsed, remembered
    found = recall(memo, "f.yaml", lambda: load_yaml(text, "f.yaml")[1])
    if found is None:  # only what the fast reader built is kept, and only a document
        if want[0] != ("NoneType", "None"):
            with pytest.raises(yamlfast.Fallback):
                fast(text)
        return
    assert outcome(lambda: found) == want
    assert outcome(lambda: load_yaml(text, "f.yaml", memo)) == want


def test_a_trail_that_does_not_account_for_the_source_map_is_not_remembered(
        tmp_path: Path) -> None:
    smap = SourceMap("f.yaml")
    trail = yamlfast.Trail()
    loader = _Loader("a: 1\nb: [x]\n")
    try:
        data = yamlfast.read(loader, smap, trail)
    finally:
        loader.dispose()
    memo = Memo(tmp_path / MEMO_NAME, "k")
    trail.marks.pop()  # a mark short
    remember(memo, data, smap, trail)
    assert not memo.path.exists()
    trail.marks.append(1)
    trail.plain = False  # a string whose text is not itself
    remember(memo, data, smap, trail)
    assert not memo.path.exists()
    trail.plain = True
    remember(memo, data, smap, trail)
    assert memo.path.exists()


@pytest.mark.e2e  # hypothesis: seconds
@settings(max_examples=200, deadline=None)
@given(data=documents, flow=st.sampled_from([False, True, None]))
def test_generated_documents_come_back_from_the_memo_as_parsed(data: Any, flow: bool | None
                                                               ) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        text = yaml.safe_dump(data, default_flow_style=flow, allow_unicode=True)
        path = Path(tmp) / "f.yaml"
        path.write_text(text, "utf-8")
        memo = Memo.of(Path(tmp) / MEMO_NAME, path.read_bytes(), os.stat(path))
        want = outcome(lambda: load_yaml(text, "f.yaml"))
        assert outcome(lambda: load_yaml(text, "f.yaml", memo)) == want
        if memo.path.exists():
            assert recall(memo, "f.yaml", lambda: load_yaml(text, "f.yaml")[1]) is not None
        assert outcome(lambda: load_yaml(text, "f.yaml", memo)) == want


def test_tables_only_problems_read_are_rebuilt_when_read_and_parsed_if_they_cannot_be(
        tmp_path: Path) -> None:
    """`values` comes back at once; the other tables on first use, from the memo, or from the
    parser should the data have been changed in between."""
    root = project(tmp_path)
    want = outcome(lambda: load_yaml(FILM, "f.yaml"))
    path = root / "storyboard.yaml"
    memo = Memo.of(root / ".storyboard" / MEMO_NAME, path.read_bytes(), os.stat(path))
    load_yaml(FILM, "f.yaml", memo)
    data, smap = load_yaml(FILM, "f.yaml", memo)
    assert "texts" not in vars(smap)  # not built yet
    assert outcome(lambda: (data, smap)) == want
    data, smap = load_yaml(FILM, "f.yaml", memo)
    data["shots"]["dawn"]["extra"] = 1  # the walk no longer fits: the parser's tables
    data["shots"]["dawn"].pop("extra")
    data["cuts"] = 5
    assert [list(getattr(smap, t).items()) for t in ("values", "keys", "texts", "ends",
                                                     "key_ends")] == want[1]
