"""Keys, the object store, the stat cache, the run index, `storyboard.lock` and `why_stale`."""

from storyboard.cache.digest import StatCache
from storyboard.cache.index import RunIndex
from storyboard.cache.keys import canonical, node_key, with_digests
from storyboard.cache.lockfile import LockFile, Record
from storyboard.cache.stale import Reason, why_stale
from storyboard.cache.store import ObjectStore
from storyboard.hashing import hash_file  # re-exported: tests and users check objects with it

__all__ = [
    "LockFile",
    "ObjectStore",
    "Reason",
    "Record",
    "RunIndex",
    "StatCache",
    "canonical",
    "hash_file",
    "node_key",
    "why_stale",
    "with_digests",
]
