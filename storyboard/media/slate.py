"""The slate a preview shot wears: where every line of text goes, and the picture of it.

`slate_layout` is pure arithmetic over the frame size (tests check every box against the safe
area for every frame size the catalogue makes); `draw_slate` paints it with Pillow into a
transparent PNG that preview.py overlays on the display render, never on the plate. The running
timecode and frame counter are drawn by ffmpeg in the boxes the layout reserves for them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw

from storyboard.media.typeset import FontChain, Style, clean, draw_line, fit_line, measure, wrap

SAFE = 0.05  # title-safe: 5 % in from every edge
WHITE = (255, 255, 255, 255)
SOFT = (255, 255, 255, 200)
PANEL = (0, 0, 0, 120)
TIMECODE_SAMPLE = "00:00:00:00"


@dataclass(frozen=True)
class Box:
    x: int
    y: int
    w: int
    h: int

    @property
    def right(self) -> int:
        return self.x + self.w

    @property
    def bottom(self) -> int:
        return self.y + self.h

    def inside(self, other: Box) -> bool:
        return (self.x >= other.x and self.y >= other.y and self.right <= other.right
                and self.bottom <= other.bottom)


@dataclass(frozen=True)
class Line:
    text: str
    box: Box
    style: Style
    fill: tuple[int, int, int, int] = WHITE


@dataclass(frozen=True)
class SlateText:
    title: str
    prompt: str
    model: str
    duration: float
    fps: float
    frames: int
    camera: tuple[str, ...] = ()
    kind: str = "generate"


@dataclass(frozen=True)
class SlateLayout:
    width: int
    height: int
    safe: Box
    lines: tuple[Line, ...]  # title, facts, camera, then the prompt's lines
    timecode: Line  # drawn by ffmpeg: the text is the widest it can be
    counter: Line
    guide: Box | None  # where the camera move is drawn; None when there is no room

    def boxes(self) -> list[Box]:
        return [line.box for line in (*self.lines, self.timecode, self.counter)]


def concept_names(concepts: tuple[str, ...]) -> list[str]:
    """Camera concepts as one spelling: lower case, words joined by underscores."""
    return [c.strip().lower().replace(" ", "_").replace("-", "_") for c in concepts if c.strip()]


def safe_area(width: int, height: int) -> Box:
    sx, sy = round(width * SAFE), round(height * SAFE)
    return Box(sx, sy, width - 2 * sx, height - 2 * sy)


def slate_layout(text: SlateText, width: int, height: int, chain: FontChain) -> SlateLayout:
    """Where each line goes on a width x height frame: name, facts and camera at the top, the
    whole prompt above the timecode row at the bottom, the camera guide in the space between.
    Sizes follow the short side, so 540p and 9:16 read as well as 1080p."""
    safe = safe_area(width, height)
    short = min(width, height)
    title = Style(chain, max(12, round(short * 0.058)), 700)
    small = Style(chain, max(10, round(short * 0.033)))
    body = Style(chain, max(11, round(short * 0.04)))
    gap = max(4, round(short * 0.015))

    lines: list[Line] = []
    y = safe.y
    for content, style, fill in (
        (clean(text.title) or "(untitled)", title, WHITE),
        (_facts(text, width, height), small, SOFT),
        (_camera_words(text.camera), small, SOFT),
    ):
        # Two lines at most each: a long shot name wraps instead of being cut to `portrait_t…`.
        wrapped = wrap(" ".join(content.split()), safe.w, style)
        if len(wrapped) > 2:
            wrapped = [wrapped[0], fit_line(" ".join(wrapped[1:]), safe.w, style)]
        for part in wrapped:
            lines.append(Line(part, Box(safe.x, y, measure(part, style), style.line_height),
                              style, fill))
            y += style.line_height
    top_end = y + gap

    timecode = _row_line(TIMECODE_SAMPLE, small, safe.x, safe.bottom - small.line_height)
    counter_text = f"frame {text.frames}/{text.frames}"
    counter_w = measure(counter_text, small)
    counter = _row_line(counter_text, small, safe.right - counter_w, timecode.box.y)
    bottom_end = timecode.box.y - gap

    prompt = _prompt_lines(clean(text.prompt), safe, body, bottom_end - top_end)
    if prompt:
        style = prompt[0][1]
        y = bottom_end - len(prompt) * style.line_height
        for content, _ in prompt:
            lines.append(Line(content, Box(safe.x, y, measure(content, style),
                                           style.line_height), style))
            y += style.line_height
        bottom_end = bottom_end - len(prompt) * style.line_height - gap
    room = bottom_end - top_end
    guide = None
    if room >= short * 0.12:
        side = min(room, round(safe.w * 0.5))
        guide = Box(safe.x + (safe.w - side) // 2, top_end + (room - side) // 2, side, side)
    return SlateLayout(width, height, safe, tuple(lines), timecode, counter, guide)


def _row_line(sample: str, style: Style, x: int, y: int) -> Line:
    return Line(sample, Box(x, y, measure(sample, style), style.line_height), style)


def _facts(text: SlateText, width: int, height: int) -> str:
    parts = [f"{text.duration:g} s", f"{text.frames} frames @ {text.fps:g}",
             clean(text.model), f"{width}×{height}"]
    if text.kind != "generate":
        parts.append(text.kind)
    return "  ·  ".join(p for p in parts if p)


def _camera_words(camera: tuple[str, ...]) -> str:
    names = concept_names(camera)
    return ("camera: " + ", ".join(n.replace("_", " ") for n in names)) if names else ""


def _prompt_lines(prompt: str, safe: Box, body: Style, room: int) -> list[tuple[str, Style]]:
    """The whole prompt, wrapped; the size steps down (to 70 %) before any of it is cut."""
    if not prompt or room <= 0:
        return []
    style = body
    for step in range(7):
        style = Style(body.chain, max(10, round(body.size * (1 - 0.05 * step))))
        lines = wrap(prompt, safe.w, style)
        if len(lines) * style.line_height <= room:
            return [(line, style) for line in lines]
    keep = max(0, room // style.line_height)
    lines = wrap(prompt, safe.w, style)[:keep]
    if lines:
        lines[-1] = fit_line(lines[-1] + " …", safe.w, style)
    return [(line, style) for line in lines]


def draw_slate(layout: SlateLayout, camera: tuple[str, ...], dst: Path) -> None:
    """The slate as a transparent PNG the size of the frame."""
    image = Image.new("RGBA", (layout.width, layout.height), (0, 0, 0, 0))
    panels = Image.new("RGBA", image.size, (0, 0, 0, 0))
    shade = ImageDraw.Draw(panels)
    pad = max(2, layout.safe.x // 4)
    for line in (*layout.lines, layout.timecode, layout.counter):
        b = line.box
        shade.rectangle((b.x - pad, b.y, b.right + pad, b.bottom), fill=PANEL)
    image.alpha_composite(panels)
    draw = ImageDraw.Draw(image)
    if layout.guide is not None:
        draw_guide(draw, layout.guide, concept_names(camera))
    for line in layout.lines:
        draw_line(draw, (line.box.x, line.box.y), line.text, line.style, line.fill)
    image.save(dst, compress_level=1)


def draw_guide(draw: ImageDraw.ImageDraw, box: Box, names: list[str]) -> None:
    """The move as a director sketches it: a framing guide with arrows for push in / pull out,
    a long arrow for pans, trucks, tilts and cranes, an arc for an orbit."""
    names_set = set(names)
    cx, cy = box.x + box.w // 2, box.y + box.h // 2
    r = box.w // 2
    width = max(2, box.w // 60)
    ink = (255, 255, 255, 170)
    if names_set & {"push_in", "zoom_in", "dolly_in", "pull_out", "zoom_out", "dolly_out"}:
        inward = bool(names_set & {"push_in", "zoom_in", "dolly_in"})
        outer, inner = r * 0.9, r * 0.45
        draw.rectangle((cx - outer, cy - outer * 0.6, cx + outer, cy + outer * 0.6),
                       outline=ink, width=width)
        draw.rectangle((cx - inner, cy - inner * 0.6, cx + inner, cy + inner * 0.6),
                       outline=ink, width=width)
        for sx in (-1, 1):
            for sy in (-1, 1):
                a = (cx + sx * outer * 0.92, cy + sy * outer * 0.55)
                b = (cx + sx * inner * 1.15, cy + sy * inner * 0.75)
                arrow(draw, a if inward else b, b if inward else a, ink, width)
    horizontal = _direction(names_set, ("pan_left", "truck_left"), ("pan_right", "truck_right"))
    if horizontal:
        arrow(draw, (cx - horizontal * r * 0.8, cy), (cx + horizontal * r * 0.8, cy), ink,
              width * 2)
    vertical = _direction(names_set, ("tilt_up", "pedestal_up", "crane_up"),
                          ("tilt_down", "pedestal_down", "crane_down"))
    if vertical:
        arrow(draw, (cx, cy - vertical * r * 0.8), (cx, cy + vertical * r * 0.8), ink, width * 2)
    orbit = _direction(names_set, ("orbit_left",), ("orbit_right",))
    if orbit:
        bounds = (cx - r * 0.85, cy - r * 0.35, cx + r * 0.85, cy + r * 0.35)
        draw.arc(bounds, 20, 160, fill=ink, width=width * 2)
        # Seen from above, orbiting right carries the camera round to the right.
        tip_x = cx + orbit * r * 0.80
        arrow(draw, (tip_x - orbit * r * 0.2, cy + r * 0.30), (tip_x, cy + r * 0.12), ink,
              width * 2)


def _direction(names: set[str], negative: tuple[str, ...], positive: tuple[str, ...]) -> int:
    if names & set(negative):
        return -1
    return 1 if names & set(positive) else 0


def arrow(draw: ImageDraw.ImageDraw, start: tuple[float, float], end: tuple[float, float],
          ink: tuple[int, int, int, int], width: int) -> None:
    draw.line((start, end), fill=ink, width=width)
    dx, dy = end[0] - start[0], end[1] - start[1]
    length = max(1.0, (dx * dx + dy * dy) ** 0.5)
    ux, uy = dx / length, dy / length
    head = max(6.0, width * 4.0)
    left = (end[0] - ux * head - uy * head * 0.6, end[1] - uy * head + ux * head * 0.6)
    right = (end[0] - ux * head + uy * head * 0.6, end[1] - uy * head - ux * head * 0.6)
    draw.polygon((end, left, right), fill=ink)
