"""A remote cache through fsspec: a folder (`/path`, `file://`) or S3 (`s3://bucket/prefix`).

The only fsspec user (s3fs comes in through it). Objects sit at `objects/ab/abcdef...` under the
URL, as in the local cache. Uploads are atomic: S3 makes a PUT visible whole; elsewhere a temp
name is renamed into place. Every fsspec/botocore error becomes a `RemoteError` saying what to do.
"""

from __future__ import annotations

import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from storyboard.errors import RemoteError, RemoteUrlError, StoryboardError, UnsafePath
from storyboard.hashing import CHUNK, copy_hashed, copy_hashed_upto, hash_file
from storyboard.paths import PATH_MAX, open_regular

if TYPE_CHECKING:
    from storyboard.cache import ObjectStore

# Object stores whose single PUT is atomic: upload straight to the final key.
ATOMIC_PUT = frozenset({"s3", "s3a", "gs", "gcs", "az", "abfs", "abfss"})
SCHEMES = ATOMIC_PUT | {"file"}  # what a remote URL may name: a folder or an object store
# No object a build reads is bigger (a film's cut at a high bitrate is a few GB); a remote object
# claiming more, or delivering more than it claimed, is refused before it fills the disk.
MAX_OBJECT_BYTES = 8 * 1024**3
TEMP_PREFIX = ".tmp-"
TEMP_GRACE = 3600.0  # seconds: an upload temp untouched this long was left by a dead upload


def resolve_url(option: str | None, env: str | None, in_file: str | None,
                file_root: Path) -> str | None:
    """The remote to use: --remote, else STORYBOARD_REMOTE, else `remote:` in the file.

    A relative folder in the file is relative to the file's folder; on the command line or in
    the environment, to the current folder. A URL that cannot name a cache is refused here,
    saying where it came from (`RemoteUrlError`).
    """
    sources = ((option, Path.cwd(), "--remote"), (env, Path.cwd(), "STORYBOARD_REMOTE"),
               (in_file, file_root, f"`remote:` in {file_root / 'storyboard.yaml'}"))
    for url, base, where in sources:
        if url:
            check_url(url, where)
            if "://" in url:
                return url
            return str((base / url).resolve())
    return None


def check_url(url: str, where: str) -> None:
    """Refuse what fsspec would read as something other than one cache: a NUL (no path can
    hold one), a `::` chain (`zip::`, `simplecache::` wrap another file system) and schemes
    that are not a folder or an object store."""
    shown = repr(url[:120])
    if "\x00" in url:
        raise RemoteUrlError(f"{where}: the remote URL {shown} contains a NUL character; use a "
                             "folder, file://path or s3://bucket/prefix")
    if "::" in url:
        raise RemoteUrlError(f"{where}: the remote URL {shown} is an fsspec chain ('::'); a "
                             "remote cache is one folder or bucket: use a folder, file://path "
                             "or s3://bucket/prefix")
    if "://" in url:
        scheme = url.split("://", 1)[0].lower()
        if scheme not in SCHEMES:
            raise RemoteUrlError(f"{where}: the remote URL {shown} uses '{scheme}://', which "
                                 "is not a remote cache storyboard supports; use a folder, "
                                 "file://path or s3://bucket/prefix")
    if len(url) > PATH_MAX:
        raise RemoteUrlError(f"{where}: the remote URL is {len(url)} characters long; a "
                             f"path or URL holds at most {PATH_MAX}")


def s3_endpoint() -> str | None:
    """An S3-compatible endpoint (MinIO, moto, ...): STORYBOARD_S3_ENDPOINT or AWS_ENDPOINT_URL."""
    return os.environ.get("STORYBOARD_S3_ENDPOINT") or os.environ.get("AWS_ENDPOINT_URL") or None


class Remote:
    """One remote cache: check it, list it, and move single objects to and from it."""

    def __init__(self, url: str, fs: Any = None, warn: Callable[[str], None] = lambda _m: None,
                 env_file: dict[str, str] | None = None) -> None:
        self.url = url
        self.warn = warn
        if fs is None:
            fs, root = _open_fs(url, env_file or {})
        else:
            root = url.split("://", 1)[-1]
        self.fs = fs
        self.root = root.rstrip("/")
        protocols = fs.protocol if isinstance(fs.protocol, tuple | list) else (fs.protocol,)
        self.atomic_put = bool(ATOMIC_PUT & set(protocols))
        self.is_local = "file" in protocols
        self.max_bytes = _max_bytes()

    def __repr__(self) -> str:
        return f"Remote({self.url!r})"

    def object_path(self, digest: str) -> str:
        return f"{self.root}/objects/{digest[:2]}/{digest}"

    # -- checks and listing -----------------------------------------------------------------
    def check(self, *, create: bool = False) -> None:
        """Raise a RemoteError with a fix unless the remote can be used now."""
        with self.translate("reach"):
            if self.is_local:
                if create:
                    self.fs.makedirs(f"{self.root}/objects", exist_ok=True)
                if not self.fs.isdir(self.root):
                    raise RemoteError(
                        f"the remote cache folder {self.root} does not exist (create it, mount "
                        "it, or fix `remote:` / STORYBOARD_REMOTE / --remote)")
                return
            bucket = self.root.split("/", 1)[0]
            try:
                self.fs.ls(bucket, detail=False)  # `exists` would hide a network error
            except FileNotFoundError:
                raise RemoteError(f"the bucket of {self.url} does not exist or is not visible "
                                  "with these credentials (create it, or fix the URL)") from None

    def listing(self) -> dict[str, int]:
        """digest -> size of every object on the remote, in one listing."""
        base = f"{self.root}/objects"
        with self.translate("list"):
            self.fs.invalidate_cache()
            if not self.fs.exists(base):
                return {}
            found = self.fs.find(base, detail=True)
        out = {}
        for path, info in found.items():
            name = str(path).rsplit("/", 1)[-1]
            if len(name) == 64 and not name.startswith("."):
                out[name] = int(info.get("size") or 0)
        return out

    def has(self, digest: str) -> bool:
        """Whether the remote lists an object named `digest` (its bytes are not read)."""
        with self.translate("check"):
            return bool(self.fs.exists(self.object_path(digest)))

    # -- moving objects ---------------------------------------------------------------------
    def download(self, digest: str, dst: Path) -> str | None:
        """Copy the object to `dst`; return the digest of what arrived (None: not there).

        Bounded: an object is read only up to the size the remote claims for it, which must be
        under `max_bytes` and fit on the local disk; more bytes than claimed (a link to
        /dev/zero, an object replaced while read) is a RemoteError, and the partial copy is
        the caller's temp to drop. A folder remote's object must be a regular file.
        """
        path = self.object_path(digest)
        with self.translate("read"):
            try:
                if self.is_local:
                    f: BinaryIO = open_regular(Path(path), follow=False)
                    claimed = os.fstat(f.fileno()).st_size
                else:
                    claimed = int(self.fs.info(path).get("size") or 0)
                    f = self.fs.open(path, "rb", block_size=8 * CHUNK)
            except FileNotFoundError:
                return None
            except (UnsafePath, OSError) as exc:
                if not self.is_local or isinstance(exc, PermissionError):
                    raise
                # A link (O_NOFOLLOW: ELOOP), a device or a FIFO where an object should be.
                raise RemoteError(f"remote object {digest[:12]} on {self.url} is not a "
                                  f"regular file ({exc}); not read (remove it and push a good "
                                  "copy)") from None
            with f, dst.open("wb") as out:
                self._room_for(digest, claimed, dst)
                return _copy_capped(f, out, claimed, f"remote object {digest[:12]} on "
                                    f"{self.url}")

    def _room_for(self, digest: str, claimed: int, dst: Path) -> None:
        if claimed > self.max_bytes:
            raise RemoteError(f"remote object {digest[:12]} on {self.url} claims "
                              f"{claimed:,} bytes, over the {self.max_bytes:,}-byte limit for "
                              "one object; not downloaded (remove it from the remote, or raise "
                              "STORYBOARD_REMOTE_MAX_BYTES)")
        free = shutil.disk_usage(dst.parent).free
        if claimed > free:
            raise RemoteError(f"remote object {digest[:12]} on {self.url} is {claimed:,} bytes "
                              f"and only {free:,} are free on {dst.parent}; not downloaded "
                              "(free some space)")

    def upload(self, src: Path, digest: str) -> str:
        """Put a local object on the remote, atomically, if it still hashes to `digest`;
        return the digest of what was read (the object is placed only when they match)."""
        final = self.object_path(digest)
        with self.translate("write"):
            if self.atomic_put:
                got = hash_file(src)  # a PUT is whole or nothing: check first, then send
                if got == digest:
                    self.fs.put_file(str(src), final)
                return got
            parent = final.rsplit("/", 1)[0]
            tmp = f"{parent}/{TEMP_PREFIX}{uuid.uuid4().hex}-{digest[:12]}"
            self.fs.makedirs(parent, exist_ok=True)
            try:
                with open_regular(src) as f, self.fs.open(tmp, "wb") as out:
                    got = copy_hashed(f, out)  # one read: hashed as it is sent
                if got == digest:
                    self.fs.mv(tmp, final)
                    return got
            except BaseException:
                with suppress(Exception):  # the temp may never have been made
                    self.fs.rm_file(tmp)
                raise
            self.fs.rm_file(tmp)
            return got

    def clean_temps(self, grace: float = TEMP_GRACE) -> int:
        """Remove upload temps (`.tmp-*`) of a folder remote untouched for `grace` seconds:
        what an upload killed mid-way left. Returns how many went."""
        if not self.is_local:
            return 0  # object stores take a PUT whole: there are no temps
        base = Path(self.root) / "objects"
        cutoff = time.time() - grace
        gone = 0
        with self.translate("clean"):
            for tmp in base.glob(f"*/{TEMP_PREFIX}*"):
                with suppress(OSError):
                    if tmp.lstat().st_mtime < cutoff:
                        tmp.unlink()
                        gone += 1
        return gone

    def fetch(self, digest: str, store: ObjectStore) -> bool:
        """Read-through for a build: put a verified copy of `digest` into `store` if the
        remote has one. Never raises: a failure is a warning and the node is made again."""
        store.tmp.mkdir(parents=True, exist_ok=True)
        tmp = store.tmp / f"pull-{uuid.uuid4().hex}"
        try:
            got = self.download(digest, tmp)
            if got is None:
                return False
            if got != digest:
                self.warn(f"remote object {digest[:12]} on {self.url} is corrupt (it hashes to "
                          f"{got[:12]}); not used (push a good copy with `storyboard push "
                          "--force`)")
                return False
            store.adopt(tmp, digest)
            return True
        except StoryboardError as exc:
            self.warn(f"could not read {digest[:12]} from the remote: {exc}")
            return False
        finally:
            tmp.unlink(missing_ok=True)

    @contextmanager
    def translate(self, action: str) -> Iterator[None]:
        """fsspec, s3fs and botocore errors become RemoteErrors that say what to do."""
        try:
            yield
        except StoryboardError:
            raise
        except FileNotFoundError:
            raise
        except PermissionError as exc:
            raise RemoteError(f"cannot {action} {self.url}: permission denied ({exc}); check "
                              "your credentials (AWS_ACCESS_KEY_ID / AWS_PROFILE) or the folder's "
                              "permissions") from None
        except Exception as exc:  # botocore and aiohttp errors are not OSErrors
            text = " ".join(str(exc).split()) or type(exc).__name__
            raise RemoteError(f"cannot {action} the remote cache {self.url}: {text} (check the "
                              "URL, the network, STORYBOARD_S3_ENDPOINT / AWS_ENDPOINT_URL and "
                              "credentials; or build without a remote)") from None


def _max_bytes() -> int:
    try:
        return int(os.environ.get("STORYBOARD_REMOTE_MAX_BYTES") or MAX_OBJECT_BYTES)
    except ValueError:
        return MAX_OBJECT_BYTES


def _copy_capped(src: BinaryIO, dst: BinaryIO, claimed: int, what: str) -> str:
    """Copy at most `claimed` bytes and hash them; RemoteError when more arrive."""
    got = copy_hashed_upto(src, dst, claimed)
    if got is None:
        raise RemoteError(f"{what} sends more bytes than the {claimed:,} it claims (a link to "
                          "a device, or replaced while read); not used")
    return got


def s3_options(env_file: dict[str, str]) -> dict[str, Any]:
    """s3fs options: the endpoint and credentials from the environment first, else from the
    project's `.env` (`env_file`); botocore reads AWS config and profiles itself. Held in
    memory only. An endpoint a project file chose never receives credentials from elsewhere
    (the environment, a profile): the file would otherwise send them to any host it names."""
    options: dict[str, Any] = {}
    endpoint = s3_endpoint()
    from_file = None
    if endpoint is None:
        from_file = env_file.get("STORYBOARD_S3_ENDPOINT") or env_file.get("AWS_ENDPOINT_URL")
        endpoint = from_file
    names = {"key": "AWS_ACCESS_KEY_ID", "secret": "AWS_SECRET_ACCESS_KEY",
             "token": "AWS_SESSION_TOKEN", "profile": "AWS_PROFILE"}
    for option, name in names.items():
        if not os.environ.get(name) and env_file.get(name):
            options[option] = env_file[name]
    if from_file and not ("key" in options and "secret" in options):
        raise RemoteUrlError(
            f"the project's .env sets the S3 endpoint {from_file[:200]!r} but not the "
            "credentials for it; storyboard does not send credentials from your environment "
            "or AWS profile to an endpoint a project file chose: set STORYBOARD_S3_ENDPOINT in "
            "your environment instead, or put AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY for "
            "that endpoint in the same .env")
    if endpoint:
        options["client_kwargs"] = {"endpoint_url": endpoint}
    return options


def _open_fs(url: str, env_file: dict[str, str]) -> tuple[Any, str]:
    try:
        from fsspec.core import url_to_fs
    except ImportError:
        raise RemoteError("remote caches need fsspec: reinstall storyboard, or "
                          "pip install fsspec s3fs") from None
    options: dict[str, Any] = {}
    if url.startswith(("s3://", "s3a://")):
        options = {
            "skip_instance_cache": True,
            "config_kwargs": {"connect_timeout": 5, "read_timeout": 60,
                              "retries": {"max_attempts": 3}},
            **s3_options(env_file),
        }
    try:
        fs, root = url_to_fs(url, **options)
    except ImportError as exc:
        raise RemoteError(f"{url} needs a package that is not installed ({exc}); for S3: "
                          "pip install s3fs") from None
    except (ValueError, OSError) as exc:
        raise RemoteError(f"cannot open the remote cache {url}: {exc} (use a folder, file:// "
                          "or s3://bucket/prefix)") from None
    return fs, str(root)


def open_remote(url: str, warn: Callable[[str], None] = lambda _m: None,
                env_file: dict[str, str] | None = None) -> Remote:
    """A `Remote` for a URL: a folder path, file://... or s3://bucket/prefix; `env_file`: the
    S3 settings of the project's `.env` (`settings.s3_from_env_file`)."""
    if "://" not in url:
        url = str(Path(url).resolve())
    return Remote(url, warn=warn, env_file=env_file)
