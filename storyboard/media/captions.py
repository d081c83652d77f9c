"""Overlays on what people watch: the preview slate and timecode, and which fonts draw them.

User text (names, prompts) is set by Pillow into a picture (see slate.py and typeset.py), so no
character a user can type (quotes, colons, backslashes, %, newlines, emoji, CJK) is ever parsed
by ffmpeg; drawtext only draws our own timecode and counter. Fonts: the Noto faces the install
ships, else one found on the system without fontconfig; with none, no overlays are drawn.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

import ffmpeg

from storyboard.media.graph import Stream, rate_text, still_input
from storyboard.media.slate import SlateText, draw_slate, slate_layout
from storyboard.media.typeset import FontChain, shipped_fonts

PACKAGE_FONTS = Path(__file__).parent / "fonts"
# Best first: a CJK-capable face draws Japanese prompts too; DejaVu is on most Linux systems.
KNOWN_FONTS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
    "/usr/share/fonts/truetype/freefont/FreeSans.ttf",
    "/System/Library/Fonts/Supplemental/Arial Unicode.ttf",
    "/System/Library/Fonts/Supplemental/Arial.ttf",
    "/Library/Fonts/Arial.ttf",
    "C:/Windows/Fonts/arial.ttf",
)
FONT_DIRS = (
    "/usr/share/fonts",
    "/usr/local/share/fonts",
    "~/.local/share/fonts",
    "~/.fonts",
    "/System/Library/Fonts",
    "/Library/Fonts",
    "C:/Windows/Fonts",
)
FONT_SUFFIXES = {".ttf", ".otf", ".ttc"}


@functools.cache
def system_font() -> Path | None:
    """The first usable font file on this machine, or None."""
    return first_font(_candidates())


def first_font(candidates: Iterable[Path]) -> Path | None:
    return next((p for p in candidates if p.is_file() and os.access(p, os.R_OK)), None)


def _candidates() -> Iterable[Path]:
    if PACKAGE_FONTS.is_dir():
        yield from sorted(p for p in PACKAGE_FONTS.iterdir() if p.suffix.lower() in FONT_SUFFIXES)
    yield from (Path(p) for p in KNOWN_FONTS)
    for folder in FONT_DIRS:
        root = Path(folder).expanduser()
        if root.is_dir():
            # Regular sans faces read best; any font beats no caption.
            found = sorted(p for p in root.rglob("*") if p.suffix.lower() in FONT_SUFFIXES)
            yield from sorted(found, key=_font_preference)


def _font_preference(path: Path) -> tuple[int, str]:
    name = path.name.lower()
    regular = "sans" in name and not any(w in name for w in ("bold", "italic", "oblique", "mono"))
    return (0 if regular else 1, name)


def draw_overlays(stream: Stream, text: SlateText, chain: FontChain, width: int, height: int,
                  fps: float, workdir: Path) -> Stream:
    """The slate (a PNG drawn by Pillow) over every frame, then the running timecode and the
    frame counter, drawn by ffmpeg in the boxes the layout kept for them. Their text is ours
    (digits and a word), read from a file; user text never reaches a filter."""
    layout = slate_layout(text, width, height, chain)
    picture = workdir / "slate.png"
    draw_slate(layout, text.camera, picture)
    # The slate input is one picture; overlay repeats it on every frame of the plate.
    stream = ffmpeg.overlay(stream, still_input(picture), format="yuv420")
    font = str(chain.primary)
    common = {"fontfile": font, "fontsize": layout.timecode.style.size, "fontcolor": "white",
              "y": layout.timecode.box.y + round(layout.timecode.style.size * 0.05)}
    stream = stream.filter("drawtext", timecode="00:00:00:00", rate=rate_text(fps),
                           x=layout.timecode.box.x, **common)
    counter = workdir / "counter.txt"
    counter.write_text(f"frame %{{eif:n+1:d}}/{text.frames}", encoding="utf-8")
    return stream.filter("drawtext", textfile=str(counter), expansion="normal",
                         x=f"{layout.counter.box.right}-text_w", **common)


def _chars_per_line(usable: int, size: int) -> int:
    return max(8, int(usable / (size * 0.6)))


def _fit_line(text: str, usable: int, size: int) -> str:
    line = " ".join(text.split())
    limit = _chars_per_line(usable, size)
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def resolve_font(fonts: Sequence[Path] | None) -> Path | None:
    """The font to label with: the first readable of `fonts`, or the shipped or system one."""
    if fonts is None:
        shipped = shipped_fonts()
        return shipped.primary if shipped else system_font()
    return first_font(fonts)


def resolve_chain(fonts: Sequence[Path] | None) -> FontChain | None:
    """The fonts to set slates in: `fonts` in order (the readable ones), else the shipped Noto
    faces, else one system font; None means no overlays at all."""
    if fonts is not None:
        readable = tuple(p for p in fonts if first_font([p]) is not None)
        return FontChain(readable) if readable else None
    shipped = shipped_fonts()
    if shipped is not None:
        return shipped
    found = system_font()
    return FontChain((found,)) if found else None
