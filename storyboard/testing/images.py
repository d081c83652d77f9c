"""Recognise the image formats Scenario accepts (PNG, JPEG, WebP) by their magic bytes.

The fake refuses image uploads and data URLs that are not one of these, as the real service does,
and reads width/height from the headers so asset `properties` look real. Stdlib only, no decoding.
"""

from __future__ import annotations

import base64
import binascii
import re
import struct
import zlib
from dataclasses import dataclass


@dataclass(frozen=True)
class ImageInfo:
    mime_type: str
    width: int | None
    height: int | None


_DATA_URL = re.compile(r"^data:(image/[a-zA-Z0-9.+-]+);base64,(.*)$", re.DOTALL)


def decode_base64_image(text: str) -> bytes | None:
    """The bytes of a data URL or of bare base64; None when it is neither."""
    m = _DATA_URL.match(text)
    payload = m.group(2) if m else text
    try:
        return base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        return None


def is_image_data_url(text: str) -> bool:
    return _DATA_URL.match(text) is not None


def sniff_image(data: bytes) -> ImageInfo | None:
    """PNG, JPEG or WebP with its size when the header says it; None for anything else."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        if len(data) >= 24 and data[12:16] == b"IHDR":
            w, h = struct.unpack(">II", data[16:24])
            return ImageInfo("image/png", w, h)
        return ImageInfo("image/png", None, None)
    if data.startswith(b"\xff\xd8\xff"):
        w_h = _jpeg_size(data)
        return ImageInfo("image/jpeg", *(w_h or (None, None)))
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        w_h = _webp_size(data)
        return ImageInfo("image/webp", *(w_h or (None, None)))
    return None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    # Walk the marker segments to the first start-of-frame; SOF0..SOF15 minus DHT/JPG/DAC.
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        (length,) = struct.unpack(">H", data[i + 2 : i + 4])
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            h, w = struct.unpack(">HH", data[i + 5 : i + 9])
            return w, h
        i += 2 + length
    return None


def _webp_size(data: bytes) -> tuple[int, int] | None:
    chunk = data[12:16]
    if chunk == b"VP8X" and len(data) >= 30:
        w = int.from_bytes(data[24:27], "little") + 1
        h = int.from_bytes(data[27:30], "little") + 1
        return w, h
    if chunk == b"VP8 " and len(data) >= 30:
        w, h = struct.unpack("<HH", data[26:30])
        return w & 0x3FFF, h & 0x3FFF
    if chunk == b"VP8L" and len(data) >= 25:
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    return None


def png_bytes(width: int = 4, height: int = 3) -> bytes:
    """A small valid PNG (solid orange), for tests that upload an image."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    rows = b"".join(b"\x00" + b"\xff\x80\x00" * width for _ in range(height))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(rows))
            + chunk(b"IEND", b""))
