"""Content digests of files, and the stat cache that lets a no-op build hash nothing.

A file's digest is remembered with its (size, mtime_ns, inode); while those match, the file is
not read again. The cache is one JSON file under `.storyboard/`, loaded once per command.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from storyboard.errors import StoreError
from storyboard.hashing import hash_file


class StatCache:
    """(path, size, mtime_ns, inode) -> digest, plus small facts (probe results) per digest."""

    def __init__(self, file: Path) -> None:
        self.file = file
        self.entries: dict[str, list[Any]] = {}
        self.facts: dict[str, dict[str, Any]] = {}
        self.dirty = False
        self.hashed = 0  # how many files were actually read: a no-op build keeps this at 0
        if file.is_file():
            try:
                data = json.loads(file.read_text("utf-8"))
                self.entries = data.get("entries", {})
                self.facts = data.get("facts", {})
            except (OSError, ValueError):
                self.entries, self.facts = {}, {}  # a damaged stat cache only costs re-hashing

    @staticmethod
    def _sig(st: os.stat_result) -> list[int]:
        return [st.st_size, st.st_mtime_ns, st.st_ino]

    def digest(self, path: Path) -> str:
        key = str(path.resolve())
        try:
            st = path.stat()
        except OSError as exc:
            raise StoreError(f"cannot read {path}: {exc.strerror}") from None
        hit = self.entries.get(key)
        if hit and hit[:3] == self._sig(st):
            return str(hit[3])
        digest = hash_file(path)
        self.hashed += 1
        self.entries[key] = [*self._sig(st), digest]
        self.dirty = True
        return digest

    def remember(self, path: Path, digest: str) -> None:
        """Record a digest we already know (we just wrote the file)."""
        st = path.stat()
        self.entries[str(path.resolve())] = [*self._sig(st), digest]
        self.dirty = True

    def unchanged(self, path: Path, digest: str) -> bool:
        """True when `path` still has the stat signature it had when it hashed to `digest`."""
        hit = self.entries.get(str(path.resolve()))
        try:
            st = path.stat()
        except OSError:
            return False
        return hit is not None and hit[:3] == self._sig(st) and hit[3] == digest

    def save(self) -> None:
        if not self.dirty:
            return
        tmp = self.file.with_suffix(f".tmp{os.getpid()}")
        try:
            self.file.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_text(json.dumps({"entries": self.entries, "facts": self.facts}), "utf-8")
            os.replace(tmp, self.file)
        except OSError:
            # Only a cache: failing to save it (a full disk) costs re-hashing next time.
            tmp.unlink(missing_ok=True)
            return
        self.dirty = False
