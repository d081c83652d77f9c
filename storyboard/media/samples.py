"""A clip's video packets read from its MP4/MOV sample tables, as ffprobe would list them.

Smart rendering needs every clip's keyframes and packet times. Asking ffprobe costs a process
per clip (twenty clips: more than the stream-copy join itself); the tables in the movie header
hold the same facts: decoding times (stts), composition offsets (ctts), sync samples (stss),
shifted by the edit list as ffmpeg's mov demuxer shifts them. Anything this does not model
(fragments, several edits, negative offsets, samples outside the edit) returns None, and the
caller asks ffprobe.
"""

from __future__ import annotations

import math
import struct
from array import array
from pathlib import Path
from typing import BinaryIO

from storyboard.media.mp4 import (
    _boxes,
    _children,
    _leaf,
    _Malformed,
    _read,
    _timescale_and_duration,
    in_moov,
)
from storyboard.media.smart import Packet

_MAX_TABLE = 64 << 20  # bytes: a sample table this big is odd (hours of 1-frame GOPs)


def read_packets(path: Path) -> list[Packet] | None:
    """The first track's packets in decode order, (pts, dts, keyframe), seconds as ffprobe
    shows them; None unless that track is video with timing this module models."""
    return in_moov(path, _first_track)


def video_frames(path: Path) -> int | None:
    """How many video samples the first track holds (None: not an MP4 video we read)."""
    packets = read_packets(path)
    return len(packets) if packets is not None else None


def _first_track(handle: BinaryIO, start: int, end: int) -> list[Packet] | None:
    moov = _children(handle, start, end)
    if b"mvex" in moov or b"mvhd" not in moov:
        return None  # a fragmented file keeps its samples in the fragments
    movie_scale, _ = _timescale_and_duration(_leaf(handle, *moov[b"mvhd"]))
    trak = next((box for box in _boxes(handle, start, end) if box[0] == b"trak"), None)
    if trak is None or not movie_scale:
        return None
    parts = _children(handle, trak[1], trak[2])
    mdia = _children(handle, *parts[b"mdia"])
    if _leaf(handle, *mdia[b"hdlr"])[8:12] != b"vide":
        return None  # the concat demuxer copies stream 0 only: it must be the video
    scale, _ = _timescale_and_duration(_leaf(handle, *mdia[b"mdhd"]))
    stbl_range = _children(handle, *mdia[b"minf"])[b"stbl"]
    stbl = _children(handle, *stbl_range)
    if not scale or b"stts" not in stbl or b"stsz" not in stbl:
        return None
    if _other_sync_marks(handle, *stbl_range):
        return None
    handle.seek(stbl[b"stsz"][0])
    (count,) = struct.unpack(">I", _read(handle, 12)[8:12])
    deltas = _runs(_entries(handle, *stbl[b"stts"], 2), count)
    if len(deltas) != count or not count:
        return None
    offsets = [0] * count
    if b"ctts" in stbl:
        offsets = _runs(_entries(handle, *stbl[b"ctts"], 2, signed=True), count)
        if len(offsets) != count or min(offsets) < 0:
            return None  # ffmpeg shifts negative offsets in ways not modelled here
    keys: set[int] | None = None
    if b"stss" in stbl:
        keys = {n - 1 for n in _entries(handle, *stbl[b"stss"], 1)}
    shift, shown, delay = 0, math.inf, 0
    if b"edts" in parts:
        edts = _children(handle, *parts[b"edts"])
        if b"elst" in edts:
            edit = _single_edit(_leaf(handle, *edts[b"elst"]))
            if edit is None:
                return None
            shift, length, empty = edit
            shown = length * scale / movie_scale
            # ffmpeg rescales the empty edit to the track's timescale, rounding to nearest.
            delay = (2 * empty * scale + movie_scale) // (2 * movie_scale)
    packets: list[Packet] = []
    dts = 0
    for index in range(count):
        pts = dts + offsets[index]
        # ffmpeg drops or flags samples outside the edit: leave such clips to ffprobe.
        if pts < shift or pts - shift >= shown + 0.5:
            return None
        packets.append(((pts - shift + delay) / scale, (dts - shift + delay) / scale,
                        keys is None or index in keys))
        dts += deltas[index]
    return packets


def _other_sync_marks(handle: BinaryIO, start: int, end: int) -> bool:
    """Whether keyframes are also marked outside stss: partial sync samples (stps, open-GOP
    MPEG-2 in QuickTime) or a 'sync' sample group (HEVC and AV1 muxers), which ffmpeg reads."""
    for kind, child_start, child_end in _boxes(handle, start, end):
        if kind == b"stps":
            return True
        if kind == b"sbgp" and child_end - child_start >= 8:
            handle.seek(child_start + 4)
            if _read(handle, 4) == b"sync":
                return True
    return False


def _single_edit(payload: bytes) -> tuple[int, int, int] | None:
    """(media start, length, delay) of an edit list of one plain edit, after at most one
    empty edit (the delay, in the movie's timescale: a cut whose sound starts first)."""
    version = payload[0]
    (count,) = struct.unpack(">I", payload[4:8])
    layout = ">QqI" if version == 1 else ">IiI"
    size = struct.calcsize(layout)
    edits = [struct.unpack(layout, payload[8 + i * size:8 + (i + 1) * size])
             for i in range(count)]
    delay = 0
    if len(edits) == 2 and edits[0][1] == -1:
        delay = edits.pop(0)[0]
    if len(edits) != 1:
        return None
    length, media_time, rate = edits[0]
    if media_time < 0 or rate != 1 << 16:
        return None
    return media_time, length, delay


def _entries(handle: BinaryIO, start: int, end: int, width: int, signed: bool = False
             ) -> array[int]:
    """The 32-bit big-endian integers of a table box (version, flags, count, then `count`
    entries of `width` integers each). ctts version 1 is signed; ffmpeg reads version 0 as
    signed as well."""
    if end - start > _MAX_TABLE or end - start < 8:
        raise _Malformed
    handle.seek(start)
    data = _read(handle, end - start)
    (count,) = struct.unpack(">I", data[4:8])
    values = array("i" if signed else "I")
    if values.itemsize != 4 or len(data) < 8 + 4 * width * count:
        raise _Malformed
    values.frombytes(data[8:8 + 4 * width * count])
    if array("I", [1]).tobytes() != b"\x00\x00\x00\x01":
        values.byteswap()
    return values


def _runs(pairs: array[int], samples: int) -> list[int]:
    """(count, value) pairs expanded to one value a sample; more than `samples` is odd."""
    out: list[int] = []
    for index in range(0, len(pairs) - 1, 2):
        if pairs[index] > samples - len(out):
            raise _Malformed
        out.extend([pairs[index + 1]] * pairs[index])
    return out
