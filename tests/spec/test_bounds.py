"""Every input is bounded at validate: huge lists, expansions and cuts are refused with a located
message before anything is planned, and the report itself stays small (issue 10)."""

from __future__ import annotations

import resource
from pathlib import Path

import pytest

from storyboard.errors import MAX_PROBLEMS, MAX_TEXT, SpecError
from storyboard.graph import AssetFacts, graph_of
from storyboard.spec import parse_all

HEAD = "version: 1\nname: bounds\n"
DAWN = "  dawn: {generate: {model: ray-flash-2, prompt: A fox}}\n"


def problems(text: str, tmp_path: Path, facts: dict[str, AssetFacts] | None = None,
             ) -> SpecError:
    (tmp_path / "storyboard.yaml").write_text(text)
    with pytest.raises(SpecError) as info:
        graph_of(parse_all(text, "storyboard.yaml"), tmp_path, facts=facts)
    return info.value


@pytest.mark.e2e  # reading 100,000 values takes a second or two
def test_a_hundred_thousand_camera_moves_are_refused_while_reading(tmp_path: Path) -> None:
    moves = ", ".join(["push_in"] * 100_000)
    err = problems(HEAD + "shots:\n  dawn:\n    generate:\n      model: ray-flash-2\n"
                   f"      prompt: A fox\n      camera: [{moves}]\n", tmp_path)
    assert [str(p) for p in err.problems] == [
        "storyboard.yaml:8:15: a list of 100000 entries; no list in a storyboard may have more "
        "than 10000 (look for a list that grew by mistake, or split it (several cuts, several "
        "projects))"]
    assert err.problems[0].code == "limit"


def test_more_camera_moves_than_there_are_concepts_are_refused(tmp_path: Path) -> None:
    moves = ", ".join(["push_in"] * 35)
    err = problems(HEAD + "shots:\n  dawn:\n    generate:\n      model: ray-flash-2\n"
                   f"      prompt: A fox\n      camera: [{moves}]\n", tmp_path)
    assert [str(p) for p in err.problems] == [
        "storyboard.yaml:8:15: shot 'dawn', field 'camera': 35 entries; at most 34 are "
        "allowed here (remove entries)"]
    assert err.problems[0].code == "limit"


@pytest.mark.e2e  # reading 1 MB of YAML takes a second or two
def test_a_cut_of_38000_entries_repeated_100_times_is_refused(tmp_path: Path) -> None:
    """Refused while reading: its entries are never built, let alone expanded."""
    entries = ", ".join(["{shot: dawn, repeat: 100}"] * 38_000)
    err = problems(HEAD + "shots:\n" + DAWN + f"cuts:\n  big:\n    shots: [{entries}]\n",
                   tmp_path)
    assert [str(p) for p in err.problems] == [
        "storyboard.yaml:7:12: a list of 38000 entries; no list in a storyboard may have more "
        "than 10000 (look for a list that grew by mistake, or split it (several cuts, several "
        "projects))"]


def test_a_cut_of_more_than_1000_entries_is_refused_at_its_list(tmp_path: Path) -> None:
    entries = ", ".join(["dawn"] * 1001)
    err = problems(HEAD + "shots:\n" + DAWN + f"cuts:\n  big:\n    shots: [{entries}]\n",
                   tmp_path)
    assert [str(p) for p in err.problems] == [
        "storyboard.yaml:7:12: cut 'big', field 'shots': 1001 entries; at most 1000 are "
        "allowed here (split it into several cuts)"]


def test_repeats_count_towards_the_clips_of_a_cut(tmp_path: Path) -> None:
    entries = ", ".join(["{shot: dawn, repeat: 100}"] * 51)
    err = problems(HEAD + "shots:\n" + DAWN + f"cuts:\n  big:\n    shots: [{entries}]\n",
                   tmp_path)
    assert len(err.problems) == 1 and err.problems[0].code == "limit"
    assert "the cut has 5100 clips once repeats are counted; at most 5000" in str(err)


def test_a_cut_of_eleven_days_is_refused(tmp_path: Path) -> None:
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "long.mp4").write_bytes(b"placeholder")
    hours = {"long": AssetFacts("video", duration=6 * 3600.0, width=64, height=36)}
    entries = ", ".join(["{shot: long, repeat: 11}"] * 4)  # 44 x 6 h = 11 days
    err = problems(HEAD + "assets:\n  long: assets/long.mp4\nshots:\n" + DAWN
                   + f"cuts:\n  days:\n    shots: [{entries}]\n", tmp_path, facts=hours)
    assert [str(p) for p in err.problems] == [
        "storyboard.yaml:9:12: cut 'days', field 'shots': the cut is 264.0 h long; at most "
        "24.0 h is allowed (split it into several cuts)"]


@pytest.mark.e2e  # 1.5 MB of YAML to read
def test_a_long_name_used_by_alias_15000_times_is_refused_small(tmp_path: Path) -> None:
    """1.5 GB of text if expanded: refused while reading, in a few MB, the name never echoed."""
    uses = "".join(f"  s{i}: {{generate: {{prompt: *n}}}}\n" for i in range(15_000))
    text = HEAD + f"x: &n {'a' * 100_000}\nshots:\n" + uses
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (min(2 * 1024**3, hard) if hard > 0 else 2 * 1024**3,
                                            hard))
    try:
        err = problems(text, tmp_path)
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
    assert len(err.problems) == 1 and err.problems[0].code == "limit"
    assert "expands to more than 16 MB of text" in str(err) and len(str(err)) < 400


@pytest.mark.e2e  # 200,000 values take a few seconds to read
def test_a_large_file_without_aliases_is_not_called_an_alias_bomb(tmp_path: Path) -> None:
    moves = ", ".join(["push_in"] * 40)
    shots = "".join(f"  s{i}: {{generate: {{prompt: A, camera: [{moves}]}}}}\n"
                    for i in range(5000))
    err = problems(HEAD + "shots:\n" + shots, tmp_path)
    assert "holds more than 200000 values" in str(err) and "alias" not in str(err)


def test_the_report_is_capped_with_a_count_of_what_was_left_out(tmp_path: Path) -> None:
    shots = "".join(f"  s{i}: {{generate: {{prompt: A, duration: 7}}}}\n" for i in range(450))
    err = problems(HEAD + "shots:\n" + shots, tmp_path)
    assert len(err.problems) == MAX_PROBLEMS and err.omitted == 250 and err.count == 450
    assert str(err).endswith("\n... and 250 more problems")


def test_a_long_unknown_name_is_cut_in_the_message(tmp_path: Path) -> None:
    name = "d" * 100_000
    err = problems(HEAD + "shots:\n" + DAWN + f"cuts:\n  c:\n    shots: [{name}]\n", tmp_path)
    assert len(err.problems) == 1
    assert all(len(p.message) <= MAX_TEXT and len(p.hint) <= MAX_TEXT for p in err.problems)
    assert len(str(err)) < 2 * MAX_TEXT + 200
