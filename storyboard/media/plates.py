"""The plate of a preview shot that has no start image: a place with depth, not a colour card.

A sky over a horizon, a ground plane ruled with a perspective grid and a seeded line of hills,
drawn once by Pillow; preview.py moves the camera over it, so a push, a pan or a crane reads
as a move through space. The colours and the hills follow the request's seed.
"""

from __future__ import annotations

import math
from pathlib import Path

from PIL import Image, ImageDraw


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    value = int(hex_colour[2:], 16)
    return (value >> 16) & 255, (value >> 8) & 255, value & 255


def _mix(a: tuple[int, int, int], b: tuple[int, int, int], t: float) -> tuple[int, int, int]:
    return (round(a[0] + (b[0] - a[0]) * t), round(a[1] + (b[1] - a[1]) * t),
            round(a[2] + (b[2] - a[2]) * t))


def _gradient(size: tuple[int, int], top: tuple[int, int, int],
              bottom: tuple[int, int, int]) -> Image.Image:
    ramp = Image.linear_gradient("L").resize(size)
    return Image.composite(Image.new("RGB", size, bottom), Image.new("RGB", size, top), ramp)


def draw_depth_plate(width: int, height: int, digest: bytes, colours: tuple[str, str],
                     dst: Path) -> None:
    """A width x height PNG of sky, hills and a gridded ground plane; `digest` (16 bytes or
    more, from the seed) places the horizon and shapes the hills."""
    light, dark = _rgb(colours[0]), _rgb(colours[1])
    horizon = round(height * (0.50 + digest[8] / 255 * 0.12))
    sky = _gradient((width, max(1, horizon)), _mix(dark, (0, 0, 0), 0.3),
                    _mix(light, (255, 255, 255), 0.35))
    ground = _gradient((width, max(1, height - horizon)), _mix(dark, light, 0.35),
                       _mix(dark, (0, 0, 0), 0.45))
    image = Image.new("RGB", (width, height))
    image.paste(sky, (0, 0))
    image.paste(ground, (0, horizon))
    draw = ImageDraw.Draw(image)
    _hills(draw, width, horizon, digest, _mix(dark, light, 0.15))
    _grid(draw, width, height, horizon, _mix(light, (255, 255, 255), 0.2))
    image.save(dst, compress_level=1)


def _hills(draw: ImageDraw.ImageDraw, width: int, horizon: int, digest: bytes,
           ink: tuple[int, int, int]) -> None:
    """A ridge of a few seeded sine waves: landmarks a pan visibly slides past."""
    rise = horizon * 0.22
    waves = [(1 + digest[9 + i] % 4, digest[13 + i] / 255 * math.tau) for i in range(3)]
    points = [(0.0, float(horizon))]
    steps = 64
    for i in range(steps + 1):
        x = width * i / steps
        h = sum(math.sin(f * math.tau * i / steps + p) / (n + 1)
                for n, (f, p) in enumerate(waves))
        points.append((x, horizon - rise * (0.55 + 0.3 * h)))
    points.append((float(width), float(horizon)))
    draw.polygon(points, fill=ink)


def _grid(draw: ImageDraw.ImageDraw, width: int, height: int, horizon: int,
          ink: tuple[int, int, int]) -> None:
    """Rails to a vanishing point and cross lines closing up towards the horizon."""
    line = max(1, round(min(width, height) / 360))
    centre = width / 2
    depth = height - horizon
    for k in range(-12, 13):
        draw.line(((centre, horizon), (centre + k * width / 6, height)), fill=ink, width=line)
    for k in range(2, 14):  # the nearest-the-horizon line would merge into it
        y = horizon + depth * (k / 13) ** 2
        draw.line(((0, y), (width, y)), fill=ink, width=line)
    draw.line(((0, horizon), (width, horizon)), fill=ink, width=line + 1)
