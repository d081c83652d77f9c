"""Burn-in windows for review copies of a cut: record timecode and the name of each entry.

Drawn in the bottom margin, outside the title-safe area the preview slates keep to, as editors
expect on a review file. Entry names are set by Pillow into one small picture each, shown from
the entry's record-in (a transition shows the incoming name); the timecode is ffmpeg's own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import ffmpeg
from PIL import Image, ImageDraw

from storyboard.media.cut import PlannedSegment
from storyboard.media.graph import Stream, rate_text, still_input
from storyboard.media.slate import PANEL, WHITE, Box, safe_area
from storyboard.media.typeset import FontChain, Style, draw_line, fit_line, measure


@dataclass(frozen=True)
class Window:
    """Entry `number`'s name shown from record frame `first` up to (not including) `end`."""

    number: int
    name: str
    first: int
    end: int


def windows(plan: list[PlannedSegment], labels: Sequence[str]) -> list[Window]:
    """Each entry's span on the record timeline: it starts where its transition starts."""
    spans: list[Window] = []
    start = 0
    for index, (item, label) in enumerate(zip(plan, labels, strict=True)):
        start -= item.overlap
        if spans:
            spans[-1] = Window(spans[-1].number, spans[-1].name, spans[-1].first, start)
        spans.append(Window(index + 1, label, start, start + item.frames))
        start += item.frames
    return spans


def band(width: int, height: int, chain: FontChain) -> tuple[Box, Style]:
    """The strip below the safe area the burn-in is drawn in, and the type that fits it."""
    safe = safe_area(width, height)
    room = height - safe.bottom
    style = Style(chain, max(9, min(round(room * 0.7), round(min(width, height) * 0.035))))
    top = height - max(style.line_height, room)
    return Box(safe.x, top, safe.w, height - top), style


def draw_burn_in(video: Stream, spans: list[Window], width: int, height: int, fps: float,
                 chain: FontChain, workdir: Path) -> Stream:
    area, style = band(width, height, chain)
    y = area.y + (area.h - style.line_height) // 2
    half = area.w // 2 - style.size * 4  # the names keep clear of the centred timecode
    for span in spans:
        text = fit_line(f"{span.number}  {span.name}", max(style.size, half), style)
        picture = workdir / f"burnin-{span.number}.png"
        image = Image.new("RGBA", (measure(text, style) + style.size, style.line_height),
                          PANEL)
        draw_line(ImageDraw.Draw(image), (style.size // 2, 0), text, style, WHITE)
        image.save(picture, compress_level=1)
        video = ffmpeg.overlay(video, still_input(picture), x=area.x, y=y,
                               enable=f"between(n,{span.first},{span.end - 1})")
    return video.filter("drawtext", fontfile=str(chain.primary), timecode="00:00:00:00",
                        rate=rate_text(fps), fontsize=style.size, fontcolor="white",
                        box=1, boxcolor="black@0.5", boxborderw=max(1, style.size // 6),
                        x="(w-text_w)/2", y=y + round(style.size * 0.1))
