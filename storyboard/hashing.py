"""Content digests: SHA-256 of a file's bytes, streamed, the one way storyboard names content.

The object store, the stat cache, remote transfers, the scenario provider and the no-op stamp
all hash here, so a digest made by one is the digest every other expects. Files are opened
through `storyboard.paths` (regular files only: a FIFO or a device is refused, never read).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import BinaryIO

from storyboard.paths import open_regular_fd

CHUNK = 1 << 20  # read and write a megabyte at a time: flat memory for any clip size


def hash_file(path: Path | str) -> str:
    """The hex SHA-256 of the file at `path` (OSError when it cannot be read, UnsafePath when
    it is not a regular file)."""
    fd, st = open_regular_fd(path)
    try:
        # Reads of the file's own size, on the bare descriptor: a file object and a
        # megabyte buffer per read were most of hashing a 64-byte cache object.
        h = hashlib.sha256()
        step = min(CHUNK, st.st_size + 1)
        done = 0
        while chunk := os.read(fd, step):
            h.update(chunk)
            done += len(chunk)
            if len(chunk) < step and done == st.st_size:
                break  # short of what was asked, at the size fstat gave: the end
            step = CHUNK
        return h.hexdigest()
    finally:
        os.close(fd)


def hash_file_object(f: BinaryIO) -> str:
    """The hex SHA-256 of what is left to read in an open binary file."""
    h = hashlib.sha256()
    while chunk := f.read(CHUNK):
        h.update(chunk)
    return h.hexdigest()


def copy_hashed(src: BinaryIO, dst: BinaryIO) -> str:
    """Copy `src` to `dst` to the end and return the hex SHA-256 of what was copied: one pass
    for a store write or a download that must be verified."""
    h = hashlib.sha256()
    while chunk := src.read(CHUNK):
        h.update(chunk)
        dst.write(chunk)
    return h.hexdigest()


def copy_hashed_upto(src: BinaryIO, dst: BinaryIO, limit: int) -> str | None:
    """`copy_hashed`, but reading at most `limit` + 1 bytes: None when `src` holds more than
    `limit` (a download that sends more than it claimed), with at most `limit` bytes written."""
    h = hashlib.sha256()
    left = limit
    while chunk := src.read(min(CHUNK, left + 1)):
        left -= len(chunk)
        if left < 0:
            return None
        h.update(chunk)
        dst.write(chunk)
    return h.hexdigest()


def hash_bytes(data: bytes) -> str:
    """The hex SHA-256 of bytes already in memory (a file read whole)."""
    return hashlib.sha256(data).hexdigest()


def hash_text(text: str) -> str:
    """The hex SHA-256 of a string's UTF-8 bytes (keys, seeds)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
