"""Setting user text in pictures: per-run font choice over shipped Noto faces, measuring, wrapping.

Text is drawn by Pillow into images that ffmpeg overlays, so no character a user types ever
reaches a filter's option parser. Each character goes to the first face that has a glyph for it
(Latin, CJK, emoji, symbols, other scripts), runs of one face are drawn together; a character no
face has becomes U+FFFD rather than an empty box. The faces come from the font packages the
install depends on, so every machine sets a prompt the same way.
"""

from __future__ import annotations

import functools
import importlib.util
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import ImageDraw, ImageFont

from storyboard.errors import MediaError

Font = ImageFont.FreeTypeFont

# Emoji first for the pictographic blocks, so a heart or a star is drawn as an emoji, not as a
# CJK symbol; Latin first for everything else.
_EMOJI_BLOCKS = ((0x1F000, 0x1FAFF), (0x2600, 0x27BF), (0x2B00, 0x2BFF))
_JOINERS = {0x200D, 0xFE0E, 0xFE0F}  # zero-width: they stay in the run of what they follow
_REPLACEMENT = "\ufffd"


@dataclass(frozen=True)
class FontChain:
    """Font files in the order characters try them; `emoji` is the face pictographs try first."""

    files: tuple[Path, ...]
    emoji: Path | None = None

    def __post_init__(self) -> None:
        if not self.files:
            raise MediaError("a font chain needs at least one font file")

    @property
    def primary(self) -> Path:
        return self.files[0]


def _package_dir(module: str) -> Path | None:
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


@functools.cache
def shipped_fonts() -> FontChain | None:
    """The Noto faces from the font packages storyboard installs, or None if they are gone."""
    latin_dir, cjk_dir = _package_dir("manimgx_fonts"), _package_dir("manimgx_fonts_cjk")
    if latin_dir is None:
        return None
    sans = latin_dir / "NotoSans[wght].ttf"
    emoji = latin_dir / "NotoEmoji[wght].ttf"
    files = [sans]
    if cjk_dir is not None:
        files.append(cjk_dir / "NotoSansCJK-VF.otf.ttc")
    files.append(emoji)
    files.append(latin_dir / "NotoSansSymbols[wght].ttf")
    files.extend(sorted(p for p in latin_dir.glob("NotoSans*[[]wght].ttf")
                        if p not in files and "Italic" not in p.name))
    present = tuple(p for p in files if p.is_file())
    if sans not in present:
        return None
    return FontChain(present, emoji if emoji in present else None)


@functools.lru_cache(maxsize=256)
def face(path: Path, size: int, weight: int = 400) -> Font:
    """One face at one pixel size; variable faces are set to `weight` (the default instance of
    Noto Sans CJK is Thin)."""
    try:
        font = ImageFont.truetype(str(path), size, index=0)
    except OSError as exc:
        raise MediaError(f"cannot read the font {path} ({exc}); reinstall storyboard") from exc
    try:
        axes = font.get_variation_axes()
    except OSError:
        return font  # not a variable font
    values = [float(weight) if a.get("name") in (b"Weight", "Weight") else float(a["default"] or 0)
              for a in axes]
    font.set_variation_by_axes(values)
    return font


@functools.lru_cache(maxsize=8192)
def has_glyph(path: Path, char: str) -> bool:
    """Whether the face draws `char` as something other than its missing-glyph box (compared
    with what it draws for U+FFFF, a non-character no font maps)."""
    font = face(path, 32)
    return _glyph_signature(font, char) != _glyph_signature(font, "\uffff")


def _glyph_signature(font: Font, char: str) -> tuple[object, ...]:
    mask, offset = font.getmask2(char)
    return mask.size, offset, bytes(mask)


def _pictograph(char: str) -> bool:
    code = ord(char)
    return any(lo <= code <= hi for lo, hi in _EMOJI_BLOCKS)


def font_for(chain: FontChain, char: str) -> Path | None:
    """The face that draws `char`, or None when no face has it."""
    if char.isspace():
        return chain.primary
    order: Sequence[Path] = chain.files
    if chain.emoji is not None and _pictograph(char):
        order = (chain.emoji, *chain.files)
    return next((p for p in order if has_glyph(p, char)), None)


def runs(text: str, chain: FontChain) -> list[tuple[str, Path]]:
    """`text` cut into runs that one face draws; characters no face has become U+FFFD."""
    out: list[tuple[str, Path]] = []
    for char in text:
        if ord(char) in _JOINERS or unicodedata.category(char) in ("Mn", "Me", "Cf"):
            if out:
                out[-1] = (out[-1][0] + char, out[-1][1])
            continue
        path = font_for(chain, char)
        if path is None:
            char, path = _REPLACEMENT, chain.primary
        if out and out[-1][1] == path:
            out[-1] = (out[-1][0] + char, path)
        else:
            out.append((char, path))
    return out


def clean(text: str) -> str:
    """Control characters render as boxes or break lines unpredictably; keep only newlines."""
    text = text.replace("\r\n", "\n").replace("\t", " ")
    return "".join(c for c in text if c == "\n" or unicodedata.category(c)[0] != "C"
                   or ord(c) in _JOINERS).strip()


@dataclass(frozen=True)
class Style:
    chain: FontChain
    size: int
    weight: int = 400

    def font(self, path: Path) -> Font:
        return face(path, self.size, self.weight)

    @property
    def line_height(self) -> int:
        return round(self.size * 1.3)


def measure(text: str, style: Style) -> int:
    """The advance width of one line in pixels."""
    return round(sum(style.font(p).getlength(run) for run, p in runs(text, style.chain)))


def draw_line(draw: ImageDraw.ImageDraw, xy: tuple[int, int], text: str, style: Style,
              fill: tuple[int, int, int, int]) -> None:
    """One line with its top-left at xy, each run in its face, on one shared baseline."""
    x, top = xy
    baseline = top + round(style.size * 1.05)
    for run, path in runs(text, style.chain):
        font = style.font(path)
        draw.text((x, baseline), run, font=font, fill=fill, anchor="ls")
        x += round(font.getlength(run))


def _breakable(char: str) -> bool:
    # CJK text has no spaces: a line may break after any wide character.
    return unicodedata.east_asian_width(char) in ("W", "F")


def _words(paragraph: str) -> list[str]:
    """Pieces a line may break between: words with their trailing space, single wide chars."""
    pieces: list[str] = []
    current = ""
    for char in paragraph:
        if _breakable(char):
            if current:
                pieces.append(current)
            pieces.append(char)
            current = ""
        elif char == " ":
            current += char
            pieces.append(current)
            current = ""
        else:
            current += char
    if current:
        pieces.append(current)
    return pieces


def wrap(text: str, width: int, style: Style) -> list[str]:
    """Lines no wider than `width`; a word wider than a line is cut where it must be."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for piece in _words(paragraph):
            if measure((line + piece).rstrip(), style) <= width:
                line += piece
                continue
            if line.strip():
                lines.append(line.rstrip())
            line = piece.lstrip()
            while measure(line.rstrip(), style) > width and len(line) > 1:
                cut = _longest_prefix(line, width, style)
                lines.append(line[:cut])
                line = line[cut:]
        lines.append(line.rstrip())
    while lines and not lines[-1]:
        lines.pop()
    return lines


def _longest_prefix(text: str, width: int, style: Style, tail: str = "") -> int:
    """The most characters of `text` that fit `width` with `tail` after them (at least 1)."""
    lo, hi = 1, len(text)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if measure(text[:mid] + tail, style) <= width:
            lo = mid
        else:
            hi = mid - 1
    return lo


def fit_line(text: str, width: int, style: Style) -> str:
    """One line that fits `width`, ending in an ellipsis when it had to be shortened."""
    line = " ".join(text.split())
    if measure(line, style) <= width:
        return line
    cut = _longest_prefix(line, width, style, "…")
    shortened = line[:cut].rstrip() + "…"
    return shortened if measure(shortened, style) <= width else "…"
