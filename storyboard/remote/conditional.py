"""Small records on a remote, changed only by conditional writes: the substrate of leases.

S3 (and what speaks its API: MinIO, R2, moto) gives them directly: a PUT with `If-None-Match: *`
creates an object only if none exists, a PUT or DELETE with `If-Match: ETag` changes it only if
nobody changed it since it was read. A folder remote gets the same from the file system: a
create is a hard link of a finished temp (fails when the name exists, never shows a half-written
file), and a compare-and-swap holds an `flock` on the folder while it reads, compares and
renames. Every S3 call of storyboard that needs a precondition is here, and only here.

A "cell" is one small JSON-or-text object addressed by a name relative to the remote's root
(`leases/<key>.json`, `index/<key>.json`). `read` gives its bytes and ETag; the writes return
the new ETag, or None when the precondition did not hold (someone else got there first).
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

from storyboard.errors import RemoteError, UnsafePath
from storyboard.hashing import hash_text
from storyboard.paths import read_bounded
from storyboard.remote.backend import Remote

MAX_CELL_BYTES = 256 * 1024  # a lease or a record: a few hundred bytes; bounds a hostile one
_LOST = {"PreconditionFailed", "ConditionalRequestConflict", "NoSuchKey", "404", "409", "412"}


class Cells(Protocol):
    def read(self, name: str) -> tuple[bytes, str] | None: ...

    def create(self, name: str, data: bytes) -> str | None: ...

    def replace(self, name: str, data: bytes, etag: str) -> str | None: ...

    def delete(self, name: str, etag: str) -> bool: ...

    def put(self, name: str, data: bytes) -> None: ...

    def names(self, folder: str) -> list[str]: ...


def cells(remote: Remote) -> Cells:
    """The conditional-write view of a remote: a folder's or S3's."""
    if remote.is_local:
        return FolderCells(Path(remote.root))
    if not any(p in ("s3", "s3a") for p in _protocols(remote.fs)):
        raise RemoteError(f"{remote.url}: leases need a folder or an S3 remote (conditional "
                          "writes); build without a remote or use s3://")
    return S3Cells(remote)


def _protocols(fs: Any) -> tuple[str, ...]:
    p = fs.protocol
    return tuple(p) if isinstance(p, tuple | list) else (p,)


def _etag(data: bytes) -> str:
    return hash_text(data.decode("utf-8", "replace"))[:32]


class FolderCells:
    """Cells in a folder: atomic create by hard link, compare-and-swap under flock."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, name: str) -> Path:
        return self.root / name

    def read(self, name: str) -> tuple[bytes, str] | None:
        try:
            data = read_bounded(self._path(name), MAX_CELL_BYTES, follow=False)
        except FileNotFoundError:
            return None
        except (OSError, UnsafePath) as exc:
            raise RemoteError(f"cannot read {self._path(name)}: {exc}") from None
        return data, _etag(data)

    def _temp(self, name: str, data: bytes) -> Path:
        p = self._path(name)
        p.parent.mkdir(parents=True, exist_ok=True)
        tmp = p.parent / f".tmp-{uuid.uuid4().hex}"
        with tmp.open("wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        return tmp

    def create(self, name: str, data: bytes) -> str | None:
        tmp = self._temp(name, data)
        try:
            os.link(tmp, self._path(name))  # atomic, fails if the name exists: O_EXCL, whole
        except FileExistsError:
            return None
        finally:
            tmp.unlink(missing_ok=True)
        return _etag(data)

    @contextlib.contextmanager
    def _locked(self, name: str) -> Iterator[None]:
        folder = self._path(name).parent
        folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(folder / ".cas.lock", os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)  # released by the kernel if this process dies
            yield
        finally:
            os.close(fd)

    def replace(self, name: str, data: bytes, etag: str) -> str | None:
        with self._locked(name):
            now = self.read(name)
            if now is None or now[1] != etag:
                return None
            tmp = self._temp(name, data)
            os.replace(tmp, self._path(name))
        return _etag(data)

    def delete(self, name: str, etag: str) -> bool:
        with self._locked(name):
            now = self.read(name)
            if now is None or now[1] != etag:
                return False
            self._path(name).unlink(missing_ok=True)
        return True

    def put(self, name: str, data: bytes) -> None:
        os.replace(self._temp(name, data), self._path(name))

    def names(self, folder: str) -> list[str]:
        base = self._path(folder)
        if not base.is_dir():
            return []
        return sorted(f"{folder}/{p.name}" for p in base.iterdir()
                      if p.name.endswith(".json") and not p.name.startswith("."))


class S3Cells:
    """Cells as S3 objects, through s3fs's client: conditional PUTs and DELETEs."""

    def __init__(self, remote: Remote) -> None:
        self.remote = remote
        self.bucket, _, prefix = remote.root.partition("/")
        self.prefix = f"{prefix}/" if prefix else ""

    def _key(self, name: str) -> str:
        return self.prefix + name

    def _call(self, op: str, **kw: Any) -> Any:
        return self.remote.fs.call_s3(op, Bucket=self.bucket, **kw)

    def read(self, name: str) -> tuple[bytes, str] | None:
        with self.remote.translate("read"):
            try:
                got = self._call("get_object", Key=self._key(name))
            except FileNotFoundError:
                return None
            if int(got.get("ContentLength") or 0) > MAX_CELL_BYTES:
                raise RemoteError(f"{self.remote.url}/{name} is over {MAX_CELL_BYTES} bytes; "
                                  "not a lease or record storyboard wrote (remove it)")
            body = got["Body"]
            data = _read_body(self.remote, body)
        return data, str(got["ETag"])

    def _write(self, op: str, **kw: Any) -> Any:
        with self.remote.translate("write"):
            try:
                return self._call(op, **kw)
            except (FileExistsError, FileNotFoundError):
                return None
            except OSError as exc:
                if _lost(exc):
                    return None
                raise

    def create(self, name: str, data: bytes) -> str | None:
        got = self._write("put_object", Key=self._key(name), Body=data, IfNoneMatch="*")
        return None if got is None else str(got["ETag"])

    def replace(self, name: str, data: bytes, etag: str) -> str | None:
        got = self._write("put_object", Key=self._key(name), Body=data, IfMatch=etag)
        return None if got is None else str(got["ETag"])

    def delete(self, name: str, etag: str) -> bool:
        return self._write("delete_object", Key=self._key(name), IfMatch=etag) is not None

    def put(self, name: str, data: bytes) -> None:
        with self.remote.translate("write"):
            self._call("put_object", Key=self._key(name), Body=data)

    def names(self, folder: str) -> list[str]:
        out: list[str] = []
        token: str | None = None
        with self.remote.translate("list"):
            while True:
                kw: dict[str, Any] = {"Prefix": self._key(folder) + "/"}
                if token:
                    kw["ContinuationToken"] = token
                page = self._call("list_objects_v2", **kw)
                out += [str(o["Key"])[len(self.prefix):] for o in page.get("Contents", [])
                        if str(o["Key"]).endswith(".json")]
                token = page.get("NextContinuationToken")
                if not token:
                    return sorted(out)


def _read_body(remote: Remote, body: Any) -> bytes:
    """The body of a small object, read on s3fs's event loop (it is an aiohttp stream)."""

    async def read() -> bytes:
        async with body:
            data: bytes = await body.read(MAX_CELL_BYTES + 1)
            return data

    data = asyncio.run_coroutine_threadsafe(read(), remote.fs.loop).result(timeout=120)
    if len(data) > MAX_CELL_BYTES:
        raise RemoteError(f"an object under {remote.url} is over {MAX_CELL_BYTES} bytes")
    return data


def _lost(exc: BaseException) -> bool:
    """Whether an s3fs error is a precondition that did not hold (botocore's error code is on
    the cause s3fs chained)."""
    cause = exc.__cause__
    response = getattr(cause, "response", None)
    if isinstance(response, dict):
        err = response.get("Error") or {}
        meta = response.get("ResponseMetadata") or {}
        return str(err.get("Code")) in _LOST or str(meta.get("HTTPStatusCode")) in _LOST
    return "pre-condition" in str(exc) or "precondition" in str(exc).lower()
