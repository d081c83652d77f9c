"""Validation that keeps going past a bad value, so one typo never hides the next problem.

Pydantic stops checking a model at its first bad field set (a step whose kind is wrong is not
checked further; a shot that fails never reaches the graph). So the models are validated in
rounds over a copy of the document: after each round every value pydantic refused is removed
(a misspelled key is read under the name it was meant to have, when that name is close and
free), and what remains is validated again. The board that finally validates goes on to the
graph, which checks references, catalogue rules, media facts and cuts; the names of shots,
cuts and profiles that had to be removed whole are kept (`Parsed.broken`), so a reference to
one is not reported again as unknown.
"""

from __future__ import annotations

import copy
import difflib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from storyboard.errors import Problem, SpecError
from storyboard.spec import models as m
from storyboard.spec.yamlsource import Path_, SourceMap

MAX_ROUNDS = 6  # each round removes at least one level of what was refused
_PLACEHOLDERS: dict[str, Any] = {"version": 1, "name": "film"}  # required, checked in round 1


@dataclass
class Parsed:
    """A document after every round: the board (None when nothing could be validated), the
    problems found, and the names removed whole ("shots", name) that others may refer to."""

    board: m.Storyboard | None
    smap: SourceMap
    raw: Any
    problems: list[Problem] = field(default_factory=list)
    broken: set[tuple[str, str]] = field(default_factory=set)

    def usable(self) -> m.Storyboard:
        """The board the graph checks next, or a SpecError when nothing could be validated."""
        if self.board is None:
            raise SpecError(self.problems)
        return self.board


ToProblem = Callable[[Any, Any, SourceMap], Problem]
YamlPath = Callable[[Any, tuple[Any, ...]], Path_]
MAX_RENAMES = 100  # beyond this many misspelled keys, they are removed, not read as meant


def validate_in_rounds(raw: dict[str, Any], smap: SourceMap, vocabulary: list[str],
                       to_problem: ToProblem, yaml_path: YamlPath) -> Parsed:
    """Validate `raw` round after round; see the module docstring."""
    data = raw  # validation reads it; the first repair works on a copy (a valid file's
    out = Parsed(None, smap, raw)  # deep copy cost 0.1 s at 5,000 shots)
    touched: set[Path_] = set()  # removed or renamed: later complaints there are echoes
    renamed: set[Path_] = set()
    for _ in range(MAX_ROUNDS):
        try:
            out.board = m.Storyboard.model_validate(data)
            return out
        except ValidationError as exc:
            errors = exc.errors()
        if data is raw:
            data = copy.deepcopy(raw)
        changed = False
        for err in errors:
            path = yaml_path(data, tuple(err["loc"]))
            echo = any(path[:i] in touched for i in range(len(path) + 1))
            if err["type"] == "too_short" and any(t[:len(path)] == path for t in touched):
                echo = True  # emptied by taking out what was refused inside it
            if err["type"] == "extra_forbidden" and path in renamed:
                echo = True
            if not echo:
                out.problems.append(to_problem(err, data, smap))
            changed |= _repair(data, err, path, touched, renamed, out.broken, smap, vocabulary)
        if not changed:
            break
    return out


def _repair(data: dict[str, Any], err: Any, path: Path_, touched: set[Path_],
            renamed: set[Path_], broken: set[tuple[str, str]], smap: SourceMap,
            vocabulary: list[str]) -> bool:
    """Take what `err` refused out of `data`; True when something changed."""
    kind = err["type"]
    if kind == "missing":
        path = path[:-1]  # the mapping that lacks a key cannot be used
    if kind == "extra_forbidden" and path:
        parent, name = _walk(data, path[:-1]), path[-1]
        close = difflib.get_close_matches(str(name), vocabulary, n=1, cutoff=0.6)
        meant = close[0] if close else ""
        if (isinstance(parent, dict) and meant and meant not in parent and name in parent
                and len(renamed) < MAX_RENAMES):
            parent[meant] = parent.pop(name)
            old, new = path, (*path[:-1], meant)
            _alias(smap, old, new)
            touched.add(old)
            renamed.add(new)
            return True
    return _remove(data, path, touched, broken)


def _remove(data: dict[str, Any], path: Path_, touched: set[Path_],
            broken: set[tuple[str, str]]) -> bool:
    """Delete the innermost mapping key on `path` (a list is removed with its owner)."""
    node: Any = data
    last: tuple[dict[str, Any], str, int] | None = None
    for i, part in enumerate(path):
        if isinstance(node, dict) and part in node:
            last = (node, str(part), i)
            node = node[part]
        elif isinstance(node, dict):
            return False  # already taken out with an owner: removing that owner's owner
            # would hide the rest of a value refused for one bad entry
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
        else:
            break
    if last is None:
        return False
    owner, key, depth = last
    where = path[:depth + 1]
    if depth == 0:
        if key in _PLACEHOLDERS and owner.get(key) != _PLACEHOLDERS[key]:
            owner[key] = _PLACEHOLDERS[key]
            touched.add(where)
            return True
        if key not in _PLACEHOLDERS and key != "shots":
            del owner[key]
            touched.add(where)
            return True
        return False  # without shots nothing else can be checked
    if depth == 1 and where[0] in ("shots", "cuts", "profiles", "assets"):
        broken.add((str(where[0]), key))
    del owner[key]
    touched.add(where)
    return True


def _walk(data: Any, path: Path_) -> Any:
    node = data
    for part in path:
        inside = (part in node if isinstance(node, dict) else isinstance(node, list)
                  and isinstance(part, int) and part < len(node))
        if not inside:
            return None
        node = node[part]
    return node


def _alias(smap: SourceMap, old: Path_, new: Path_) -> None:
    """Problems found under the meant name point where the user wrote the misspelled one."""
    tables: list[dict[Path_, Any]] = [smap.values, smap.ends, smap.keys, smap.key_ends,
                                      smap.texts]
    for table in tables:
        for p in [p for p in table if p[:len(old)] == old]:
            table.setdefault((*new, *p[len(old):]), table[p])
