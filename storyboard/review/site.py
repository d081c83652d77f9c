"""`write_review`: the review folder (index.html, media/, thumbs/, contact-sheet.png).

Shot and cut outputs are hard-linked (or copied) out of the cache into media/ under readable
names with an extension, so the page plays them from disk; poster frames are made once per
output digest in `.storyboard/thumbs/` and placed in thumbs/. Files of earlier reviews that the
page no longer names are removed from those two folders, nothing else.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from storyboard.cache.place import Placer, placed_name
from storyboard.cache.store import link_or_copy
from storyboard.errors import GraphvizError
from storyboard.media import stills
from storyboard.review.collect import Review, collect
from storyboard.review.graphviz import dot_to_svg, find_dot, inline_svg
from storyboard.review.page import Links, render_page

if TYPE_CHECKING:  # annotations only: Project calls into this module
    from storyboard.project import Project

PAGE = "index.html"
CONTACT_SHEET = "contact-sheet.png"
THUMB_WIDTH = 480


@dataclass(frozen=True)
class ReviewResult:
    """What `Project.review` wrote."""

    page: Path
    contact_sheet: Path | None  # None: not asked for, or no shot built yet


def write_review(project: Project, out_dir: Path | str, contact_sheet: bool = False, *,
                 graphviz: bool = True) -> Path:
    """Write the review page for `project` into `out_dir`; return the page's path.

    Offline and free: nothing is built; shots not built yet get a placeholder (and no tile
    in the contact sheet, which is not written when no shot is built). `graphviz`
    False (or no `dot` on PATH) shows the graph as Mermaid text instead of inline SVG.
    """
    out = Path(out_dir)
    review = collect(project)
    placer = _Placer(project, out)
    links = Links()
    for shot in review.shots:
        if shot.output is not None:
            links.video[shot.node] = placer.media(shot.output, shot.name)
            links.poster[shot.node] = placer.poster(shot.output, shot.name)
        if shot.takes is not None and shot.built_takes > 1:
            for take in shot.takes.takes:
                if take.present and take.output not in links.take_video:
                    links.take_video[take.output] = placer.media(take.output, shot.name)
                    links.take_poster[take.output] = placer.poster(take.output, shot.name)
    for cut in review.cuts:
        if cut.output is not None:
            links.video[cut.node] = placer.media(cut.output, cut.name)
            links.poster[cut.node] = placer.poster(cut.output, cut.name)
        for entry in cut.entries:
            if entry.asset is not None and entry.node not in links.poster:
                asset = project.root / entry.asset
                digest = project.file_digest(asset)
                links.poster[entry.node] = placer.poster(digest, entry.shot, source=asset)
    sheet = out / CONTACT_SHEET
    if contact_sheet:
        tiles = [stills.Tile(placer.cached_thumb(s.output), s.name)
                 for s in review.shots if s.output is not None]
        if tiles:
            stills.contact_sheet(project.ffmpeg, tiles, sheet)
            links.contact_sheet = CONTACT_SHEET
        else:
            sheet.unlink(missing_ok=True)  # nothing built: no sheet rather than an old one
    elif sheet.is_file():
        links.contact_sheet = CONTACT_SHEET  # an earlier --contact-sheet: keep showing it
    page = out / PAGE
    _write_text(page, render_page(review, links, _graph_svg(review, graphviz)))
    placer.prune()
    placer.files.save()
    return page


def _graph_svg(review: Review, graphviz: bool) -> str | None:
    dot = find_dot() if graphviz else None
    if dot is None:
        return None
    try:
        return inline_svg(dot_to_svg(review.dot, dot=dot))
    except GraphvizError:
        return None  # a broken Graphviz must not cost the review: the Mermaid text stands in


class _Placer:
    """Puts outputs and posters under the review folder and answers with page-relative URLs."""

    def __init__(self, project: Project, out: Path) -> None:
        self.project = project
        self.out = out
        self.thumbs = project.work_dir("thumbs")
        self.files: Placer = project.placer(out)

    def media(self, digest: str, name: str) -> str:
        return self._url(self.files.output(digest, name))

    def cached_thumb(self, digest: str, source: Path | None = None) -> Path:
        cached = self.thumbs / f"{digest}.jpg"
        if not cached.is_file():
            video = source or self.files.source(digest)
            stills.thumbnail(self.project.ffmpeg, video, cached, width=THUMB_WIDTH)
        return cached

    def poster(self, digest: str, name: str, source: Path | None = None) -> str:
        cached = self.cached_thumb(digest, source)
        dst = self.out / "thumbs" / placed_name(name, digest, ".jpg")
        # Posters are named by their video's digest, so the size tells a stale copy apart.
        if not (dst.is_file() and dst.stat().st_size == cached.stat().st_size):
            link_or_copy(cached, dst)
        return self._url(dst)

    def _url(self, path: Path) -> str:
        self.files.placed.add(path)
        return quote(path.relative_to(self.out).as_posix())

    def prune(self) -> None:
        self.files.prune(("media", "thumbs"))


def _write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
