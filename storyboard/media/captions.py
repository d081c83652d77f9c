"""Burned-in captions for preview clips: shot name, wrapped prompt, model name.

Text reaches drawtext through UTF-8 files with `expansion=none`, so no character a user can type
(quotes, colons, backslashes, %, newlines, emoji, CJK) is ever parsed by ffmpeg. Fonts are found
without fontconfig; with no font at all, previews are rendered without captions.
"""

from __future__ import annotations

import functools
import os
import textwrap
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from storyboard.media.graph import Stream

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


@dataclass(frozen=True)
class CaptionText:
    title: str
    prompt: str
    model: str


def draw_caption(
    stream: Stream,
    text: CaptionText,
    font: Path,
    width: int,
    height: int,
    workdir: Path,
) -> Stream:
    """Draw the caption on every frame; writes its text files into workdir."""
    margin = max(4, round(min(width, height) * 0.05))
    title_size = max(10, height // 14)
    body_size = max(8, height // 28)
    small_size = max(7, height // 40)
    usable = width - 2 * margin

    title = _fit_line(_clean(text.title), usable, title_size)
    body_top = margin + round(title_size * 1.5)
    room = height - body_top - margin - 2 * small_size
    body = _wrap(
        _clean(text.prompt), usable, body_size, max_lines=max(1, room // (body_size * 5 // 4))
    )
    model = _fit_line(_clean(text.model), usable, small_size)

    layers = (
        ("title", title, title_size, str(margin), str(margin)),
        ("prompt", body, body_size, str(margin), str(body_top)),
        ("model", model, small_size, f"w-text_w-{margin}", f"h-text_h-{margin}"),
    )
    for name, content, size, x, y in layers:
        if not content:
            continue  # drawtext refuses an empty text file
        textfile = workdir / f"caption-{name}.txt"
        textfile.write_text(content, encoding="utf-8")
        stream = stream.filter(
            "drawtext",
            fontfile=str(font),
            textfile=str(textfile),
            expansion="none",
            fontsize=size,
            fontcolor="white",
            line_spacing=max(1, size // 4),
            box=1,
            boxcolor="black@0.45",
            boxborderw=max(2, size // 4),
            x=x,
            y=y,
        )
    return stream


def _clean(text: str) -> str:
    # Control characters render as boxes or break lines unpredictably; keep only newlines.
    text = text.replace("\r\n", "\n").replace("\t", " ")
    return "".join(c for c in text if c == "\n" or unicodedata.category(c)[0] != "C").strip()


def _chars_per_line(usable: int, size: int) -> int:
    return max(8, int(usable / (size * 0.6)))


def _fit_line(text: str, usable: int, size: int) -> str:
    line = " ".join(text.split())
    limit = _chars_per_line(usable, size)
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def _wrap(text: str, usable: int, size: int, max_lines: int) -> str:
    limit = _chars_per_line(usable, size)
    lines: list[str] = []
    for paragraph in text.split("\n"):
        lines.extend(textwrap.wrap(paragraph, limit) or [""])
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1][: limit - 1].rstrip() + "…"
    return "\n".join(lines).strip("\n")


def resolve_font(fonts: Sequence[Path] | None) -> Path | None:
    """The font to caption with: the first readable of `fonts`, or the system's if None."""
    return system_font() if fonts is None else first_font(fonts)
