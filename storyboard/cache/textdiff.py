"""Word-level differences for stale reasons: what was removed and what was added, with a few
words of context either side, so a word changed at the end of a long prompt reads
`…snowy forest at [-dawn-]{+dusk+}, cinematic…` instead of two cut-off strings.

One helper for `why`, `plan`, `status` (text) and the review page (HTML `<del>`/`<ins>`);
JSON output keeps the full old and new values beside it.
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass
from html import escape
from typing import Any, Literal

SHORT = 60  # values whose repr fits are shown whole: 'A fox at dawn' -> 'A fox at dusk'
CONTEXT = 4  # words kept either side of a change
# Words (numbers such as 0.5 or 16:9 whole), runs of space, and single punctuation marks.
_TOKEN = re.compile(r"\s+|\d+(?:[.:]\d+)*\w*|\w+|[^\w\s]")


@dataclass(frozen=True)
class Piece:
    op: Literal["same", "removed", "added", "skipped"]
    text: str


def as_text(value: Any) -> str:
    """A value as the text a person compares: strings as they are, the rest as JSON."""
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


def is_long(old: Any, new: Any) -> bool:
    """True when `old -> new` would not fit on a line: show a word diff instead."""
    return len(repr(old)) > SHORT or len(repr(new)) > SHORT


def word_diff(old: str, new: str, context: int = CONTEXT) -> list[Piece]:
    """The changes from `old` to `new` by words, with `context` words around each change and
    `skipped` pieces standing for the unchanged text left out."""
    a, b = _TOKEN.findall(old), _TOKEN.findall(new)
    pieces: list[Piece] = []
    codes = difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    for index, (op, i1, i2, j1, j2) in enumerate(codes):
        if op == "equal":
            pieces += _context(a[i1:i2], context, first=index == 0, last=index == len(codes) - 1)
            continue
        if i2 > i1:
            pieces.append(Piece("removed", "".join(a[i1:i2])))
        if j2 > j1:
            pieces.append(Piece("added", "".join(b[j1:j2])))
    return pieces


def _context(tokens: list[str], context: int, *, first: bool, last: bool) -> list[Piece]:
    """Unchanged text around changes: all of it when short, else `context` words next to
    each change (the end of the text before the first one, the start after the last)."""
    words = [i for i, t in enumerate(tokens) if t[0].isalnum() or t[0] == "_"]
    keep = context if first or last else 2 * context
    if len(words) <= keep:
        return [Piece("same", "".join(tokens))]
    head = "" if first else "".join(tokens[:words[context - 1] + 1])
    tail = "" if last else "".join(tokens[words[-context]:])
    skipped = Piece("skipped", "…" if first or last else " … ")
    return [p for p in (Piece("same", head), skipped, Piece("same", tail)) if p.text]


def diff_text(old: str, new: str, context: int = CONTEXT) -> str:
    """`…snowy forest at [-dawn-]{+dusk+}, cinematic…` (git's --word-diff=plain markers)."""
    marks = {"removed": "[-{}-]", "added": "{{+{}+}}", "same": "{}", "skipped": "{}"}
    return "".join(marks[p.op].format(p.text) for p in word_diff(old, new, context))


def diff_html(old: str, new: str, context: int = CONTEXT) -> str:
    """The same, escaped, with `<del>` and `<ins>`."""
    tags = {"removed": "<del>{}</del>", "added": "<ins>{}</ins>", "same": "{}",
            "skipped": '<span class="skip">{}</span>'}
    return "".join(tags[p.op].format(escape(p.text)) for p in word_diff(old, new, context))


def change_text(old: Any, new: Any) -> str:
    """`'old' -> 'new'` when both are short, else the word diff of their text."""
    if not is_long(old, new):
        return f"{old!r} -> {new!r}"
    if old is None or new is None:
        return f"{'(none)' if old is None else as_text(old)} -> " \
               f"{'(none)' if new is None else as_text(new)}"
    return diff_text(as_text(old), as_text(new))


def change_html(old: Any, new: Any) -> str:
    if not is_long(old, new):
        return f"{escape(repr(old))} → {escape(repr(new))}"
    if old is None or new is None:
        return escape(change_text(old, new))
    return diff_html(as_text(old), as_text(new))
