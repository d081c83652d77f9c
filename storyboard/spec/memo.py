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
full disk costs only speed.
"""

from __future__ import annotations

import base64
import json
import os
from array import array
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from storyboard.errors import UnsafePath
from storyboard.hashing import hash_bytes
from storyboard.paths import read_bounded, write_atomic
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


def recall(memo: Memo, file: str) -> tuple[Any, SourceMap] | None:
    """The data and source map remembered for exactly this file, else None."""
    try:  # bounded, a regular file, no link followed
        found = json.loads(read_bounded(memo.path, MAX_MEMO_BYTES, follow=False))
    except (OSError, ValueError, UnsafePath, RecursionError):
        return None
    if (not isinstance(found, dict) or found.get("format") != FORMAT
            or found.get("key") != memo.key or "data" not in found):
        return None
    try:
        marks = array("i", base64.b64decode(found["marks"], validate=True)).tolist()
        texts = found["texts"]
        if not isinstance(texts, list) or not all(type(t) is str for t in texts):
            return None
        return found["data"], _rebuild(file, found["data"], marks, texts)
    except (LookupError, TypeError, ValueError, RecursionError):
        return None


def remember(memo: Memo, data: Any, smap: SourceMap) -> None:
    """Write the memo (atomically) when the source map rebuilt from it is exactly `smap`,
    entry for entry and in the same order; else, or when it cannot be written, skip it."""
    try:
        marks, texts = _marks(data, smap)
        if not _same(_rebuild(smap.file, data, marks.tolist(), texts), smap):
            return
        text = json.dumps({"format": FORMAT, "key": memo.key, "data": data,
                           "marks": base64.b64encode(marks.tobytes()).decode("ascii"),
                           "texts": texts}, separators=(",", ":"))
        write_atomic(memo.path, text.encode("ascii"))
    except (OSError, LookupError, TypeError, ValueError, UnsafePath, RecursionError,
            OverflowError):
        pass


_TABLES = ("values", "ends", "keys", "key_ends", "texts")


def _same(a: SourceMap, b: SourceMap) -> bool:
    return all(list(getattr(a, t).items()) == list(getattr(b, t).items()) for t in _TABLES)


def _marks(data: Any, smap: SourceMap) -> tuple[array[int], list[str]]:
    """The marks of every value and key, in the order the fast reader meets them (`_rebuild`
    walks the same way), and the text of each scalar that is not a string (a string's text is
    itself: `yamlfast.scalar`)."""
    marks: array[int] = array("i")
    texts: list[str] = []
    seen: set[Path_] = set()

    def value(v: Any, path: Path_) -> None:
        if path not in seen:
            seen.add(path)
            marks.extend((*smap.values[path], *smap.ends[path]))
        if type(v) is dict:
            key_path = (*path, "__key__")
            for k, x in v.items():
                value(k, key_path)
                at = (*path, k)
                marks.extend((*smap.keys[at], *smap.key_ends[at]))
                value(x, at)
        elif type(v) is list:
            for i, x in enumerate(v):
                value(x, (*path, i))
        elif type(v) is not str:
            texts.append(smap.texts[path])

    value(data, ())
    return marks, texts


def _rebuild(file: str, data: Any, marks: list[int], texts: list[str]) -> SourceMap:
    """The source map of `data` from its marks and texts: the fast reader's tables, filled in
    its order. ValueError when the marks or texts do not fit the data exactly."""
    smap = SourceMap(file)
    values, ends, keys, key_ends, stexts = (smap.values, smap.ends, smap.keys, smap.key_ends,
                                            smap.texts)
    pos = 0
    told = 0

    def value(v: Any, path: Path_) -> None:
        nonlocal pos, told
        if path not in values:
            if len(values) >= MAX_EXPANDED_NODES or len(path) > MAX_DEPTH:
                raise ValueError("too big")
            line, col, end_line, end_col = marks[pos:pos + 4]
            pos += 4
            values[path] = (line, col)
            ends[path] = (end_line, end_col)
        kind = type(v)
        if kind is dict:
            key_path = (*path, "__key__")
            for k, x in v.items():
                value(k, key_path)
                at = (*path, k)
                line, col, end_line, end_col = marks[pos:pos + 4]
                pos += 4
                keys[at] = (line, col)
                key_ends[at] = (end_line, end_col)
                value(x, at)
        elif kind is list:
            for i, x in enumerate(v):
                value(x, (*path, i))
        elif kind is str:
            stexts[path] = v
        else:
            stexts[path] = texts[told]
            told += 1

    value(data, ())
    if pos != len(marks) or told != len(texts):
        raise ValueError("left over")
    return smap
