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
from typing import Any

import yaml

# Texts PyYAML writes plain (or, when a plain one would read as another type, in single
# quotes): ASCII letters, digits and a few marks; no leading or trailing space, no ': ', no
# trailing ':' (those are indicators), no quote, '#', or flow brackets.
_SIMPLE = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_ .,:/+=()-]*[A-Za-z0-9_.,/+=()-])?")
_FLOAT = re.compile(r"-?[0-9]+\.[0-9]+")
_RESOLVERS = yaml.SafeDumper.yaml_implicit_resolvers
_MAX_KEY = 120  # PyYAML writes keys of 128 characters and more as complex keys ("? key")


class Unusual(Exception):
    """A value this writer is not sure to write as PyYAML would."""


def block(key: str, value: Any) -> str:
    """`yaml.dump({key: value})` as storyboard's lock writes it (Unusual: use PyYAML)."""
    out: list[str] = []
    _entry(out, "", key, value)
    return "\n".join(out) + "\n"


def _text(s: str) -> str:
    if not _SIMPLE.fullmatch(s) or ": " in s:
        raise Unusual(s)
    for _tag, regexp in _RESOLVERS.get(s[0], ()):
        if regexp.match(s):  # would read back as a number, a bool, a date...: quoted
            return f"'{s}'"
    return s


def _scalar(v: Any) -> str:
    kind = type(v)  # exact types: PyYAML's safe dumper refuses subclasses (an enum, say)
    if kind is str:
        return _text(v)
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


def _key(k: object) -> str:
    if type(k) is not str or len(k) > _MAX_KEY:
        raise Unusual(repr(k))
    return _text(k)


def _entry(out: list[str], indent: str, k: str, v: Any) -> None:
    head = f"{indent}{_key(k)}:"
    if type(v) is dict:
        if not v:
            out.append(head + " {}")
            return
        out.append(head)
        _mapping(out, indent + "  ", v)
    elif type(v) is list:
        if not v:
            out.append(head + " []")
            return
        out.append(head)
        _sequence(out, indent, v)  # PyYAML does not indent a sequence inside a mapping
    else:
        out.append(f"{head} {_scalar(v)}")


def _mapping(out: list[str], indent: str, d: dict[Any, Any]) -> None:
    if not all(type(k) is str for k in d):
        raise Unusual("a key that is not text")
    for k in sorted(d):
        _entry(out, indent, k, d[k])


def _sequence(out: list[str], indent: str, items: list[Any]) -> None:
    for item in items:
        if type(item) is dict and item:
            start = len(out)
            _mapping(out, indent + "  ", item)
            out[start] = f"{indent}- " + out[start][len(indent) + 2:]
        elif type(item) is dict:
            out.append(f"{indent}- {{}}")
        elif type(item) in (list, tuple):
            raise Unusual("a list in a list")
        else:
            out.append(f"{indent}- {_scalar(item)}")
