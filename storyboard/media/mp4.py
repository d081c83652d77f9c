"""Reads the few MP4/MOV header boxes that tell whether clips share their stream parameters.

A cut of twenty clips would otherwise start twenty ffprobe processes, costing more than the
stream-copy join itself: clips with byte-identical sample descriptions and timing need one
ffprobe between them; these boxes give the rest their lengths. Anything odd returns None.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import BinaryIO, TypeVar

from storyboard.media.info import Probed

T = TypeVar("T")

_MAX_LEAF = 1 << 16  # sample descriptions and edit lists are small; a bigger one is odd
_MAX_STTS_ENTRIES = 4  # more than this means variable frame timing: leave it to ffprobe


class _Malformed(Exception):
    pass


@dataclass(frozen=True)
class Mp4Track:
    handler: bytes  # b"vide", b"soun", ...
    geometry: bytes  # tkhd matrix, width and height: rotation lives here
    timescale: int
    duration: float  # seconds shown: the edit list's length when there is one
    sample_entry: bytes  # the whole stsd payload
    deltas: tuple[int, ...]  # distinct sample durations (video frame timing)
    edit_starts: tuple[int, ...]  # media_time of each edit (codec delay, priming)


@dataclass(frozen=True)
class Mp4Header:
    duration: float  # the movie's (container) duration in seconds
    tracks: tuple[Mp4Track, ...]

    def shape(self) -> tuple[object, ...]:
        """Everything but lengths: equal shapes mean ffprobe would report equal streams."""
        return tuple(
            (t.handler, t.geometry, t.timescale, t.sample_entry,
             t.deltas if t.handler == b"vide" else (), t.edit_starts)
            for t in self.tracks
        )  # fmt: skip

    def track_duration(self, handler: bytes) -> float | None:
        return next((t.duration for t in self.tracks if t.handler == handler), None)


def derive_probe(
    reference: Probed, reference_header: Mp4Header, header: Mp4Header, size_bytes: int
) -> Probed | None:
    """What ffprobe would say about a file shaped like `reference`, from its header alone;
    None unless the reference's header agrees with ffprobe about the reference's lengths."""
    info = reference.info
    handler = {"video": b"vide", "audio": b"soun"}.get(info.kind)
    if handler is None or info.duration is None or reference.container_duration is None:
        return None
    expected = reference_header.track_duration(handler)
    duration = header.track_duration(handler)
    if expected is None or duration is None:
        return None
    if (
        abs(expected - info.duration) > 1e-3
        or abs(reference_header.duration - reference.container_duration) > 1e-3
    ):
        return None
    return replace(
        reference,
        info=replace(info, duration=duration, size_bytes=size_bytes),
        container_duration=header.duration,
    )


def read_header(path: Path) -> Mp4Header | None:
    """The movie header of an MP4/MOV file, or None if it is not one we can read cheaply."""
    return in_moov(path, _movie)


def in_moov(path: Path, read: Callable[[BinaryIO, int, int], T | None]) -> T | None:
    """`read(handle, start, end)` of the file's `moov` box; None when the file has none, or is
    not a file this module can walk (a box that lies about its size, a short read)."""
    try:
        with open(path, "rb") as handle:
            end = handle.seek(0, 2)
            moov = next((box for box in _boxes(handle, 0, end) if box[0] == b"moov"), None)
            if moov is None:
                return None
            return read(handle, moov[1], moov[2])
    except (OSError, _Malformed, struct.error, ValueError, IndexError, KeyError):
        return None


def _boxes(handle: BinaryIO, start: int, end: int) -> Iterator[tuple[bytes, int, int]]:
    """(type, payload start, box end) for each box between start and end."""
    position = start
    while position + 8 <= end:
        handle.seek(position)
        size, kind = struct.unpack(">I4s", _read(handle, 8))
        header = 8
        if size == 1:
            (size,) = struct.unpack(">Q", _read(handle, 8))
            header = 16
        elif size == 0:
            size = end - position
        if size < header or position + size > end:
            raise _Malformed
        yield kind, position + header, position + size
        position += size


def _read(handle: BinaryIO, count: int) -> bytes:
    data = handle.read(count)
    if len(data) != count:
        raise _Malformed
    return data


def _leaf(handle: BinaryIO, start: int, end: int) -> bytes:
    if end - start > _MAX_LEAF:
        raise _Malformed
    handle.seek(start)
    return _read(handle, end - start)


def _children(handle: BinaryIO, start: int, end: int) -> dict[bytes, tuple[int, int]]:
    found: dict[bytes, tuple[int, int]] = {}
    for kind, child_start, child_end in _boxes(handle, start, end):
        found.setdefault(kind, (child_start, child_end))
    return found


def _timescale_and_duration(payload: bytes) -> tuple[int, int]:
    """From mvhd or mdhd, which share this layout."""
    if payload[0] == 1:
        return struct.unpack(">IQ", payload[20:32])
    return struct.unpack(">II", payload[12:20])


def _movie(handle: BinaryIO, start: int, end: int) -> Mp4Header | None:
    mvhd = None
    tracks: list[Mp4Track] = []
    for kind, child_start, child_end in _boxes(handle, start, end):
        if kind == b"mvhd":
            mvhd = _timescale_and_duration(_leaf(handle, child_start, child_end))
        elif kind == b"trak":
            if mvhd is None:
                return None
            track = _track(handle, child_start, child_end, mvhd[0])
            if track is None:
                return None
            tracks.append(track)
    if mvhd is None or not mvhd[0] or not tracks:
        return None
    return Mp4Header(mvhd[1] / mvhd[0], tuple(tracks))


def _track(handle: BinaryIO, start: int, end: int, movie_timescale: int) -> Mp4Track | None:
    trak = _children(handle, start, end)
    if not {b"tkhd", b"mdia"} <= trak.keys():
        return None
    geometry = _leaf(handle, *trak[b"tkhd"])[-44:]
    mdia = _children(handle, *trak[b"mdia"])
    if not {b"mdhd", b"hdlr", b"minf"} <= mdia.keys():
        return None
    timescale, media_duration = _timescale_and_duration(_leaf(handle, *mdia[b"mdhd"]))
    handler = _leaf(handle, *mdia[b"hdlr"])[8:12]
    minf = _children(handle, *mdia[b"minf"])
    if b"stbl" not in minf or not timescale:
        return None
    stbl = _children(handle, *minf[b"stbl"])
    if not {b"stsd", b"stts"} <= stbl.keys():
        return None
    sample_entry = _without_bitrates(_leaf(handle, *stbl[b"stsd"]))
    deltas = _deltas(handle, *stbl[b"stts"])
    if deltas is None:
        return None
    duration = media_duration / timescale
    edit_starts: tuple[int, ...] = ()
    if b"edts" in trak:
        edts = _children(handle, *trak[b"edts"])
        if b"elst" in edts:
            shown, edit_starts = _edits(_leaf(handle, *edts[b"elst"]))
            duration = shown / movie_timescale
    return Mp4Track(handler, geometry, timescale, duration, sample_entry, deltas, edit_starts)


def _deltas(handle: BinaryIO, start: int, end: int) -> tuple[int, ...] | None:
    handle.seek(start)
    (count,) = struct.unpack(">I", _read(handle, 8)[4:])
    if count > _MAX_STTS_ENTRIES:
        return None
    entries = _read(handle, 8 * count)
    return tuple(
        sorted({struct.unpack(">II", entries[i : i + 8])[1] for i in range(0, 8 * count, 8)})
    )


def _edits(payload: bytes) -> tuple[int, tuple[int, ...]]:
    """Total duration (movie timescale) and the media start of each edit of an elst."""
    version = payload[0]
    (count,) = struct.unpack(">I", payload[4:8])
    layout, size = (">QqI", 20) if version == 1 else (">IiI", 12)
    shown = 0
    starts: list[int] = []
    for index in range(count):
        segment, media_time, _rate = struct.unpack(
            layout, payload[8 + index * size : 8 + (index + 1) * size]
        )
        shown += segment
        starts.append(media_time)
    return shown, tuple(starts)


def _without_bitrates(entry: bytes) -> bytes:
    """The sample description minus the bitrate fields (btrt box, esds bitrates), which
    differ between clips of identical format and do not matter to decoding."""
    data = bytearray(entry)
    index = data.find(b"btrt")
    while index >= 4:
        if struct.unpack(">I", data[index - 4 : index])[0] == 20:
            del data[index - 4 : index + 16]
            index = data.find(b"btrt", index - 4)
        else:
            index = data.find(b"btrt", index + 1)
    try:
        _zero_esds_bitrates(data)
    except (IndexError, struct.error):
        return entry  # unusual layout: compare it byte for byte
    return bytes(data)


def _zero_esds_bitrates(data: bytearray) -> None:
    index = data.find(b"esds")
    if index < 4:
        return
    position = index + 8  # type, version and flags
    tag, position = data[position], position + 1
    _length, position = _descriptor_length(data, position)
    if tag != 0x03:  # ES_Descriptor
        return
    flags = data[position + 2]
    position += 3
    if flags & 0x80:
        position += 2
    if flags & 0x40:
        position += 1 + data[position]
    if flags & 0x20:
        position += 2
    tag, position = data[position], position + 1
    _length, position = _descriptor_length(data, position)
    if tag == 0x04:  # DecoderConfigDescriptor: type, stream, bufferSizeDB, max and avg bitrate
        data[position + 2 : position + 13] = bytes(11)


def _descriptor_length(data: bytearray, position: int) -> tuple[int, int]:
    length = 0
    for _ in range(4):
        byte = data[position]
        position += 1
        length = (length << 7) | (byte & 0x7F)
        if not byte & 0x80:
            break
    return length, position
