"""Placing media next to a hand-off file (a review page, an exported timeline).

Cache objects and input files are hard-linked (or copied) into a folder under readable,
content-addressed names (`NAME-DIGEST12.ext`), so a page or a timeline names files that sit
beside it and the folder can be moved, zipped or sent. The review page and the exports share
this one helper; `Placer.placed` lets the review prune what its page no longer names.
"""

from __future__ import annotations

from pathlib import Path

from storyboard.cache.store import ObjectStore, link_or_copy

NAME_BYTES = 120  # of a shot's name in a placed file's name, leaving room for temp suffixes


def placed_name(name: str, digest: str, suffix: str) -> str:
    """`dawn-ae07890e81eb.mp4`: the name a file gets beside a hand-off file. A long shot name
    is cut to NAME_BYTES (the digest keeps names apart): a file system takes 255 bytes."""
    short = name.encode("utf-8")[:NAME_BYTES].decode("utf-8", "ignore")
    return f"{short}-{digest[:12]}{suffix}"


class Placer:
    """Places cache objects and files under `root`, remembering every path it placed."""

    def __init__(self, store: ObjectStore, root: Path) -> None:
        self.store = store
        self.root = root
        self.placed: set[Path] = set()

    def output(self, digest: str, name: str, folder: str = "media", suffix: str = ".mp4"
               ) -> Path:
        """A cache object at `root/folder/NAME-DIGEST12.suffix`."""
        dst = self.root / folder / placed_name(name, digest, suffix)
        self.store.materialize(digest, dst)
        self.placed.add(dst)
        return dst

    def file(self, src: Path, digest: str, name: str, folder: str = "media") -> Path:
        """An input file (or a derived one, such as a poster) at `root/folder/NAME-DIGEST12.ext`,
        kept when the one already there is the same content."""
        dst = self.root / folder / placed_name(name, digest, src.suffix.lower())
        stat = self.store.stat
        if not (dst.is_file() and stat.unchanged(dst, digest)):
            link_or_copy(src, dst)
            stat.remember(dst, digest)
        self.placed.add(dst)
        return dst

    def source(self, digest: str) -> Path:
        """The cached object itself (to read, never to write)."""
        return self.store.path(digest)

    def forget(self) -> None:
        """Drop the stat entries of what was placed (a scratch folder about to be deleted)."""
        for placed in self.placed:
            self.store.stat.entries.pop(str(placed.resolve()), None)

    def save(self) -> None:
        """Keep the digests learned while placing (the stat cache), for the next command."""
        self.store.stat.save()

    def prune(self, folders: tuple[str, ...]) -> None:
        """Remove files in `folders` that this placer did not place (earlier runs' leftovers)."""
        for folder in folders:
            root = self.root / folder
            if not root.is_dir():
                continue
            for old in root.iterdir():
                if old.is_file() and old not in self.placed:
                    old.unlink(missing_ok=True)
