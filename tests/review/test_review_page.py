"""The review page of the built trailer: every shot and cut, only local files, placeholders for
what is not built, the graph, the contact sheet, and the `storyboard review` command."""

from __future__ import annotations

import shutil
import struct
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import pytest
from click.testing import CliRunner
from review_helpers import EXAMPLE, copy_project

from storyboard.cli.main import cli
from storyboard.project import Project
from storyboard.review import write_review
from storyboard.review.graphviz import find_dot

pytestmark = pytest.mark.e2e  # the trailer is built with real ffmpeg first

SHOTS = ("dawn", "leap", "portrait", "portrait_tall", "globe", "interview_painted",
         "interview_loop")


class Refs(HTMLParser):
    """Every file a page points at, and each shot/cut section with its state and text."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[tuple[str, str, str]] = []  # (tag, attribute, value)
        self.sections: dict[str, str] = {}  # id -> data-state
        self.text: dict[str, list[str]] = {}  # section id -> its text
        self.tags: dict[str, list[str]] = {}  # section id -> tags inside it
        self._open: list[str] = []
        self._depth: list[int] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        for name in ("src", "href", "poster", "data"):
            if name in a:
                self.urls.append((tag, name, a[name]))
        if tag == "section" and "id" in a:
            self.sections[a["id"]] = a.get("data-state", "")
            self._open.append(a["id"])
            self._depth.append(0)
        if self._open:
            self.tags.setdefault(self._open[-1], []).append(tag)
            if tag == "section" or tag not in ("img", "source", "br", "meta"):
                self._depth[-1] += 1

    def handle_endtag(self, tag: str) -> None:
        if self._open and tag not in ("img", "source", "br", "meta"):
            self._depth[-1] -= 1
            if self._depth[-1] == 0:
                self._open.pop()
                self._depth.pop()

    def handle_data(self, data: str) -> None:
        if self._open:
            self.text.setdefault(self._open[-1], []).append(data)

    def section_text(self, section: str) -> str:
        return " ".join(" ".join(self.text.get(section, [])).split())


def parse(page: Path) -> Refs:
    refs = Refs()
    refs.feed(page.read_text("utf-8"))
    refs.close()
    return refs


def local_files(page: Path, refs: Refs) -> list[Path]:
    return [page.parent / unquote(value) for _tag, _attr, value in refs.urls
            if not value.startswith("#")]


def test_every_shot_and_cut_has_a_section_with_its_facts(page: Path, project_dir: Path) -> None:
    refs = parse(page)
    lock = Project.load(project_dir).ws.lock
    for shot in SHOTS:
        assert refs.sections[f"shot-{shot}"] == "up to date"
        text = refs.section_text(f"shot-{shot}")
        rec = lock.nodes[f"shot:{shot}"]
        assert shot in text and f"provider {rec.provider}" in text and "cost 0 CU" in text
        assert f"take {rec.take}" in text and f"output {rec.output[:12]}" in text
        assert "video" in refs.tags[f"shot-{shot}"] and "source" in refs.tags[f"shot-{shot}"]
    dawn = refs.section_text("shot-dawn")
    assert "A red fox trots through a snowy forest at dawn" in dawn
    assert "ray-3.2" in dawn and (lock.nodes["shot:dawn"].job or "") in dawn
    assert "2 steps" in refs.section_text("shot-portrait")
    assert refs.sections["cut-trailer"] == refs.sections["cut-vertical"] == "up to date"
    trailer = refs.section_text("cut-trailer")
    assert "7 entries, in order" in trailer and "crossfade 0.5s" in trailer
    assert "fade 0.5s" in trailer and "trim 0.5s–4.5s" in trailer
    order = [trailer.index(name) for name in ("dawn", "leap", "portrait", "globe",
                                              "interview_painted", "interview_loop")]
    assert order == sorted(order)
    assert refs.tags["cut-trailer"].count("img") == 7  # one poster per entry


def test_page_points_only_at_local_files_that_exist(page: Path) -> None:
    html = page.read_text("utf-8")
    assert "http://" not in html and "https://" not in html and "//" not in "".join(
        v[:2] for _t, _a, v in parse(page).urls)
    refs = parse(page)
    kinds = {(tag, attr) for tag, attr, _v in refs.urls}
    assert {("img", "src"), ("source", "src"), ("video", "poster")} <= kinds
    missing = [p for p in local_files(page, refs) if not p.is_file()]
    assert not missing
    for path in local_files(page, refs):
        assert path.resolve().is_relative_to(page.parent.resolve())
    assert "<link" not in html and "<script src" not in html and "@import" not in html


def test_videos_are_the_cached_outputs_under_readable_names(page: Path,
                                                            project_dir: Path) -> None:
    project = Project.load(project_dir)
    for shot in SHOTS:
        rec = project.ws.lock.nodes[project.graph.shot_node(shot) or ""]
        media = page.parent / "media" / f"{shot}-{rec.output[:12]}.mp4"
        cached = project.ws.store.path(rec.output)
        assert media.read_bytes() == cached.read_bytes()
        assert (project.ws.work / "thumbs" / f"{rec.output}.jpg").is_file()


def test_posters_are_cached_by_digest_and_not_remade(page: Path, project_dir: Path) -> None:
    thumbs = sorted((project_dir / ".storyboard" / "thumbs").glob("*.jpg"))
    assert len(thumbs) >= len(SHOTS) + 2  # every shot and both cuts
    assert all(t.read_bytes()[:2] == b"\xff\xd8" for t in thumbs)
    before = {t: t.stat().st_mtime_ns for t in thumbs}
    write_review(Project.load(project_dir), page.parent)  # again, without a contact sheet
    assert {t: t.stat().st_mtime_ns for t in thumbs} == before
    assert 'id="contact-sheet"' in page.read_text("utf-8")  # the earlier sheet stays linked


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_contact_sheet_has_one_tile_per_built_shot(page: Path) -> None:
    from storyboard.media.stills import sheet_layout

    sheet = page.parent / "contact-sheet.png"
    layout = sheet_layout(len(SHOTS))
    assert (layout.columns, layout.rows) == (4, 2)
    assert png_size(sheet) == (layout.columns * layout.tile_width,
                               layout.rows * layout.tile_height)
    assert 'src="contact-sheet.png"' in page.read_text("utf-8")


def test_stale_and_unbuilt_shots(project_dir: Path, tmp_path: Path) -> None:
    root = copy_project(project_dir, tmp_path / "changed")
    yaml_path = root / "storyboard.yaml"
    text = yaml_path.read_text("utf-8")
    text = text.replace("A red fox trots through a snowy forest at dawn",
                        "A red fox runs through a snowy forest at dawn")
    text = text.replace("shots:\n  dawn:", "shots:\n  owl:\n    generate:\n      prompt: An owl "
                        "blinks <slowly> & \"calmly\"\n      duration: 5\n  dawn:", 1)
    yaml_path.write_text(text, "utf-8")
    page = write_review(Project.load(root), root / "renders" / "review", graphviz=False)
    refs = parse(page)
    html = page.read_text("utf-8")

    assert refs.sections["shot-owl"] == "not built"
    owl = refs.section_text("shot-owl")
    assert "not built yet" in owl and "new: never built" in owl
    assert 'An owl blinks &lt;slowly&gt; &amp; &quot;calmly&quot;' in html
    assert not {"img", "video", "source"} & set(refs.tags["shot-owl"])

    assert refs.sections["shot-dawn"] == "stale"
    dawn = refs.section_text("shot-dawn")
    assert "prompt changed" in dawn and "runs through" in dawn
    assert "video" in refs.tags["shot-dawn"]  # the last output made is still shown
    assert refs.sections["cut-trailer"] == "stale"
    assert all(p.is_file() for p in local_files(page, refs))

    # without Graphviz: the Mermaid text and a list of edges, no SVG
    assert "<svg" not in html and "flowchart LR" in html
    assert "dawn → trailer" in html


@pytest.mark.skipif(find_dot() is None, reason="Graphviz (dot) is not installed")
def test_graph_is_inline_svg_when_graphviz_is_there(page: Path) -> None:
    html = page.read_text("utf-8")
    assert '<div class="graph"><svg' in html and "<?xml" not in html and "<!DOCTYPE svg" not in html
    assert ">trailer</text>" in html


def test_review_command_writes_the_folder(project_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["review", "-f", str(project_dir), "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert f"wrote {out / 'index.html'}" in result.output
    assert (out / "index.html").is_file() and not (out / "contact-sheet.png").exists()
    assert len(list((out / "media").glob("*.mp4"))) == len(SHOTS) + 2


def test_review_command_default_folder_and_contact_sheet(
        project_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = copy_project(project_dir, tmp_path / "p")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["review", "-f", "p/storyboard.yaml", "--contact-sheet"])
    assert result.exit_code == 0, result.output
    assert (root / "renders" / "review" / "index.html").is_file()
    assert png_size(root / "renders" / "review" / "contact-sheet.png")[0] > 0


def test_a_project_never_built_shows_placeholders_only(tmp_path: Path) -> None:
    root = tmp_path / "fresh"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns(".storyboard", "renders",
                                                                 "storyboard.lock"))
    page = write_review(Project.load(root), root / "renders" / "review", contact_sheet=True)
    refs = parse(page)
    assert all(refs.sections[f"shot-{s}"] == "not built" for s in SHOTS)
    assert refs.sections["cut-trailer"] == "not built"
    assert not [u for u in refs.urls if u[0] in ("img", "video", "source")]
    assert page.read_text("utf-8").count('class="placeholder">not built yet<') == (
        2 * len(SHOTS) + 2 + 7 + 2)  # strip and cards, cut players, cut entries
    assert not (page.parent / "contact-sheet.png").exists()
    assert "· 7 shots, 0 built, 0 stale · 2 cuts · 0 CU" in page.read_text("utf-8")


def test_counts_of_one_are_singular(tmp_path: Path) -> None:
    (tmp_path / "storyboard.yaml").write_text(
        "version: 1\nname: one\nshots:\n  dawn: {generate: {prompt: A}}\n"
        "cuts:\n  t: {shots: [dawn]}\n", "utf-8")
    page = write_review(Project.load(tmp_path), tmp_path / "review")
    assert "· 1 shot, 0 built, 0 stale · 1 cut · 0 CU" in page.read_text("utf-8")
