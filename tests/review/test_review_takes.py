"""`storyboard takes SHOT` and the review page's takes view, on a film whose shot `dawn` was
built three times (`storyboard retake dawn` between builds): every take listed with what made
it, the current one marked, the prompt that made each as a diff against the file's; the page
shows the takes side by side with their videos, and a stale card the last video built, the
prompt that made it and the pending change."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from review_helpers import copy_project
from test_review_page import parse

from storyboard.cli.main import cli
from storyboard.project import Project
from storyboard.review import write_review

pytestmark = pytest.mark.e2e  # three preview builds, once per session

PROMPT = "A red fox trots through a snowy forest at dawn, cinematic, 35mm film, soft winter light"


def takes(root: Path, *args: str) -> str:
    done = CliRunner().invoke(cli, ["takes", "dawn", "-f", str(root), *args])
    assert done.exit_code == 0, done.output
    return done.output


def rows(output: str) -> list[list[str]]:
    """The table's take rows, split on spaces (marker first when there is one)."""
    return [line.split() for line in output.splitlines()[2:] if not line.startswith("      ")]


def test_takes_lists_every_take_the_current_one_marked(takes_built: Path) -> None:
    output = takes(takes_built)
    assert output.splitlines()[0] == "dawn: 3 takes known; the file asks for take 3"
    found = rows(output)
    assert [r[0] for r in found] == ["1", "2", "*"]
    assert [r[1] for r in found[2:]] == ["3"]
    assert all("preview" in r and "model_luma-ray-flash-2-540p" in r for r in found)
    assert all(line.endswith("in the cache") for line in output.splitlines()[2:])
    assert "prompt:" not in output  # all three were made from the prompt the file has


def test_takes_json_keeps_every_field(takes_built: Path) -> None:
    data = json.loads(takes(takes_built, "--json"))
    assert (data["shot"], data["node"], data["prompt"]) == ("dawn", "shot:dawn", PROMPT)
    lock = Project.load(takes_built).ws.lock
    keys = [h.key for h in lock.history["shot:dawn"]] + [lock.nodes["shot:dawn"].key]
    assert [t["key"] for t in data["takes"]] == keys
    assert [(t["take"], t["current"], t["locked"], t["built"], t["present"]) for t in
            data["takes"]] == [(1, False, False, True, True), (2, False, False, True, True),
                               (3, True, True, True, True)]
    assert {t["prompt"] for t in data["takes"]} == {PROMPT}
    assert {t["prompt_diff"] for t in data["takes"]} == {None}
    assert all(t["time"] and t["output"] and t["cost"] == 0 for t in data["takes"])


def test_takes_after_a_prompt_change(takes_built: Path, tmp_path: Path) -> None:
    root = copy_project(takes_built, tmp_path / "changed")
    board = root / "storyboard.yaml"
    board.write_text(board.read_text("utf-8").replace("forest at dawn", "forest at dusk"),
                     "utf-8")
    output = takes(root)
    assert output.splitlines()[0] == ("dawn: 3 takes known; the file asks for take 3 "
                                      "(not built yet)")
    diff = "        prompt: …a snowy forest at [-dawn-]{+dusk+}, cinematic, 35mm film, soft…"
    assert output.count(diff) == 3  # each take was made from the old prompt
    (locked,) = [line for line in output.splitlines() if line.startswith("  3 ")]
    assert locked.endswith("in the cache; built last (the lock's)")
    last = output.splitlines()[-1].split()
    assert last[:2] == ["*", "3"] and output.splitlines()[-1].endswith(
        "not built yet (storyboard build dawn)")


def test_takes_without_the_index_or_an_output(takes_built: Path, tmp_path: Path) -> None:
    """A fresh clone knows the takes from the lock alone; an output not pulled says so."""
    import shutil

    root = copy_project(takes_built, tmp_path / "clone")
    shutil.rmtree(root / ".storyboard" / "index")
    project = Project.load(root)
    first = project.ws.lock.history["shot:dawn"][0]
    project.ws.store.path(first.output).unlink()
    output = takes(root)
    assert [r[0] for r in rows(output)] == ["1", "2", "*"]
    assert "not here (storyboard pull)" in output.splitlines()[2]
    assert "prompt:" not in output  # the same request as now: the prompt is known


def test_unknown_shot_suggests_one(takes_built: Path) -> None:
    done = CliRunner().invoke(cli, ["takes", "dwan", "-f", str(takes_built)])
    assert done.exit_code == 3
    assert "no shot named 'dwan'" in done.output and "dawn" in done.output


def test_review_shows_the_takes_side_by_side(takes_built: Path, tmp_path: Path) -> None:
    root = copy_project(takes_built, tmp_path / "review")
    page = write_review(Project.load(root), root / "renders" / "review", graphviz=False)
    refs = parse(page)
    html = page.read_text("utf-8")
    assert '<a href="#takes">Takes</a>' in html
    section = html[html.index('<section class="takes" id="takes-dawn">'):]
    section = section[:section.index("</section>")]
    assert section.count('data-take=') == 3
    assert section.count('data-current="yes"') == 1
    assert 'data-take="3" data-current="yes"' in section
    assert section.count("<video") == 3 and "current" in section
    assert "takes-globe" not in html  # one take: no takes view
    assert '<a href="#takes-dawn">3 takes, side by side</a>' in html
    assert all((page.parent / v).is_file() for _t, a, v in refs.urls
               if a in ("src", "poster") and not v.startswith("#"))


def test_a_stale_card_shows_what_made_its_video_and_the_pending_change(takes_built: Path,
                                                                      tmp_path: Path) -> None:
    root = copy_project(takes_built, tmp_path / "stale")
    board = root / "storyboard.yaml"
    board.write_text(board.read_text("utf-8").replace("forest at dawn", "forest at dusk"),
                     "utf-8")
    page = write_review(Project.load(root), root / "renders" / "review", graphviz=False)
    refs = parse(page)
    html = page.read_text("utf-8")
    card = html[html.index('id="shot-dawn"'):]
    card = card[:card.index("</section>")]
    assert "Shown: take 3, made from" in card
    assert f"<blockquote>{PROMPT}</blockquote>" in card  # the prompt of the video shown
    assert "Pending (a build makes these):" in card
    assert ("prompt changed: <span class=\"skip\">…</span>a snowy forest at <del>dawn</del>"
            "<ins>dusk</ins>, cinematic, 35mm film, soft<span class=\"skip\">…</span>") in card
    assert "video" in refs.tags["shot-dawn"]
    takes_view = html[html.index('id="takes-dawn"'):]
    assert takes_view.count("not built yet") == 1  # the take the file asks for now
    assert takes_view.count("<del>dawn</del><ins>dusk</ins>") == 3


def test_the_takes_view_in_chromium(chromium: Path, takes_built: Path, tmp_path: Path) -> None:
    from test_review_browser import console_lines, run_chromium

    root = copy_project(takes_built, tmp_path / "browser")
    board = root / "storyboard.yaml"
    board.write_text(board.read_text("utf-8").replace("forest at dawn", "forest at dusk"),
                     "utf-8")
    page = write_review(Project.load(root), root / "renders" / "review", graphviz=False)
    done = run_chromium(chromium, tmp_path / "profile", "--virtual-time-budget=15000",
                        "--dump-dom", page.resolve().as_uri() + "?check")
    body = done.stdout[done.stdout.index("<body"):].split(">", 1)[0]
    assert 'data-images-ok="yes"' in body and 'data-videos-ok="yes"' in body, body
    assert 'data-videos="6"' in body  # dawn, globe, the cut, dawn's three takes
    shot = tmp_path / "takes.png"
    done = run_chromium(chromium, tmp_path / "profile", f"--screenshot={shot}",
                        "--window-size=1280,2200", page.resolve().as_uri())
    assert done.returncode == 0, done.stderr[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    kept = page.parent / "screenshot-takes.png"
    shot.replace(kept)
    print(f"takes view screenshot: {kept}")
    assert console_lines(done.stderr, page) == []
