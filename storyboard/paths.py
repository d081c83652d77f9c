"""The one place that decides whether a path from a project may be read, written or deleted.

A cloned project is untrusted input (docs/threat-model.md): its file, lock, cache, `.env` and
remote name paths. Everything that reads such a file opens it here (a regular file only, never
a device or FIFO, at most a limit of bytes); everything that writes or deletes checks here
first that the resolved path stays under the folder it must stay in. Cache objects are named by
digest only, so a deletion can never be steered outside `.storyboard/cache/objects/`.
Stdlib and `errors` only: every layer may use it.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from storyboard.errors import UnsafePath

DIGEST = re.compile(r"[0-9a-f]{64}")
NAME_MAX = 255  # bytes in one path component on the file systems we run on
PATH_MAX = 4096


def is_digest(text: object) -> bool:
    """True for a lowercase hex SHA-256: the only names the object store knows."""
    return isinstance(text, str) and DIGEST.fullmatch(text) is not None


def object_path(objects: Path, digest: str) -> Path:
    """`objects/ab/abcdef...` for a digest; anything else (a path, `..`) is refused."""
    if not is_digest(digest):
        raise UnsafePath(f"{digest[:80]!r} is not a content digest; storyboard only reads and "
                         "deletes cache objects by digest")
    return objects / digest[:2] / digest


def inside(root: Path, candidate: Path) -> bool:
    """True when `candidate`, with every link followed, stays under `root` (also resolved)."""
    try:
        candidate.resolve().relative_to(root.resolve())
    except (ValueError, OSError, RuntimeError):  # RuntimeError: a symlink loop on 3.11
        return False
    return True


def link_loop(path: Path) -> bool:
    """True when following `path`'s links goes round in a circle (ELOOP): said as such, since
    "outside the project" (what `inside` answers for it) sends the user looking elsewhere."""
    try:
        os.stat(path)
    except OSError as exc:
        return exc.errno == errno.ELOOP
    except ValueError:  # a NUL in the name: not a loop; the caller reports the name
        return False
    return False


def confined(root: Path, candidate: Path, what: str) -> Path:
    """`candidate` when it stays under `root` once links are followed, else `UnsafePath`."""
    if not inside(root, candidate):
        raise UnsafePath(f"{what} {candidate} leads outside {root}; storyboard only writes and "
                         "deletes inside the project's outputs and its .storyboard/ folder")
    return candidate


def length_problem(text: str) -> str:
    """Why the file system would refuse `text` as a path ('' when it would not)."""
    if "\x00" in text:
        return "it contains a NUL character"
    if len(os.fsencode(text)) > PATH_MAX:
        return f"it is longer than {PATH_MAX} bytes"
    for part in text.replace("\\", "/").split("/"):
        if len(os.fsencode(part)) > NAME_MAX:
            return f"the name {part[:20]}... is longer than {NAME_MAX} bytes"
    return ""


def open_regular(path: Path, *, follow: bool = True) -> BinaryIO:
    """Open a regular file for reading without ever blocking on a FIFO or reading a device.

    O_NONBLOCK makes opening a FIFO return at once; the type is checked on the open
    descriptor (no window between a check and the open); `follow=False` refuses a final
    symlink (O_NOFOLLOW). OSError when the file cannot be opened, UnsafePath when it is not a
    regular file.
    """
    fd, _st = open_regular_fd(path, follow=follow)
    try:
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def open_regular_fd(path: Path | str, *, follow: bool = True
                    ) -> tuple[int, os.stat_result]:
    """`open_regular` as a bare descriptor and its stat, for a caller that reads a small file
    whole (hashing 5,000 cache objects: a file object costs more than the read). The caller
    closes the descriptor."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    if not follow:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise UnsafePath(f"{path} is {_kind(st.st_mode)}, not a regular file; storyboard "
                             "reads regular files only")
        return fd, st
    except BaseException:
        os.close(fd)
        raise


def read_bounded(path: Path, limit: int, *, follow: bool = True) -> bytes:
    """The whole of a regular file of at most `limit` bytes (a bigger one is `UnsafePath`,
    found from its size and by reading at most limit + 1 bytes, so a lying size cannot make
    it read more)."""
    with open_regular(path, follow=follow) as f:
        if os.fstat(f.fileno()).st_size > limit:
            raise UnsafePath(too_large(path, limit))
        data = f.read(limit + 1)
    if len(data) > limit:
        raise UnsafePath(too_large(path, limit))
    return data


def too_large(path: Path, limit: int) -> str:
    return f"{path} is larger than {_human(limit)}; storyboard refuses to read it"


def remove_object(objects: Path, digest: str) -> None:
    """Delete one cache object by digest, and only when it is really under `objects`."""
    p = object_path(objects, digest)
    if inside(objects, p.parent) and p.parent.resolve() == (objects / digest[:2]).resolve():
        p.unlink(missing_ok=True)  # unlink removes a link itself, never what it points to
    else:
        raise UnsafePath(f"cache folder {p.parent} leads outside {objects}; not deleting "
                         "anything there (delete .storyboard/ and build again)")


_NEW = (os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
        | getattr(os, "O_CLOEXEC", 0))


def create_new(path: Path, mode: int = 0o644) -> BinaryIO:
    """A new, empty file at `path` to write: whatever a clone left there (a planted link, a
    stale temp) is removed first, and O_EXCL | O_NOFOLLOW make sure the write lands in a
    fresh file of ours, never through a link."""
    path.unlink(missing_ok=True)  # a link itself is removed, never what it points to
    return os.fdopen(os.open(path, _NEW, mode), "wb")


def write_atomic(path: Path, data: bytes, *, durable: bool = False) -> None:
    """Write `path` whole or not at all: a fresh temp beside it (`create_new`), renamed over
    it (a rename replaces a link at `path` itself, never its target). `durable` fsyncs the
    file and its folder. OSError when it cannot be written (the temp is removed)."""
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    try:
        with create_new(tmp) as f:
            f.write(data)
            if durable:
                f.flush()
                os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if durable:
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def open_append(path: Path) -> int:
    """A descriptor appending to the regular file `path` (created when absent), never
    through a link: a planted `runs.jsonl -> ~/.bashrc` is refused (UnsafePath)."""
    flags = (os.O_RDWR | os.O_APPEND | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
             | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NONBLOCK", 0))
    try:
        fd = os.open(path, flags, 0o644)
    except OSError as exc:
        if path.is_symlink():
            raise UnsafePath(f"{path} is a link; storyboard never writes through a link in "
                             "its own folder (delete it)") from None
        raise exc
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise UnsafePath(f"{path} is not a regular file; storyboard appends to its own files "
                         "only (delete it)")
    return fd


def own_folder(path: Path, root: Path) -> Path:
    """`path` made as a real folder under `root`: a link (or anything else) that a clone put
    in its place is refused, so nothing written in it can land elsewhere."""
    path.mkdir(parents=True, exist_ok=True)
    if path.is_symlink() or not path.is_dir() or not inside(root, path):
        raise UnsafePath(f"{path} is not a folder of storyboard's own (a link or a file is "
                         "there); delete it and run again")
    return path


def replaceable(path: Path, ours: Callable[[Path], bool]) -> None:
    """Before a build replaces `path` (a cut's render): `UnsafePath` unless nothing is there
    or it is a regular file `ours` recognises as made by storyboard. A user's own file, a
    link or a folder at an output path is never overwritten."""
    try:
        st = path.lstat()
    except FileNotFoundError:
        return
    if stat.S_ISREG(st.st_mode) and ours(path):
        return
    what = "a file" if stat.S_ISREG(st.st_mode) else _kind(st.st_mode)
    raise UnsafePath(f"{path} is already there ({what} storyboard did not make); storyboard "
                     "does not overwrite it: move it away, or give the cut another output")


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISLNK(mode):
        return "a link"
    return "not a regular file"


def _human(n: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:g} {unit}"
        n //= 1024
    return f"{n} GB"  # pragma: no cover
