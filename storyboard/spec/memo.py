"""A memo of the last storyboard file read: its YAML data and `SourceMap` as JSON, in
`.storyboard/spec-memo.json`, so a command on an unchanged file skips the YAML parser.

Reading 5,000 shots from libyaml's events costs a quarter of a second; JSON reads the same data
in a few milliseconds. The memo is keyed by the SHA-256 of the file's bytes and by the file's
identity on this disk (device, inode, size, change time), which no copy, clone or archive
keeps: a memo planted in a cloned `.storyboard/` never matches the file beside it, and an edit
misses even when a coarse clock leaves the times alone (the digest differs). It is untrusted
all the same: read bounded, never through a link, every value's type checked; anything odd is
a miss, and the file is parsed as if there were no memo. Only what the fast reader built is
remembered (plain data, no aliases: `yamlfast`), so what comes back is exactly what the parser
gives; one file, overwritten on each miss. Writing is best effort: a read-only folder or a
full disk costs only speed. The source map's marks are stored in the order the reader meets
them and rebuilt by walking the data the same way; only `values` is rebuilt at once (with the
check that every mark fits), the tables only problems read when first read.
"""

from __future__ import annotations

import base64
import json
import os
from array import array
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from storyboard.errors import UnsafePath
from storyboard.hashing import hash_bytes
from storyboard.paths import read_bounded, write_atomic
from storyboard.spec.yamlfast import Trail
from storyboard.spec.yamlsource import MAX_DEPTH, MAX_EXPANDED_NODES, Path_, SourceMap

MEMO_NAME = "spec-memo.json"
FORMAT = 1
MAX_MEMO_BYTES = 64 * 1024 * 1024  # a 2 MB storyboard's memo is a few times its size


@dataclass(frozen=True)
class Memo:
    """Where the memo lives, and the key the file being read must match."""

    path: Path
    key: str

    @classmethod
    def of(cls, path: Path, data: bytes, st: os.stat_result) -> Memo:
        """The memo for a file whose bytes are `data` and whose `os.stat` is `st`."""
        ident = f"{st.st_dev}:{st.st_ino}:{st.st_size}:{st.st_ctime_ns}:{st.st_mtime_ns}"
        return cls(path, f"{hash_bytes(data)}/{ident}")


def recall(memo: Memo, file: str, parse: Callable[[], SourceMap]
           ) -> tuple[Any, SourceMap] | None:
    """The data and source map remembered for exactly this file, else None. `parse` gives
    the file's source map the parser's way: used should the lazy tables not rebuild."""
    try:  # bounded, a regular file, no link followed
        found = json.loads(read_bounded(memo.path, MAX_MEMO_BYTES, follow=False))
    except (OSError, ValueError, UnsafePath, RecursionError):
        return None
    if (not isinstance(found, dict) or found.get("format") != FORMAT
            or found.get("key") != memo.key or "data" not in found):
        return None
    try:
        data = found["data"]
        marks = array("i", base64.b64decode(found["marks"], validate=True)).tolist()
        texts = found["texts"]
        if not isinstance(texts, list) or not all(type(t) is str for t in texts):
            return None
        values = _values(data, marks, len(texts))
    except (LookupError, TypeError, ValueError, RecursionError):
        return None

    def rest() -> SourceMap:
        try:
            return _rebuild(file, data, marks, texts)
        except (LookupError, TypeError, ValueError, RecursionError, StopIteration):
            return parse()  # the data changed since (it is the caller's to keep)

    return data, _Recalled(file, values, rest)


class _Recalled(SourceMap):
    """A source map read from the memo: `values` at once (the graph reads it for every step),
    the other tables when first read (only problems read them): a third of the rebuild."""

    def __init__(self, file: str, values: dict[Path_, tuple[int, int]],
                 rest: Callable[[], SourceMap]) -> None:  # no dataclass __init__: lazy tables
        self.file = file
        self.values = values
        self._rest = rest

    def __getattr__(self, name: str) -> Any:
        if name not in _LAZY:
            raise AttributeError(name)
        full = self._rest()
        for table in _LAZY:
            setattr(self, table, getattr(full, table))
        if full.values != self.values:  # parsed again: every table from the parser
            self.values = full.values
        return getattr(self, name)


_LAZY = ("ends", "keys", "key_ends", "texts")


def remember(memo: Memo, data: Any, smap: SourceMap, trail: Trail) -> None:
    """Write the memo (atomically) from what the fast reader left on its `trail`; skipped
    when the trail does not account for every table entry, or the memo cannot be written."""
    if not trail.plain or len(trail.marks) != 4 * (len(smap.values) + len(smap.keys)):
        return
    try:
        marks = array("i", trail.marks)
        text = json.dumps({"format": FORMAT, "key": memo.key, "data": data,
                           "marks": base64.b64encode(marks.tobytes()).decode("ascii"),
                           "texts": trail.texts}, separators=(",", ":"))
        if not memo.path.parent.is_dir():  # a project never built: its `.storyboard/`
            memo.path.parent.mkdir()  # (not its parents: the project folder must exist)
        write_atomic(memo.path, text.encode("ascii"))
    except (OSError, TypeError, ValueError, UnsafePath, RecursionError, OverflowError):
        pass


def _values(data: Any, marks: list[int], texts: int) -> dict[Path_, tuple[int, int]]:
    """The `values` table alone, walking as `_rebuild` does and checking that the marks and
    the `texts` texts fit the data exactly (ValueError or IndexError when they do not)."""
    if len(marks) > 8 * MAX_EXPANDED_NODES:  # four per value, four per key
        raise ValueError("too many marks")
    values: dict[Path_, tuple[int, int]] = {(): (marks[0], marks[1])}
    pos = 4
    told = 0

    def collection(v: Any, path: Path_) -> None:
        nonlocal pos, told
        if len(path) > MAX_DEPTH:
            raise ValueError("too deep")
        if type(v) is dict:
            key_path: Path_ | None = (*path, "__key__")
            items: Any = v.items()
        else:
            key_path = None
            items = enumerate(v)
        for k, x in items:
            if key_path is not None:
                if key_path not in values:
                    values[key_path] = (marks[pos], marks[pos + 1])
                    pos += 4
                pos += 4  # the key's own marks
            at = (*path, k)
            if at not in values:
                values[at] = (marks[pos], marks[pos + 1])
                pos += 4
            kind = type(x)
            if kind is dict or kind is list:
                collection(x, at)
            elif kind is not str:
                told += 1

    kind = type(data)
    if kind is dict or kind is list:
        collection(data, ())
    elif kind is not str:
        told += 1
    if pos != len(marks) or told != texts:
        raise ValueError("the marks do not fit the data")
    return values


def _rebuild(file: str, data: Any, marks: list[int], texts: list[str]) -> SourceMap:
    """The source map of `data` from its marks and texts: the fast reader's tables, filled in
    its order (`yamlfast.Trail`). ValueError or StopIteration when they do not fit the data.
    Scalars are handled in their parent's loop: a call per value cost a third of the time."""
    if len(marks) > 8 * MAX_EXPANDED_NODES:  # four per value, four per key
        raise ValueError("too many marks")
    smap = SourceMap(file)
    values, ends, keys, key_ends, stexts = (smap.values, smap.ends, smap.keys, smap.key_ends,
                                            smap.texts)
    take = iter(marks).__next__
    told = iter(texts).__next__

    def collection(v: Any, path: Path_) -> None:
        if len(path) > MAX_DEPTH:
            raise ValueError("too deep")
        if type(v) is dict:
            key_path = (*path, "__key__")
            items: Any = v.items()
        else:
            key_path = None
            items = enumerate(v)
        for k, x in items:
            if key_path is not None:
                if key_path not in values:
                    values[key_path] = (take(), take())
                    ends[key_path] = (take(), take())
                stexts[key_path] = k
            at = (*path, k)
            if key_path is not None:
                keys[at] = (take(), take())
                key_ends[at] = (take(), take())
            if at not in values:
                values[at] = (take(), take())
                ends[at] = (take(), take())
            kind = type(x)
            if kind is dict or kind is list:
                collection(x, at)
            else:
                stexts[at] = x if kind is str else told()

    values[()] = (take(), take())
    ends[()] = (take(), take())
    kind = type(data)
    if kind is dict or kind is list:
        collection(data, ())
    else:
        stexts[()] = data if kind is str else told()
    for rest in (take, told):
        try:
            rest()
        except StopIteration:
            continue
        raise ValueError("left over")
    return smap
