"""The lock's YAML for the plain values records hold, written directly.

Even with libyaml, PyYAML represents every value in Python (about half a millisecond a lock
block): a full build of 5,000 nodes spent seconds there. Records are mappings of digests, names,
numbers and short texts, whose YAML is simple; `block` writes exactly the bytes
`yaml.dump(..., sort_keys=True, allow_unicode=True, default_flow_style=False, width=1 << 30)`
writes for them, and raises `Unusual` for anything it is not sure of (a text with quotes, a line
break or non-ASCII characters, a float in exponent form, a long key...), which the caller then
dumps with PyYAML. tests/cache/test_lockyaml.py checks the equality on generated values.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

# Texts PyYAML writes plain (or, when a plain one would read as another type, in single
# quotes): ASCII letters, digits and a few marks; no leading or trailing space, no ': ', no
# trailing ':' (those are indicators), no quote, '#', or flow brackets.
_SIMPLE = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_ .,:/+=()-]*[A-Za-z0-9_.,/+=()-])?")
_FLOAT = re.compile(r"-?[0-9]+\.[0-9]+")
# PyYAML's implicit resolvers (first character -> (tag, pattern)), given by lockfile.py, the
# one home of PyYAML in the cache.
Resolvers = Mapping[str | None, Sequence[tuple[str, re.Pattern[str]]]]
_MAX_KEY = 120  # PyYAML writes keys of 128 characters and more as complex keys ("? key")


class Unusual(Exception):
    """A value this writer is not sure to write as PyYAML would."""


def block(key: str, value: Any, resolvers: Resolvers) -> str:
    """`yaml.dump({key: value})` as storyboard's lock writes it (Unusual: use PyYAML)."""
    out: list[str] = []
    _Writer(resolvers, out).entry("", key, value)
    return "\n".join(out) + "\n"


class _Writer:
    def __init__(self, resolvers: Resolvers, out: list[str]) -> None:
        self.resolvers = resolvers
        self.out = out

    def text(self, s: str) -> str:
        if not _SIMPLE.fullmatch(s) or ": " in s:
            raise Unusual(s)
        for _tag, regexp in [*self.resolvers.get(s[0], ()), *self.resolvers.get(None, ())]:
            if regexp.match(s):  # would read back as a number, a bool, a date...: quoted
                return f"'{s}'"
        return s

    def scalar(self, v: Any) -> str:
        kind = type(v)  # exact types: PyYAML's safe dumper refuses subclasses (an enum, say)
        if kind is str:
            return self.text(v)
        if v is None:
            return "null"
        if kind is bool:
            return "true" if v else "false"
        if kind is int:
            return str(v)
        if kind is float:
            text = repr(v)
            if _FLOAT.fullmatch(text):
                return text
        raise Unusual(repr(v))

    def key(self, k: object) -> str:
        if type(k) is not str or len(k) > _MAX_KEY:
            raise Unusual(repr(k))
        return self.text(k)

    def entry(self, indent: str, k: str, v: Any) -> None:
        head = f"{indent}{self.key(k)}:"
        if type(v) is dict:
            if not v:
                self.out.append(head + " {}")
                return
            self.out.append(head)
            self.mapping(indent + "  ", v)
        elif type(v) is list:
            if not v:
                self.out.append(head + " []")
                return
            self.out.append(head)
            self.sequence(indent, v)  # PyYAML does not indent a sequence inside a mapping
        else:
            self.out.append(f"{head} {self.scalar(v)}")

    def mapping(self, indent: str, d: dict[Any, Any]) -> None:
        if not all(type(k) is str for k in d):
            raise Unusual("a key that is not text")
        for k in sorted(d):
            self.entry(indent, k, d[k])

    def sequence(self, indent: str, items: list[Any]) -> None:
        out = self.out
        for item in items:
            if type(item) is dict and item:
                start = len(out)
                self.mapping(indent + "  ", item)
                out[start] = f"{indent}- " + out[start][len(indent) + 2:]
            elif type(item) is dict:
                out.append(f"{indent}- {{}}")
            elif type(item) in (list, tuple):
                raise Unusual("a list in a list")
            else:
                out.append(f"{indent}- {self.scalar(item)}")
