"""The object store: media by content digest under `.storyboard/cache/objects/ab/abcdef...`.

Writes go to a temp file in the store and are renamed into place, so a crash or Ctrl-C never
leaves a partial object. Reads are verified: an object whose size or stat signature changed
since it was written is re-hashed, and a mismatch is a miss plus a warning, never used.
Objects are named by digest only (`storyboard.paths.object_path`): a lock entry whose output
is a path can neither be read as an object nor, being "corrupt", delete that file.
"""

from __future__ import annotations

import errno
import os
import shutil
from collections.abc import Callable, Collection
from pathlib import Path

from storyboard.cache.digest import StatCache
from storyboard.errors import StoreError, UnsafePath
from storyboard.hashing import copy_hashed, hash_file_object
from storyboard.paths import (
    create_new,
    is_digest,
    object_path,
    own_folder,
    remove_object,
    replaceable,
)

# A file up to this size is hashed in well under a millisecond: the engine stores it on its
# event loop; a larger one goes to a worker thread, as hashing it would hold up every node.
SMALL_BYTES = 256 * 1024


def small(path: Path) -> bool:
    """True when `path` is a file of at most SMALL_BYTES (False when it cannot be read: the
    put that follows, in a thread, reports why)."""
    try:
        return path.stat().st_size <= SMALL_BYTES
    except OSError:
        return False


class ObjectStore:
    def __init__(self, root: Path, stat: StatCache,
                 warn: Callable[[str], None] = lambda _m: None) -> None:
        self.root = root
        self.objects = root / "objects"
        self.tmp = root / "tmp"
        self.stat = stat
        self.warn = warn
        # Shard folders checked by `own_folder` in this command: checking resolves every
        # component of the path (5,000 objects: 80,000 stats); nothing of ours removes one
        # while a command runs, and a move into one that went anyway is retried after a check.
        self._shards: set[Path] = set()

    def path(self, digest: str) -> Path:
        """Where the object `digest` lives (UnsafePath for anything that is not a digest)."""
        return object_path(self.objects, digest)

    def _at(self, digest: str) -> str:
        """`path` as a string, for a checked digest: no Path built (asked per output, 5,000
        times at 5,000 shots)."""
        return f"{self.objects}/{digest[:2]}/{digest}"

    def has(self, digest: str) -> bool:
        """True when a good copy of `digest` is stored; a corrupt copy is removed."""
        if not is_digest(digest):
            return False
        # One lstat and the stat cache (a hash when the entry is racy, as after a build).
        holds = self.stat.holds(self._at(digest), digest)
        if holds is None:
            return False  # not stored (no regular file there)
        if holds:
            return True
        p = self.path(digest)  # unreadable or another content: as good as corrupt
        self.warn(f"cache object {digest[:12]} is corrupt; it will be made again")
        try:
            self.stat.entries.pop(str(p.resolve()), None)
            remove_object(self.objects, digest)
        except (OSError, RuntimeError, UnsafePath) as exc:
            self.warn(f"cannot remove the corrupt cache object {digest[:12]}: {exc}")
        return False

    def known(self, digest: str) -> bool | None:
        """`has`, answered from one lstat: True when stored with its signature unchanged,
        False when absent, None when only hashing the file can tell (call `has`, off the
        event loop: it may read a large file)."""
        if not is_digest(digest):
            return False
        return self.stat.knows(self._at(digest), digest)

    def put(self, src: Path, *, move: bool = False, durable: bool = True) -> str:
        """Store a file; return its digest. `move` consumes `src`: a file of ours on the same
        disk is hashed where it is and renamed in, never copied. `durable=False` skips the
        fsync, for outputs that are ours to render again for free (a crash can only leave an
        object that `has` finds corrupt, which is then made again)."""
        if move:
            digest = self._move_in(src, durable)
            if digest is not None:
                return digest
        tmp = own_folder(self.tmp, self.root) / f"in-{os.getpid()}-{id(src)}-{src.name}"
        try:
            with src.open("rb") as fin, create_new(tmp) as fout:
                digest = copy_hashed(fin, fout)
                fout.flush()
                if durable:
                    os.fsync(fout.fileno())
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise self._write_error(exc) from None
        self.adopt(tmp, digest)
        if move:
            src.unlink(missing_ok=True)
        return digest

    def _move_in(self, src: Path, durable: bool) -> str | None:
        """Hash `src` in place and rename it into the store; None when it is on another disk
        (the caller copies instead)."""
        try:
            with src.open("rb") as fin:
                digest = hash_file_object(fin)
                if durable:
                    os.fsync(fin.fileno())
        except OSError as exc:
            raise self._write_error(exc) from None
        dst = self.path(digest)
        try:
            self._into_shard(src, dst)
        except OSError as exc:
            if exc.errno == errno.EXDEV:
                return None
            raise self._write_error(exc) from None
        self.stat.remember(dst, digest)
        return digest

    def _into_shard(self, src: Path, dst: Path) -> None:
        """Rename `src` to `dst`, in a shard folder of our own (a linked shard folder would
        lead elsewhere)."""
        shard = dst.parent
        if shard not in self._shards:
            own_folder(shard, self.objects)
            self._shards.add(shard)
        try:
            os.replace(src, dst)
        except FileNotFoundError:
            if not src.exists():
                raise
            self._shards.discard(shard)  # the folder went since it was checked: again
            own_folder(shard, self.objects)
            self._shards.add(shard)
            os.replace(src, dst)

    def _write_error(self, exc: OSError) -> StoreError:
        return StoreError(f"cannot write to the cache at {self.root}: {exc.strerror} "
                          "(free some disk space or run `storyboard gc`)")

    def adopt(self, tmp: Path, digest: str) -> None:
        """Move a file known to hash to `digest` (a verified download) into the store."""
        dst = self.path(digest)
        try:
            self._into_shard(tmp, dst)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise self._write_error(exc) from None
        self.stat.remember(dst, digest)

    def materialize(self, digest: str, dst: Path, *, known: Collection[str] | None = None
                    ) -> None:
        """Place a stored object at `dst` (a render), by hard link when possible. With `known`
        (the digests the lock names), a file already at `dst` is replaced only when it is one
        storyboard made: the same object, one the lock names or one in the store."""
        if dst.is_file() and self.stat.unchanged(dst, digest):
            return
        if known is not None:
            replaceable(dst, lambda p: self._made(p, digest, known))
        src = self.path(digest)
        trusted = self.stat.unchanged(src, digest)  # a new link changes its ctime: re-trust it
        link_or_copy(src, dst)
        self.stat.remember(dst, digest)
        if trusted:
            self.stat.remember(src, digest)

    def _made(self, path: Path, digest: str, known: Collection[str]) -> bool:
        try:
            found = self.stat.digest(path)
        except (StoreError, UnsafePath):
            return False
        return found == digest or found in known or self.has(found)

    def clean_tmp(self) -> None:
        if self.tmp.is_dir():
            shutil.rmtree(self.tmp, ignore_errors=True)

    def digests(self) -> set[str]:
        if not self.objects.is_dir():
            return set()
        return {p.name for p in self.objects.glob("*/*") if is_digest(p.name) and p.is_file()}


def link_or_copy(src: Path, dst: Path) -> None:
    """Put `src` at `dst` atomically: a hard link when the filesystem allows, else a copy."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    tmp = dst.with_name(f".{dst.name}.tmp{os.getpid()}")
    tmp.unlink(missing_ok=True)
    try:
        try:
            os.link(src, tmp)
        except OSError:
            shutil.copyfile(src, tmp)
        os.replace(tmp, dst)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise StoreError(f"cannot write {dst}: {exc.strerror}") from None
