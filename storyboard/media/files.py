"""Files ffmpeg writes and reads: scratch folders, atomic outputs, stat keys, plain paths.

Shared by `Ffmpeg` and the cut renderer so every output appears whole or not at all.
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from storyboard.errors import MediaError


@contextmanager
def workdir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="storyboard-media-") as name:
        yield Path(name)


@contextmanager
def atomic_output(dst: Path) -> Iterator[Path]:
    """A temp path next to dst (same suffix, so ffmpeg picks the same muxer), renamed over
    dst only if the body succeeds and wrote something."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    # ffmpeg creates the file itself (so it gets the usual permissions, not mkstemp's 0600).
    # A fixed prefix: image muxers and demuxers treat '%' in a name as a sequence pattern.
    tmp = dst.parent / f".storyboard-{secrets.token_hex(8)}.partial{dst.suffix}"
    try:
        yield tmp
        if not tmp.is_file() or tmp.stat().st_size == 0:
            raise MediaError(f"ffmpeg wrote nothing for {dst}; the input may have no frames")
        os.replace(tmp, dst)
    finally:
        tmp.unlink(missing_ok=True)


def stat_key(path: Path) -> tuple[str, int, int, int]:
    """(resolved path, size, mtime_ns, inode): a file that changed gets probed again."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise MediaError(f"{path} does not exist; check the path") from None
    if not path.is_file():
        raise MediaError(f"{path} is not a file; point at a media file")
    if stat.st_size == 0:
        raise MediaError(
            f"{path} is empty (0 bytes), probably an interrupted download or render; "
            "delete it and make it again"
        )
    return (str(path.resolve()), stat.st_size, stat.st_mtime_ns, stat.st_ino)


def plain_path(path: Path, workdir: Path, role: str) -> Path:
    """A path ffmpeg reads literally: the image2 demuxer takes '%' as a sequence pattern, so
    such names are reached through a link with a plain name."""
    if "%" not in str(path):
        return path
    link = workdir / f"{role}{path.suffix.replace('%', '')}"
    try:
        link.symlink_to(path)
    except OSError:
        shutil.copyfile(path, link)
    return link
