"""The sample tables as ffmpeg's mov demuxer reads them, on hand-made headers: odd tables
(longer runs than samples, short files) are refused rather than trusted or expanded."""

from __future__ import annotations

import struct
from pathlib import Path

from storyboard.media.samples import read_packets


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def _movie(stts: list[tuple[int, int]], samples: int, stss: list[int] | None = None,
           extra: bytes = b"") -> bytes:
    """A minimal MP4 header: one video track of `samples` samples with these tables."""
    full = b"\0\0\0\0"
    mvhd = _box(b"mvhd", full + struct.pack(">IIII", 0, 0, 1000, 1000) + bytes(80))
    mdhd = _box(b"mdhd", full + struct.pack(">IIII", 0, 0, 12288, 12288) + bytes(4))
    hdlr = _box(b"hdlr", full + b"\0\0\0\0vide" + bytes(13))
    tables = _box(b"stts", full + struct.pack(">I", len(stts))
                  + b"".join(struct.pack(">II", n, d) for n, d in stts))
    tables += _box(b"stsz", full + struct.pack(">II", 100, samples))
    if stss is not None:
        tables += _box(b"stss", full + struct.pack(">I", len(stss))
                       + b"".join(struct.pack(">I", n) for n in stss))
    minf = _box(b"minf", _box(b"stbl", tables + extra))
    trak = _box(b"trak", _box(b"tkhd", bytes(84)) + _box(b"mdia", mdhd + hdlr + minf))
    return _box(b"ftyp", b"isom\0\0\0\0") + _box(b"moov", mvhd + trak)


def test_tables_are_read_as_ffmpeg_reads_them_and_odd_ones_refused(tmp_path: Path) -> None:
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(_movie([(4, 512)], 4, stss=[1, 3]))
    assert read_packets(clip) == [(0.0, 0.0, True), (512 / 12288, 512 / 12288, False),
                                  (1024 / 12288, 1024 / 12288, True),
                                  (1536 / 12288, 1536 / 12288, False)]
    # A run longer than the track (a planted or broken file) is refused, not expanded.
    clip.write_bytes(_movie([(0xFFFFFFFF, 512)], 10))
    assert read_packets(clip) is None
    clip.write_bytes(_movie([(3, 512)], 4))  # fewer timings than samples
    assert read_packets(clip) is None
    clip.write_bytes(_movie([(4, 512)], 4)[:-20])  # cut short
    assert read_packets(clip) is None


def test_keyframes_marked_outside_stss_are_left_to_ffprobe(tmp_path: Path) -> None:
    clip = tmp_path / "clip.mp4"
    full = b"\0\0\0\0"
    roll = _box(b"sbgp", full + b"roll" + struct.pack(">I", 0))  # not about keyframes
    clip.write_bytes(_movie([(4, 512)], 4, stss=[1], extra=roll))
    assert read_packets(clip) is not None
    for marks in (_box(b"stps", full + struct.pack(">II", 1, 3)),
                  _box(b"sbgp", full + b"sync" + struct.pack(">III", 1, 4, 1))):
        clip.write_bytes(_movie([(4, 512)], 4, stss=[1], extra=marks))
        assert read_packets(clip) is None
