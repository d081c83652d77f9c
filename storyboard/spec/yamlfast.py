"""The common case of `yamlsource.load_yaml`, read from the parser's events instead of its nodes.

Composing PyYAML nodes (Python objects, even with libyaml) and walking them cost half a second
for a 5,000-shot storyboard; libyaml's events carry the same marks and cost a tenth of that.
`read` builds the same data and the same `SourceMap`, entry for entry and in the same order, for
a document of plain data, and raises `Fallback` at the first thing it does not handle itself
(an anchor, an alias, a tag, a merge key, a duplicate or odd key, a value that does not
construct, a limit reached, a syntax error, several documents): `load_yaml` then reads the text
again the careful way, which finds and words every problem. So problems are only ever found and
worded by one path. tests/spec/test_yamlfast.py checks that both agree.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import yaml

from storyboard.spec.yamlsource import (
    MAX_DEPTH,
    MAX_EXPANDED_CHARS,
    MAX_EXPANDED_NODES,
    MAX_LIST,
    PLAIN_TAGS,
    Path_,
    SourceMap,
)

_STR = "tag:yaml.org,2002:str"
_DEFAULT = (None, "!")  # no tag written: the type is resolved from the text, as the composer does


class Fallback(Exception):
    """Read this document the careful way."""


class Trail:
    """What a memo needs to rebuild the source map (spec/memo.py): each mark in the order the
    reader sets it (start and end of every value the first time its path is met, of every
    key), and the text of every scalar that is not a string (a string's text is itself)."""

    def __init__(self) -> None:
        self.marks: list[int] = []
        self.texts: list[str] = []
        self.plain = True  # False: a string whose text differs from it (not one to remember)


def read(loader: Any, smap: SourceMap, trail: Trail | None = None) -> Any:
    """The document's data, filling `smap` (and `trail`); Fallback for anything but plain
    data."""
    try:
        return _Reader(loader, smap, trail or Trail()).document()
    except (yaml.YAMLError, RecursionError, ValueError, TypeError) as exc:
        raise Fallback from exc


_Scalar, _Mapping, _Sequence = yaml.ScalarEvent, yaml.MappingStartEvent, yaml.SequenceStartEvent
_MappingEnd, _SequenceEnd = yaml.MappingEndEvent, yaml.SequenceEndEvent


class _Reader:
    def __init__(self, loader: Any, smap: SourceMap, trail: Trail) -> None:
        self.loader = loader
        self.next: Callable[[], Any] = loader.get_event
        self.smap = smap
        self.trail = trail
        self.marks = trail.marks
        self.count = 0
        self.chars = 0
        resolvers = loader.yaml_implicit_resolvers
        self.resolvers = resolvers
        self.wild = list(resolvers.get(None, []))

    def document(self) -> Any:
        self._expect(yaml.StreamStartEvent)
        event = self.next()
        if isinstance(event, yaml.StreamEndEvent):
            return None
        if not isinstance(event, yaml.DocumentStartEvent):
            raise Fallback
        data = self.value(self.next(), ())
        self._expect(yaml.DocumentEndEvent)
        self._expect(yaml.StreamEndEvent)  # a second document: the careful path says so
        return data

    def _expect(self, kind: type) -> None:
        if not isinstance(self.next(), kind):
            raise Fallback

    def value(self, event: Any, path: Path_) -> Any:
        self.count += 1
        kind = type(event)
        if (self.count > MAX_EXPANDED_NODES or len(path) > MAX_DEPTH
                or kind not in (_Scalar, _Mapping, _Sequence)  # an alias
                or event.anchor is not None or event.tag not in _DEFAULT):
            raise Fallback
        smap = self.smap
        first = path not in smap.values
        if first:
            start, end = event.start_mark, event.end_mark
            at = smap.values[path] = (start.line + 1, start.column + 1)
            until = smap.ends[path] = (end.line + 1, end.column + 1)
            slot = len(self.marks)
            self.marks.extend((*at, *until))
        if kind is _Scalar:
            return self.scalar(event, path)
        out: Any
        if kind is _Mapping:
            out, last = self.mapping(path)
        else:
            out, last = self.sequence(path)
        if first:  # a collection ends at its end event (its place in `ends` is kept)
            until = smap.ends[path] = (last.end_mark.line + 1, last.end_mark.column + 1)
            self.marks[slot + 2:slot + 4] = until
        return out

    def scalar(self, event: Any, path: Path_) -> Any:
        text = event.value
        self.chars += len(text)
        if self.chars > MAX_EXPANDED_CHARS:
            raise Fallback
        self.smap.texts[path] = text
        if not event.implicit[0]:  # quoted (or written with !): text, as the resolver says
            return text
        tag = self.resolve(text)
        if tag is None:
            return text
        if tag not in PLAIN_TAGS:
            raise Fallback
        node = yaml.ScalarNode(tag, text, event.start_mark, event.end_mark, event.style)
        value = self.loader.yaml_constructors[tag](self.loader, node)
        if type(value) is not str:
            self.trail.texts.append(text)
        elif value != text:
            self.trail.plain = False
        return value

    def resolve(self, text: str) -> str | None:
        """BaseResolver.resolve for a plain scalar, without its per-call setup (None: text)."""
        for tag, regexp in [*self.resolvers.get(text[:1], ()), *self.wild]:
            if regexp.match(text):
                return str(tag)
        return None

    def sequence(self, path: Path_) -> tuple[list[Any], Any]:
        out: list[Any] = []
        event = self.next()
        while type(event) is not _SequenceEnd:
            if len(out) >= MAX_LIST:
                raise Fallback
            out.append(self.value(event, (*path, len(out))))
            event = self.next()
        return out, event

    def mapping(self, path: Path_) -> tuple[dict[str, Any], Any]:
        out: dict[str, Any] = {}
        keys, key_ends = self.smap.keys, self.smap.key_ends
        key_path = (*path, "__key__")
        start: Any
        end: Any
        event = self.next()
        while type(event) is not _MappingEnd:
            if type(event) is not _Scalar:
                raise Fallback
            key = self.value(event, key_path)
            if type(key) is not str or key in out:  # a number, bool, null, <<, a duplicate
                raise Fallback
            start, end = event.start_mark, event.end_mark
            at = (*path, key)
            mark = keys[at] = (start.line + 1, start.column + 1)
            until = key_ends[at] = (end.line + 1, end.column + 1)
            self.marks.extend((*mark, *until))
            out[key] = self.value(self.next(), at)
            event = self.next()
        return out, event
