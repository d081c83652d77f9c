"""`storyboard retake`: the next take is written into the file without disturbing anything else;
every take stays in the cache and the lock history, so going back runs nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from team_helpers import build, ran, sb

from storyboard.cache import LockFile
from storyboard.errors import SpecError
from storyboard.takes import retake, retake_text

FILM = """\
# yaml-language-server: $schema=../../schemas/storyboard.schema.json
version: 1
name: takes   # a film about takes

defaults:
  generate: {model: ray-flash-2, resolution: 540p, aspect_ratio: "16:9", duration: 5}

shots:
  # The opening: keep it calm.
  dawn:
    generate:
      prompt: "A fox at dawn"      # quoted on purpose
      camera:   [push_in]
  leap:
    generate: {prompt: 'The fox, it leaps {high}', duration: 5}   # flow style
  portrait:
    - generate:
        prompt: >
          Close-up of the fox,
          breath in the cold air
    - loop:
          source: portrait
          crossfade: 0.5
  globe:
    loop:
      take: 3
      prompt: A snow globe
"""


def changed_lines(before: str, after: str) -> list[tuple[str, str]]:
    """Lines that differ, as (before, after); an inserted line pairs with ''."""
    import difflib

    out = []
    for op, a1, a2, b1, b2 in difflib.SequenceMatcher(None, before.splitlines(),
                                                      after.splitlines()).get_opcodes():
        if op != "equal":
            out.append(("\n".join(before.splitlines()[a1:a2]),
                        "\n".join(after.splitlines()[b1:b2])))
    return out


@pytest.mark.parametrize(("shot", "old", "new"), [
    ("dawn", "", "      take: 2"),
    ("leap", "    generate: {prompt: 'The fox, it leaps {high}', duration: 5}   # flow style",
     "    generate: {prompt: 'The fox, it leaps {high}', duration: 5, take: 2}   # flow style"),
    ("portrait", "", "          take: 2"),
    ("globe", "      take: 3", "      take: 4"),
])
def test_retake_changes_only_the_take(shot: str, old: str, new: str) -> None:
    text, change = retake_text(FILM, shot)
    assert changed_lines(FILM, text) == [(old, new)]
    assert change.new == change.old + 1
    # Everything else is byte for byte what it was: comments, quotes, blank lines, indents.
    assert text.replace(new + "\n", old + "\n" if old else "", 1) == FILM


def test_retake_on_a_step_list_sets_the_last_step_and_places_the_take_after_its_fields() -> None:
    text, change = retake_text(FILM, "portrait")
    assert (change.step, change.kind) == (2, "loop")
    assert "          crossfade: 0.5\n          take: 2\n  globe:" in text
    text, change = retake_text(FILM, "dawn")
    assert "      camera:   [push_in]\n      take: 2\n  leap:" in text


def test_retake_of_an_unknown_shot_suggests_one() -> None:
    with pytest.raises(SpecError) as info:
        retake_text(FILM, "dwan")
    assert "no shot named 'dwan'" in str(info.value) and "dawn" in str(info.value)


SMALL = """\
version: 1
name: takes   # comments stay
defaults:
  generate: {model: ray-flash-2, resolution: 540p, aspect_ratio: "16:9", duration: 5}
shots:
  dawn:
    generate:
      prompt: A fox at dawn  # the opening
  globe:
    loop: {prompt: A snow globe}
"""


@pytest.mark.e2e
def test_retake_then_going_back_to_take_1_runs_nothing(tmp_path: Path) -> None:
    f = tmp_path / "storyboard.yaml"
    f.write_text(SMALL)
    build(tmp_path)
    first = LockFile(tmp_path / "storyboard.lock").nodes["shot:dawn"]

    r = sb("retake", "dawn", "-f", str(f))
    assert r.exit_code == 0, r.output
    assert "dawn: generate take 1 -> 2" in r.output
    assert [x for x in f.read_text().splitlines() if x.strip() != "take: 2"] == SMALL.splitlines()
    assert ran(build(tmp_path)) == {"shot:dawn"}
    lock = LockFile(tmp_path / "storyboard.lock")
    assert lock.nodes["shot:dawn"].take == 2
    assert [(h.take, h.key, h.output) for h in lock.history["shot:dawn"]] == \
        [(1, first.key, first.output)]

    retake(f, "dawn", take=1)
    summary = build(tmp_path)
    assert ran(summary) == set()  # take 1 is found again: nothing runs
    lock = LockFile(tmp_path / "storyboard.lock")
    assert lock.nodes["shot:dawn"].key == first.key
    assert [h.take for h in lock.history["shot:dawn"]] == [2]  # and take 2 is remembered

    # A clone that has only the lock (no run index) finds take 2 in the lock's history.
    import shutil

    shutil.rmtree(tmp_path / ".storyboard" / "index")
    retake(f, "dawn")
    assert ran(build(tmp_path)) == set()
