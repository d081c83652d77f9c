"""The review page as one HTML string: inline CSS, one small inline script, no network.

Everything it points at is a relative path that `site.py` placed next to it, so the folder
opens from disk, can be zipped and mailed, and shows a placeholder (never a broken image) for
anything not built yet. The inline script only reports, into <body data-*>, whether every image
decoded (and, with `?check` in the URL, whether every video loads): tests read it headless.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from html import escape
from typing import TYPE_CHECKING

from storyboard.cache.textdiff import change_html, diff_html
from storyboard.review.collect import CutView, EntryView, Review, ShotView, State, Why

if TYPE_CHECKING:  # annotations only: the takes come from `Project.takes`
    from storyboard.history import Take


@dataclass
class Links:
    """Relative URLs (from the page) by node id: the playable video and its poster frame;
    takes' videos and posters by output digest."""

    video: dict[str, str] = field(default_factory=dict)
    poster: dict[str, str] = field(default_factory=dict)
    take_video: dict[str, str] = field(default_factory=dict)
    take_poster: dict[str, str] = field(default_factory=dict)
    contact_sheet: str | None = None


CSS = """
:root { color-scheme: light dark; --bg: #f4f2ee; --card: #fff; --ink: #1d1d1f; --dim: #6b6b70;
  --line: #dddad3; --ok: #1f7a3a; --stale: #a35a00; --new: #6b6b70; }
@media (prefers-color-scheme: dark) { :root { --bg: #16161a; --card: #222227; --ink: #ececf0;
  --dim: #9a9aa3; --line: #33333a; --ok: #5cc77f; --stale: #f0a44b; --new: #9a9aa3; } }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink);
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", sans-serif; }
header, main { max-width: 1240px; margin: 0 auto; padding: 0 20px; }
header { padding-top: 24px; }
h1 { margin: 0 0 4px; font-size: 26px; }
h2 { margin: 32px 0 12px; font-size: 20px; border-bottom: 1px solid var(--line); }
nav a, ol.entries a { margin-right: 14px; color: inherit; }
.dim { color: var(--dim); }
.strip { display: flex; gap: 8px; overflow-x: auto; padding: 8px 0; }
.strip a { flex: 0 0 auto; width: 128px; text-decoration: none; color: inherit; font-size: 12px; }
.strip img, .strip .placeholder { width: 128px; height: 72px; object-fit: contain;
  background-color: #000; border-radius: 4px; font-size: 11px; }
.strip img { display: block; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(340px, 1fr)); gap: 16px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px;
  padding: 12px; min-width: 0; }
.card h3 { margin: 8px 0 6px; font-size: 17px; display: flex; gap: 8px; align-items: center; }
.frame { background: #000; border-radius: 6px; overflow: hidden; aspect-ratio: 16 / 9;
  display: flex; align-items: center; justify-content: center; }
.frame video { width: 100%; height: 100%; object-fit: contain; display: block; }
.placeholder { display: flex; align-items: center; justify-content: center; color: #bbb;
  background: repeating-linear-gradient(45deg, #2a2a2f 0 10px, #303036 10px 20px);
  width: 100%; height: 100%; font-size: 14px; letter-spacing: .04em; }
.badge { font-size: 12px; font-weight: 600; border-radius: 10px; padding: 1px 8px;
  border: 1px solid currentColor; }
.badge.ok { color: var(--ok); } .badge.stale { color: var(--stale); }
.badge.new { color: var(--new); }
blockquote { margin: 6px 0 8px; padding: 4px 10px; border-left: 3px solid var(--line);
  font-style: italic; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 6px 0;
  font-size: 13px; }
dt { color: var(--dim); } dd { margin: 0; overflow-wrap: anywhere; }
ul.reasons { margin: 6px 0; padding-left: 18px; color: var(--stale); font-size: 13px; }
details { font-size: 13px; margin-top: 6px; }
.cut { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 16px; }
@media (max-width: 800px) { .cut { grid-template-columns: 1fr; } }
ol.entries { margin: 0; padding-left: 22px; }
ol.entries li { margin-bottom: 6px; }
ol.entries .row { display: flex; gap: 10px; align-items: center; }
ol.entries img, ol.entries .placeholder { width: 96px; height: 54px; object-fit: contain;
  background-color: #000; border-radius: 3px; flex: 0 0 auto; font-size: 10px; }
.graph { background: #fff; border-radius: 8px; padding: 8px; overflow-x: auto; }
.graph svg { max-width: 100%; height: auto; }
pre { background: var(--card); border: 1px solid var(--line); padding: 10px; overflow-x: auto;
  font-size: 12px; }
.sheet img { max-width: 100%; border-radius: 6px; }
del { background: rgba(200, 40, 40, .16); color: inherit; text-decoration: line-through; }
ins { background: rgba(30, 150, 70, .18); color: inherit; text-decoration: none; }
.skip { color: var(--dim); }
.made { font-size: 12px; margin: 6px 0 0; }
.takes { background: var(--card); border: 1px solid var(--line); border-radius: 8px;
  padding: 12px; margin-bottom: 16px; }
.takes h3 { margin: 0 0 8px; font-size: 17px; }
.takes-row { display: grid; grid-template-columns: repeat(auto-fill, minmax(260px, 1fr));
  gap: 12px; }
.take { border: 1px solid var(--line); border-radius: 6px; padding: 8px; min-width: 0; }
.take.current { border: 2px solid var(--ok); }
.take h4 { margin: 6px 0 4px; font-size: 15px; display: flex; gap: 6px; align-items: center; }
.take .diff { font-size: 13px; }
footer { max-width: 1240px; margin: 32px auto; padding: 0 20px; font-size: 12px; }
"""

# Reports into <body data-*> whether the page's own files load; prints nothing.
CHECK_SCRIPT = """
(function () {
  var body = document.body;
  if (/[?&]check\\b/.test(window.location.search)) {
    // Started while the page parses, so the probes hold back its load event until they settle.
    var sources = document.querySelectorAll("video source"), left = sources.length, failed = [];
    body.dataset.videos = String(left);
    body.dataset.videosOk = left ? "pending" : "yes";
    Array.prototype.forEach.call(sources, function (source) {
      var probe = document.createElement("video"), settled = false;
      var settle = function (ok) {
        if (settled) { return; }
        settled = true;
        if (!ok) { failed.push(source.getAttribute("src")); }
        left -= 1;
        if (left === 0) {
          body.dataset.videosOk = failed.length ? "no" : "yes";
          body.dataset.videosBad = failed.join(" ");
        }
      };
      probe.muted = true;
      probe.preload = "auto";
      probe.addEventListener("loadeddata", function () { settle(probe.duration > 0); });
      probe.addEventListener("error", function () { settle(false); });
      probe.src = source.src;
    });
  }
  window.addEventListener("load", function () {
    var bad = [];
    Array.prototype.forEach.call(document.images, function (img) {
      if (!img.complete || img.naturalWidth === 0) { bad.push(img.getAttribute("src")); }
    });
    body.dataset.images = String(document.images.length);
    body.dataset.imagesOk = bad.length ? "no" : "yes";
    body.dataset.imagesBad = bad.join(" ");
  });
})();
"""

_BADGE = {"up to date": ("ok", "up to date"), "stale": ("stale", "stale"),
          "not built": ("new", "not built yet")}


def render_page(review: Review, links: Links, graph_svg: str | None) -> str:
    built = sum(1 for s in review.shots if s.state != "not built")
    retaken = [s for s in review.shots if s.built_takes > 1]
    stale = sum(1 for s in review.shots if s.state == "stale")
    spent = sum(s.cost for s in review.shots)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(review.title)}: review</title>",
        f"<style>{CSS}</style></head>",
        "<body>",
        "<header>",
        f"<h1>{escape(review.title)}</h1>",
        f'<p class="dim">{escape(review.file)} · {_count(len(review.shots), "shot")}, '
        f"{built} built, {stale} stale · {_count(len(review.cuts), 'cut')} · {spent:g} CU "
        "spent on what is shown</p>",
        '<nav><a href="#shots">Shots</a>'
        + ('<a href="#takes">Takes</a>' if retaken else "")
        + '<a href="#cuts">Cuts</a><a href="#graph">Graph</a>'
        + ('<a href="#contact-sheet">Contact sheet</a>' if links.contact_sheet else "")
        + "</nav>",
        '<div class="strip">',
        *(_strip_item(s, links) for s in review.shots),
        "</div>",
        "</header>",
        "<main>",
        '<h2 id="shots">Shots</h2>',
        '<div class="grid">',
        *(_shot_card(s, links) for s in review.shots),
        "</div>",
        *(['<h2 id="takes">Takes</h2>'] if retaken else []),
        *(_takes(s, links) for s in retaken),
        '<h2 id="cuts">Cuts</h2>',
        *(_cut_card(c, review, links) for c in review.cuts),
        *([] if review.cuts else ['<p class="dim">No cuts in this storyboard.</p>']),
        '<h2 id="graph">Graph</h2>',
        _graph(review, graph_svg),
    ]
    if links.contact_sheet:
        parts += ['<h2 id="contact-sheet">Contact sheet</h2>',
                  f'<p class="sheet"><img src="{escape(links.contact_sheet)}" '
                  'alt="contact sheet: the middle frame of every built shot"></p>']
    parts += [
        "</main>",
        '<footer class="dim">Made by <code>storyboard review</code>. Opens from disk: every '
        "file it shows sits in this folder.</footer>",
        f"<script>{CHECK_SCRIPT}</script>",
        "</body></html>",
        "",
    ]
    return "\n".join(parts)


def _badge(state: State) -> str:
    cls, text = _BADGE[state]
    return f'<span class="badge {cls}">{text}</span>'


def _placeholder(text: str = "not built yet") -> str:
    return f'<div class="placeholder">{escape(text)}</div>'


def _player(node: str, links: Links) -> str:
    # Every frame is 16:9 so the cards line up; other shapes are letter- or pillarboxed.
    video = links.video.get(node)
    if video is None:
        return f'<div class="frame">{_placeholder()}</div>'
    poster = links.poster.get(node)
    poster_attr = f' poster="{escape(poster)}"' if poster else ""
    return (f'<div class="frame"><video controls preload="none"{poster_attr}>'
            f'<source src="{escape(video)}" type="video/mp4"></video></div>')


def _thumb(node: str, links: Links, alt: str) -> str:
    poster = links.poster.get(node)
    if poster is None:
        return _placeholder()
    return f'<img src="{escape(poster)}" alt="{escape(alt)}" loading="eager">'


def _strip_item(shot: ShotView, links: Links) -> str:
    return (f'<a href="#shot-{escape(shot.name)}">{_thumb(shot.node, links, shot.name)}'
            f"{escape(shot.name)}</a>")


def _rows(pairs: Iterable[tuple[str, str | None]]) -> str:
    return "<dl>" + "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>"
                            for k, v in pairs if v not in (None, "")) + "</dl>"


def _reason(why: Why) -> str:
    """A reason as HTML: a changed value as a word diff (`<del>`/`<ins>`) when long."""
    r = why.reason
    where = f"{escape(why.where)}: " if why.where else ""
    if r.code == "field changed":
        return f"{where}{escape(r.field)} changed: {change_html(r.old, r.new)}"
    if r.code == "cut changed" and isinstance(r.old, str) and isinstance(r.new, str) \
            and r.field in ("music", "frame"):
        return f"{where}{escape(r.field)} changed: {diff_html(r.old, r.new)}"
    return where + escape(r.text)


def _reasons(reasons: tuple[Why, ...], title: str = "") -> str:
    if not reasons:
        return ""
    head = f'<p class="made">{escape(title)}</p>' if title else ""
    return head + '<ul class="reasons">' + "".join(f"<li>{_reason(w)}</li>"
                                                    for w in reasons) + "</ul>"


def _seconds(value: float | None) -> str | None:
    return None if value is None else f"{value:g} s"


def _shot_card(shot: ShotView, links: Links) -> str:
    rec = shot.record
    rows = _rows([
        ("model", shot.model or shot.kind.replace("_", " ")),
        ("kind", shot.kind.replace("_", " ")),
        ("take", str(rec.take) if rec else None),
        ("provider", rec.provider if rec else None),
        ("cost", f"{shot.cost:g} CU" if rec else None),
        ("job", rec.job if rec else None),
        ("duration", _seconds(shot.duration)),
        ("size", f"{shot.width}×{shot.height}" if shot.width and shot.height else None),
        ("made", rec.time if rec else None),
        ("output", rec.output[:12] if rec else None),
    ])
    steps = ""
    if len(shot.steps) > 1:
        items = "".join(
            f"<li><b>{escape(s.label)}</b> · {escape(s.kind)}"
            f"{' · ' + escape(s.model) if s.model else ''} {_badge(s.state)}"
            f"{'<br><i>' + escape(s.prompt) + '</i>' if s.prompt else ''}</li>"
            for s in shot.steps
        )
        steps = f"<details><summary>{len(shot.steps)} steps</summary><ol>{items}</ol></details>"
    if shot.state == "stale" and shot.built_prompt and shot.built_prompt != shot.prompt:
        # The video is the last one built: show the prompt that made it; the change waits.
        prompt = (f'<p class="made">Shown: take {rec.take if rec else "?"}, made from</p>'
                  f"<blockquote>{escape(shot.built_prompt)}</blockquote>")
    else:
        prompt = f"<blockquote>{escape(shot.prompt)}</blockquote>" if shot.prompt else ""
    pending = "Pending (a build makes these):" if shot.state == "stale" else ""
    takes = ""
    if shot.built_takes > 1:
        takes = (f'<p class="made"><a href="#takes-{escape(shot.name)}">{shot.built_takes} '
                 "takes, side by side</a></p>")
    return (f'<section class="card shot" id="shot-{escape(shot.name)}" '
            f'data-state="{escape(shot.state)}">'
            f"{_player(shot.node, links)}"
            f"<h3>{escape(shot.name)} {_badge(shot.state)}</h3>"
            f"{prompt}{rows}{_reasons(shot.reasons, pending)}{takes}{steps}</section>")


def _take(take: Take, current_prompt: str, shown: str | None, links: Links) -> str:
    video = links.take_video.get(take.output)
    if video is not None:
        poster = links.take_poster.get(take.output)
        poster_attr = f' poster="{escape(poster)}"' if poster else ""
        player = (f'<div class="frame"><video controls preload="none"{poster_attr}>'
                  f'<source src="{escape(video)}" type="video/mp4"></video></div>')
    else:
        text = ("not built yet" if not take.built
                else "not in this cache (storyboard pull)")
        player = f'<div class="frame">{_placeholder(text)}</div>'
    badges = ""
    if take.current:
        badges += '<span class="badge ok">current</span>'
    if take.built and take.output == shown and take.locked:
        badges += '<span class="badge new">shown above</span>'
    if take.prompt is None:
        prompt = '<span class="dim">prompt not recorded in this working copy</span>'
    elif take.prompt == current_prompt:
        prompt = '<span class="dim">the prompt the file has now</span>'
    else:
        prompt = f"{diff_html(take.prompt, current_prompt)}"
    rows = _rows([
        ("provider", take.provider),
        ("model", take.model),
        ("cost", f"{take.cost:g} CU" if take.built else None),
        ("made", take.time or None),
        ("output", take.output[:12] or None),
    ])
    return (f'<div class="take{" current" if take.current else ""}" data-take="{take.take}" '
            f'data-current="{"yes" if take.current else "no"}">{player}'
            f"<h4>take {take.take} {badges}</h4>{rows}"
            f'<div class="diff"><span class="dim">prompt vs now:</span> {prompt}</div></div>')


def _takes(shot: ShotView, links: Links) -> str:
    assert shot.takes is not None
    shown = shot.output
    tiles = "".join(_take(t, shot.takes.prompt, shown, links) for t in shot.takes.takes)
    return (f'<section class="takes" id="takes-{escape(shot.name)}">'
            f'<h3><a href="#shot-{escape(shot.name)}">{escape(shot.name)}</a>: '
            f"{shot.built_takes} takes</h3>"
            f'<div class="takes-row">{tiles}</div></section>')


def _entry(entry: EntryView, review: Review, links: Links) -> str:
    shot = review.shot(entry.shot)
    node = shot.node if shot is not None else entry.node
    bits = []
    if entry.trim_in or entry.trim_out is not None:
        out = "end" if entry.trim_out is None else f"{entry.trim_out:g}s"
        bits.append(f"trim {entry.trim_in:g}s–{out}")
    if entry.transition != "cut":
        bits.append(f"{entry.transition} {entry.transition_duration:g}s in")
    target = f"#shot-{entry.shot}" if shot is not None else ""
    name = (f'<a href="{escape(target)}">{escape(entry.shot)}</a>' if target
            else escape(entry.shot) + (" (asset)" if entry.asset else ""))
    detail = f'<br><span class="dim">{escape(", ".join(bits))}</span>' if bits else ""
    return (f'<li><div class="row">{_thumb(node, links, entry.shot)}'
            f"<div>{name}{detail}</div></div></li>")


def _cut_card(cut: CutView, review: Review, links: Links) -> str:
    rec = cut.record
    rows = _rows([
        ("render", cut.path),
        ("duration", _seconds(cut.duration)),
        ("frame", f"{cut.width}×{cut.height} at {cut.fps:g} fps, fit {cut.fit}"),
        ("music", cut.audio),
        ("made", rec.time if rec else None),
        ("output", rec.output[:12] if rec else None),
    ])
    entries = "".join(_entry(e, review, links) for e in cut.entries)
    return (f'<section class="card cut-card" id="cut-{escape(cut.name)}" '
            f'data-state="{escape(cut.state)}">'
            f'<h3>{escape(cut.name)} {_badge(cut.state)}</h3><div class="cut"><div>'
            f"{_player(cut.node, links)}{rows}{_reasons(cut.reasons)}"
            f'</div><div><b>{len(cut.entries)} entries, in order</b>'
            f'<ol class="entries">{entries}</ol></div></div></section>')


def _graph(review: Review, svg: str | None) -> str:
    if svg is not None:
        return f'<div class="graph">{svg}</div>'
    edges = "".join(f"<li>{escape(a)} → {escape(b)}</li>" for a, b in review.edges)
    return ('<p class="dim">Graphviz is not installed, so here is the graph as Mermaid text '
            "(paste it into any Mermaid viewer) and as a list of edges.</p>"
            f'<pre class="mermaid-text">{escape(review.mermaid)}</pre>'
            f'<ul class="edges">{edges}</ul>')


def _count(n: int, noun: str) -> str:
    """'1 shot', '2 shots': the page is read by people, like the CLI's counts."""
    return f"{n} {noun}{'' if n == 1 else 's'}"
