"""YAML text -> plain Python data plus a `SourceMap` of line/column for every key and value.

PyYAML's composer gives marks on every node; we construct the data ourselves from the node tree
so that tags which build objects are refused, duplicate keys are errors, and an alias bomb is
refused by counting expanded nodes instead of expanding them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import yaml

from storyboard.errors import Problem, SpecError, clip

if TYPE_CHECKING:
    from storyboard.spec.memo import Memo

MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_EXPANDED_NODES = 200_000
MAX_DEPTH = 100
MAX_LIST = 10_000  # above every list bound of the language (spec/models.py), which words it
# Text the expanded document may hold: aliases share one string, but every message or copy
# made from them would not (one 100 KB name used 15,000 times is 1.5 GB of text).
MAX_EXPANDED_CHARS = 16 * 1024 * 1024

Path_ = tuple[str | int, ...]

PLAIN_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:seq",
    "tag:yaml.org,2002:map",
}


# libyaml's parser (when PyYAML was built with it) composes ~10x faster, with the same marks.
_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass
class SourceMap:
    """Where each value (and each mapping key) of a document was written."""

    file: str
    values: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    texts: dict[Path_, str] = field(default_factory=dict)  # raw scalar text, for hints
    ends: dict[Path_, tuple[int, int]] = field(default_factory=dict)  # where a value ends
    key_ends: dict[Path_, tuple[int, int]] = field(default_factory=dict)

    def at(self, path: Path_, *, key: bool = False) -> tuple[int, int] | None:
        """Line/column of `path`, or of its nearest written ancestor."""
        if key and path in self.keys:
            return self.keys[path]
        p = tuple(path)
        while True:
            if p in self.values:
                return self.values[p]
            if not p:
                return None
            p = p[:-1]

    def end(self, path: Path_, *, key: bool = False) -> tuple[int, int] | None:
        """Where the value (or key) `at` finds ends: the range an editor underlines."""
        if key and path in self.keys:
            return self.key_ends.get(path)
        p = tuple(path)
        while p and p not in self.values:
            p = p[:-1]
        return self.ends.get(p)

    def problem(
        self, path: Path_, message: str, *, where: str = "", field: str = "", hint: str = "",
        key: bool = False, code: str = "invalid",
    ) -> Problem:
        loc = self.at(path, key=key)
        end = self.end(path, key=key) if loc else None
        return Problem(
            message=message, file=self.file, line=loc[0] if loc else None,
            column=loc[1] if loc else None, where=where, field=field, hint=hint, code=code,
            end_line=end[0] if end else None, end_column=end[1] if end else None,
        )


def load_yaml(text: str, file: str, memo: Memo | None = None) -> tuple[Any, SourceMap]:
    """Parse `text`; raise `SpecError` for anything that is not plain YAML data. With a
    `memo` (spec/memo.py), an unchanged file's data and source map are read from it."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_FILE_BYTES:
        raise SpecError([Problem(
            f"the file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB",
            file=file, hint="split the film into several projects", code="limit",
        )])
    from storyboard.spec import memo as memos
    from storyboard.spec import yamlfast  # plain data, from the parser's events

    if memo is not None and (found := memos.recall(
            memo, file, lambda: load_yaml(text, file)[1])) is not None:
        return found
    smap = SourceMap(file)
    try:
        loader = _Loader(text)
        try:
            data = yamlfast.read(loader, smap)
        finally:
            loader.dispose()
    except (yamlfast.Fallback, yaml.YAMLError):
        return careful(text, file)  # read again, finding and wording every problem
    if memo is not None:
        memos.remember(memo, data, smap)
    return data, smap


def careful(text: str, file: str) -> tuple[Any, SourceMap]:
    """`load_yaml` through PyYAML's nodes: anchors, aliases, tags and every problem."""
    smap = SourceMap(file)
    try:
        loader = _Loader(text)
    except yaml.reader.ReaderError as exc:
        raise _unreadable(exc, text, file) from None
    try:
        try:
            root = loader.get_single_node()
        except yaml.reader.ReaderError as exc:  # libyaml reads while it parses
            raise _unreadable(exc, text, file) from None
        except RecursionError:
            raise _too_deep(file) from None
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            tab = mark is not None and text[mark.index:mark.index + 1] == "\t"
            raise SpecError([Problem(
                "a tab character is not allowed here" if tab
                else f"YAML syntax error: {exc.problem or exc.context}",
                file=file,
                line=mark.line + 1 if mark else None,
                column=mark.column + 1 if mark else None,
                hint=_syntax_hint(exc.problem or exc.context or ""), code="yaml-syntax",
            )]) from None
        except yaml.YAMLError as exc:
            raise SpecError([Problem(f"YAML error: {exc}", file=file,
                                     code="yaml-syntax")]) from None
        if root is None:
            return None, smap
        builder = _Builder(loader, smap)
        data = builder.build(root, ())
        if builder.problems:
            raise SpecError(builder.problems)
        return data, smap
    finally:
        loader.dispose()


def _unreadable(exc: yaml.reader.ReaderError, text: str, file: str) -> SpecError:
    """A control character PyYAML refuses to read, at its line and column."""
    before = text[:exc.position]
    return SpecError([Problem(
        f"the file holds a character YAML does not allow (U+{exc.character:04X})", file=file,
        line=before.count("\n") + 1, column=exc.position - (before.rfind("\n") + 1) + 1,
        hint="remove it or write it as an escape in a double-quoted string",
        code="yaml-syntax",
    )])


def _syntax_hint(problem: str) -> str:
    """What to do about PyYAML's complaint, in words a new user knows."""
    if "\\t" in problem or "tab" in problem or "cannot start any token" in problem:
        return "YAML indents with spaces only: replace the tab with spaces"
    return "check indentation, colons and quotes around this place"


def _too_deep(file: str) -> SpecError:
    return SpecError([Problem(
        f"the document nests deeper than {MAX_DEPTH} levels", file=file,
        hint="a storyboard is a few levels deep: look for unclosed [ or {", code="limit",
    )])


class _Builder:
    def __init__(self, loader: Any, smap: SourceMap) -> None:
        self.loader = loader
        self.smap = smap
        self.count = 0
        self.chars = 0
        self.problems: list[Problem] = []
        self.open: set[int] = set()  # collections being built: an alias to one is a cycle
        self.seen: set[int] = set()
        self.aliased = False

    def _mark(self, node: yaml.Node) -> tuple[int, int]:
        return (node.start_mark.line + 1, node.start_mark.column + 1)

    def build(self, node: yaml.Node, path: Path_) -> Any:
        self.count += 1
        if isinstance(node, yaml.CollectionNode):
            self.aliased |= id(node) in self.seen  # built before: an alias (*name) repeats it
            self.seen.add(id(node))
        if self.count > MAX_EXPANDED_NODES:
            raise SpecError([Problem(
                f"the document expands to more than {MAX_EXPANDED_NODES} values "
                "(an alias bomb?)", file=self.smap.file,
                hint="remove the nested YAML aliases (*name)", code="limit",
            ) if self.aliased else Problem(
                f"the document holds more than {MAX_EXPANDED_NODES} values", file=self.smap.file,
                hint="a film needs far fewer: look for a list that grew by mistake, or split "
                "the film into several projects", code="limit",
            )])
        if len(path) > MAX_DEPTH:
            raise _too_deep(self.smap.file)
        if path not in self.smap.values:
            self.smap.values[path] = self._mark(node)
            self.smap.ends[path] = (node.end_mark.line + 1, node.end_mark.column + 1)
        if node.tag not in PLAIN_TAGS:
            line, col = self._mark(node)
            self.problems.append(Problem(
                f"YAML tag '{node.tag}' is not allowed", file=self.smap.file, line=line,
                column=col, hint="storyboard files hold plain data only: remove the tag",
                code="yaml-unsupported",
            ))
            return None
        if isinstance(node, yaml.ScalarNode):
            self.chars += len(node.value)
            if self.chars > MAX_EXPANDED_CHARS:
                raise SpecError([Problem(
                    f"the document expands to more than {MAX_EXPANDED_CHARS // 2**20} MB of "
                    "text (aliases of long values?)", file=self.smap.file,
                    hint="remove the YAML aliases (*name) of long values", code="limit",
                )])
            self.smap.texts[path] = node.value
            try:
                return self.loader.construct_object(node, deep=True)
            except (yaml.YAMLError, ValueError):
                line, col = self._mark(node)
                self.problems.append(Problem(
                    f"cannot read value {clip(repr(node.value), 80)}", file=self.smap.file,
                    line=line, column=col, code="bad-value",
                    hint="write it as plain text in quotes, or as a number",
                ))
                return None
        if id(node) in self.open:
            line, col = self._mark(node)
            self.problems.append(Problem(
                "a YAML alias refers to a value that contains it", file=self.smap.file,
                line=line, column=col, hint="remove the alias (*name) inside its own anchor",
                code="yaml-unsupported",
            ))
            return None
        self.open.add(id(node))
        try:
            return self._collection(node, path)
        finally:
            self.open.discard(id(node))

    def _collection(self, node: yaml.Node, path: Path_) -> Any:
        if isinstance(node, yaml.SequenceNode):
            if len(node.value) > MAX_LIST:  # refused before its entries are built
                line, col = self._mark(node)
                self.problems.append(Problem(
                    f"a list of {len(node.value)} entries; no list in a storyboard may have "
                    f"more than {MAX_LIST}", file=self.smap.file, line=line, column=col,
                    hint="look for a list that grew by mistake, or split it (several cuts, "
                    "several projects)", code="limit",
                ))
                return None
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        if isinstance(node, yaml.MappingNode):
            out: dict[Any, Any] = {}
            for knode, vnode in node.value:
                if knode.tag == "tag:yaml.org,2002:merge":
                    line, col = self._mark(knode)
                    self.problems.append(Problem(
                        "YAML merge keys (<<) are not supported", file=self.smap.file,
                        line=line, column=col, hint="write the keys out",
                        code="yaml-unsupported",
                    ))
                    continue
                key = self.build(knode, (*path, "__key__"))
                if not isinstance(key, str | int | float | bool) or key is None:
                    line, col = self._mark(knode)
                    self.problems.append(Problem(
                        "a mapping key must be a plain name", file=self.smap.file,
                        line=line, column=col, code="yaml-unsupported",
                        hint="write the key as a name such as dawn or duration",
                    ))
                    continue
                key = str(key) if not isinstance(key, str) else key
                if key in out:
                    line, col = self._mark(knode)
                    self.problems.append(Problem(
                        f"key '{key}' is written twice in the same mapping",
                        file=self.smap.file, line=line, column=col, hint="keep one of them",
                        code="duplicate-key",
                    ))
                    continue
                self.smap.keys[(*path, key)] = self._mark(knode)
                self.smap.key_ends[(*path, key)] = (knode.end_mark.line + 1,
                                                    knode.end_mark.column + 1)
                out[key] = self.build(vnode, (*path, key))
            return out
        return None  # pragma: no cover - PyYAML has no other node kinds
