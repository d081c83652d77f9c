"""Stills for people to look at: a shot's poster frame and a contact sheet of many shots.

The review page (`storyboard/review/`) asks for these; like every media module they run ffmpeg
only through an `Ffmpeg` (its Runner is the seam), write atomically, and raise MediaError.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import ffmpeg

from storyboard.errors import MediaError
from storyboard.media.captions import _fit_line, resolve_font
from storyboard.media.ffmpeg_tool import Ffmpeg, StrPath
from storyboard.media.files import atomic_output, plain_path, workdir
from storyboard.media.graph import Stream, compile_argv


@dataclass(frozen=True)
class Tile:
    """One cell of a contact sheet: a still image (any size) and the name drawn under it."""

    image: Path
    label: str


@dataclass(frozen=True)
class SheetLayout:
    columns: int
    rows: int
    tile_width: int
    tile_height: int  # picture plus the label band

    @property
    def width(self) -> int:
        return self.columns * self.tile_width

    @property
    def height(self) -> int:
        return self.rows * self.tile_height


def thumbnail(ff: Ffmpeg, video: StrPath, dst: StrPath, *, width: int = 480) -> None:
    """The middle frame of `video`, scaled to `width` (JPEG or PNG by dst's suffix)."""
    source = Path(video)
    info = ff.probe(source)
    if info.kind != "video" or not info.duration:
        raise MediaError(f"{source} is {info.kind}, not a video; posters come from videos")
    what = f"cannot make a poster frame of {source}"
    with workdir() as work, atomic_output(Path(dst)) as tmp:
        plain = plain_path(source.resolve(), work, "video")
        for seek in (info.duration / 2, 0.0):
            options = {"ss": seek} if seek > 0 else {}
            picture = ffmpeg.input(str(plain), **options)["v:0"].filter(
                "scale", w=width - width % 2, h=-2
            )
            quality = {"q:v": 3} if tmp.suffix.lower() in (".jpg", ".jpeg") else {}
            output = ffmpeg.output(picture, str(tmp), **{"frames:v": 1, "update": 1}, **quality)
            ff._run(compile_argv(output, ff.ffmpeg_path), what)
            if tmp.is_file() and tmp.stat().st_size > 0:
                return  # else the seek fell past the last frame (odd timestamps): take frame 1


def sheet_layout(count: int, *, columns: int = 4, tile_width: int = 320,
                 picture_height: int = 180, label_height: int = 28) -> SheetLayout:
    """Where `count` tiles go: up to `columns` a row, as many rows as needed."""
    if count < 1:
        raise MediaError("a contact sheet needs at least one picture; build some shots first")
    cols = max(1, min(columns, count))
    return SheetLayout(cols, math.ceil(count / cols), tile_width, picture_height + label_height)


def contact_sheet(ff: Ffmpeg, tiles: Sequence[Tile], dst: StrPath, *, columns: int = 4,
                  tile_width: int = 320, picture_height: int = 180,
                  label_height: int = 28) -> SheetLayout:
    """One PNG grid of `tiles`, each picture fitted into its cell with its label beneath.

    Labels are drawn with the caption font (none found: the cells go unlabelled); the text
    reaches drawtext through files with expansion off, so any name is safe.
    """
    layout = sheet_layout(len(tiles), columns=columns, tile_width=tile_width,
                          picture_height=picture_height, label_height=label_height)
    font = resolve_font(ff._fonts)
    size = max(8, label_height * 9 // 16)
    with workdir() as work, atomic_output(Path(dst)) as tmp:
        cells: list[Stream] = []
        for index, tile in enumerate(tiles):
            if not tile.image.is_file():
                raise MediaError(f"contact sheet picture {tile.image} does not exist")
            image = plain_path(tile.image.resolve(), work, f"tile{index}")
            cell = (
                ffmpeg.input(str(image))["v:0"]
                .filter("scale", w=tile_width, h=picture_height,
                        force_original_aspect_ratio="decrease")
                .filter("pad", tile_width, layout.tile_height, "(ow-iw)/2",
                        f"({picture_height}-ih)/2", color="black")
                .filter("setsar", 1)
            )
            label = _fit_line(tile.label, tile_width - 8, size)
            if font is not None and label:
                textfile = work / f"label{index}.txt"
                textfile.write_text(label, encoding="utf-8")
                cell = cell.filter(
                    "drawtext", fontfile=str(font), textfile=str(textfile), expansion="none",
                    fontsize=size, fontcolor="white", x="(w-text_w)/2",
                    y=f"{picture_height}+({label_height}-text_h)/2",
                )
            cells.append(cell.filter("format", "rgb24"))
        if len(cells) == 1:
            grid = cells[0]
        else:
            positions = "|".join(
                f"{(i % layout.columns) * tile_width}_{(i // layout.columns) * layout.tile_height}"
                for i in range(len(cells))
            )
            grid = ffmpeg.filter(cells, "xstack", inputs=len(cells), layout=positions,
                                 fill="black")
        output = ffmpeg.output(grid, str(tmp), **{"frames:v": 1, "update": 1})
        ff._run(compile_argv(output, ff.ffmpeg_path), f"cannot make the contact sheet {dst}")
    return layout
