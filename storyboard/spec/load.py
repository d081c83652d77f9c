"""Load a storyboard file: YAML with source marks, then the pydantic models, every problem at once.

Pydantic's error locations are translated back to YAML paths (a single-node shot is a list of
one step to pydantic, a bare cut entry is a mapping), so each message points at the line and
column where the user wrote the value, names the shot and field, and says what to do.
"""

from __future__ import annotations

import difflib
import math
import os
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from storyboard.errors import Problem, SpecError, UnsafePath, clip
from storyboard.paths import inside, read_bounded
from storyboard.spec import models as m
from storyboard.spec.memo import MEMO_NAME, Memo
from storyboard.spec.salvage import Parsed, validate_in_rounds
from storyboard.spec.yamlsource import MAX_FILE_BYTES, Path_, SourceMap, load_yaml


def _vocabulary() -> dict[str, list[str]]:
    """Known keys per model class name, for "did you mean" suggestions."""
    out: dict[str, list[str]] = {}
    for cls in (m.Storyboard, m.Defaults, m.Profile, m.Cut, m.CutEntry, m.AudioBed, m.Transition,
                m.Step, m.GenerateNode, m.EditNode, m.ReframeNode, m.LoopNode, m.Keyframe):
        out[cls.__name__] = list(cls.model_fields)
    return out


_VOCAB = _vocabulary()
# Where each key belongs, in the words of the language reference.
_OWNERS = {"Storyboard": "the top level", "Cut": "a cut", "CutEntry": "a cut entry",
           "AudioBed": "a cut's audio", "Transition": "a transition",
           "GenerateNode": "generate", "EditNode": "edit", "ReframeNode": "reframe",
           "LoopNode": "loop", "Keyframe": "a keyframe", "Step": "a shot"}
_ALL_KEYS = sorted({k for keys in _VOCAB.values() for k in keys})
_CONTAINERS = {"shots": "shot", "cuts": "cut", "assets": "asset", "profiles": "profile"}


def suggest(word: str, candidates: list[str]) -> str:
    close = difflib.get_close_matches(word, candidates, n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else ""


def _yaml_path(raw: Any, loc: tuple[int | str, ...]) -> Path_:
    """Map a pydantic error location onto the path the user wrote in YAML."""
    out: list[str | int] = []
    node = raw
    for part in loc:
        if part == "[key]":
            break
        if isinstance(node, dict):
            if isinstance(part, int) and part == 0 and part not in node:
                continue  # single-node shot: pydantic saw a list of one step
            if part in node:
                out.append(part)
                node = node[part]
                continue
            out.append(part)
            node = None
            continue
        if isinstance(node, list) and isinstance(part, int) and part < len(node):
            out.append(part)
            node = node[part]
            continue
        if isinstance(node, str):
            break  # bare cut entry "dawn" stands for {shot: dawn}
        out.append(part)
        node = None
    return tuple(out)


def describe(path: Path_, raw: Any = None) -> tuple[str, str]:
    """("shot 'leap'", "duration") for a YAML path."""
    if len(path) >= 2 and path[0] in _CONTAINERS and isinstance(path[1], str):
        where = f"{_CONTAINERS[str(path[0])]} '{path[1]}'"
        rest = list(path[2:])
        if path[0] == "shots":
            shot = raw.get("shots", {}).get(path[1]) if isinstance(raw, dict) else None
            if isinstance(shot, list) and rest and isinstance(rest[0], int):
                where += f" step {rest[0] + 1}"
                rest = rest[1:]
            if rest and rest[0] in m.NODE_KINDS:
                rest = rest[1:]
        return where, _dotted(rest)
    if path and path[0] == "defaults":
        return "defaults", _dotted(list(path[1:]))
    return "", _dotted(list(path))


def _dotted(parts: list[str | int]) -> str:
    text = ""
    for p in parts:
        text += f"[{p}]" if isinstance(p, int) else (f".{p}" if text else p)
    return text


def _problem(err: Any, raw: Any, smap: SourceMap) -> Problem:
    loc = tuple(err["loc"])
    kind = err["type"]
    path = _yaml_path(raw, loc)
    where, field = describe(path, raw)
    value = err.get("input")
    hint = ""
    key = False
    if kind == "extra_forbidden":
        name = str(loc[-1])
        key = True
        owners = [_OWNERS[c] for c, keys in _VOCAB.items() if name in keys and c in _OWNERS]
        if owners:  # a real key in the wrong place: "did you mean" itself would not help
            message = f"'{name}' does not belong here"
            hint = f"{name} is a key of {', '.join(dict.fromkeys(owners))}"
        else:
            message = f"unknown key '{name}'"
            hint = (suggest(name, _ALL_KEYS)
                    or "remove it (see the language reference in the README)")
        where, field = describe(path[:-1], raw)
        field = f"{field}.{name}" if field else name
    elif kind == "missing":
        message = "this key is required"
        hint = f"add '{loc[-1]}'"
    elif kind in ("literal_error", "enum"):
        expected = err.get("ctx", {}).get("expected", "")
        message = f"{value!r} is not allowed (allowed: {expected.replace(chr(39), '')})"
    elif kind == "string_pattern_mismatch" and "[key]" in loc:
        message = f"'{value}' is not a valid name"
        hint = "use lowercase letters, digits, '-' and '_', starting with a letter, digit or '_'"
        where = ""
        if path and path[-1] == value:
            path = path[:-1]  # pydantic's loc already holds the key before '[key]'
        field = _dotted(list(path))
        key = True
        path = (*path, str(value))
    elif kind == "string_pattern_mismatch" and path == ("name",):
        message = f"{value!r} is not a valid project name"
        hint = "use letters, digits, '-' and '_' only"
    elif kind in ("string_type", "string_pattern_mismatch") and field.endswith("aspect_ratio"):
        text = smap.texts.get(path, str(value))
        message = f"{text} is not an aspect ratio like \"16:9\""
        hint = (f'write it in quotes, "{text}": YAML reads an unquoted {text} as a number'
                if ":" in text else 'for example "16:9"')
    elif kind == "blank":
        message = f"{field or 'the text'} is empty"
        hint = f"write the {field or 'text'}, or remove the key"
    elif isinstance(value, bool) and (kind == "bool_not_number" or kind.startswith("int")):
        text = smap.texts.get(path, str(value).lower())
        message = f"{text} is read as {str(value).lower()}, not a number"
        hint = "YAML reads on/off/yes/no as true/false: write the number"
    elif kind == "storyboard":  # spec/models.refused: our own words already
        message, hint = err["ctx"]["message"], err["ctx"]["hint"]
    elif kind == "value_error":
        message = str(err.get("ctx", {}).get("error", err["msg"]))
    elif kind == "string_too_long":
        limit = err.get("ctx", {}).get("max_length")
        message = f"the text is {len(str(value))} characters long; at most {limit} are allowed"
        hint = "shorten it"
    elif kind == "too_long":
        limit = err.get("ctx", {}).get("max_length")
        count = len(value) if hasattr(value, "__len__") else "too many"
        whole = path in (("shots",), ("cuts",))
        scope = "in one file" if whole else "here"
        message = f"{count} entries; at most {limit} are allowed {scope}"
        hint = ("split the film into several projects" if whole
                else "split it into several cuts" if field == "shots"
                else "remove entries")
    elif kind in _BOUNDS and not _finite(value):
        message = f"{smap.texts.get(path, _short(value))} is not a finite number"
        hint = "write a number such as 1.5"
    elif kind in _BOUNDS:
        limit = next(iter(err.get("ctx", {}).values()), "?")
        shown = f"{limit:g}" if isinstance(limit, int | float) else str(limit)
        written = smap.texts.get(path)  # as the user wrote it: 1e-300, not '1e-300'
        text = clip(written, 80) if written is not None else _short(value)
        message = f"{text} is {_BOUNDS[kind]} {shown}"
        hint = f"use {_WITHIN[kind]} {shown}"
    elif kind == "too_short" and path == ("shots",):
        message = "the file has no shots"
        hint = "write at least one shot under shots: (storyboard init writes an example)"
    elif kind == "too_short":
        empty = "the mapping is empty" if isinstance(value, dict) else "the list is empty"
        message = empty if not value else f"{_short(value)} is too short"
        hint = "write at least one entry, or remove the key"
    elif kind == "finite_number":
        message = f"{_short(value)} is not a finite number"
        hint = "write a number such as 1.5"
    elif kind in _EXPECTED or kind.endswith("_type") or kind.endswith("_parsing"):
        message = f"{_short(value)} is not {_EXPECTED.get(kind, 'valid here')}"
        if kind.startswith("int") and isinstance(value, float | str):
            hint = "write a whole number such as 2"
    else:
        message = f"{_short(value)} is not valid here"
    hint = hint or _TYPE_HINTS.get(kind, "see the language reference (docs/storyboard-language.md)")
    return smap.problem(path, message, where=where, field=field, hint=hint, key=key,
                        code=_code(kind, key))


_BOUNDS = {"greater_than": "not above", "greater_than_equal": "below",
           "less_than": "not below", "less_than_equal": "above"}
# What to write instead, for a value of the wrong type (pydantic's `type`).
_TYPE_HINTS = {
    "dict_type": "write it as `key: value` lines indented under it, or as {key: value}",
    "model_type": "write it as `key: value` lines indented under it, or as {key: value}",
    "model_attributes_type": "write it as `key: value` lines indented under it, or {key: value}",
    "list_type": "write it as [a, b] or as lines starting with '- '",
    "tuple_type": "write it as [a, b]",
    "string_type": "write it as text (in quotes when it holds ':' or '#')",
    "float_type": "write a number such as 1.5", "float_parsing": "write a number such as 1.5",
    "int_type": "write a whole number such as 2", "int_parsing": "write a whole number such as 2",
    "bool_type": "write true or false", "bool_parsing": "write true or false",
    "literal_error": "use one of the allowed values",
}
_WITHIN = {"greater_than": "more than", "greater_than_equal": "at least",
           "less_than": "less than", "less_than_equal": "at most"}
_EXPECTED = {
    "int_type": "a whole number", "int_parsing": "a whole number",
    "int_from_float": "a whole number", "float_type": "a number", "float_parsing": "a number",
    "bool_type": "true or false", "bool_parsing": "true or false", "string_type": "text",
    "list_type": "a list", "tuple_type": "a list", "dict_type": "a mapping",
    "model_type": "a mapping", "model_attributes_type": "a mapping",
}


def _code(kind: str, key: bool) -> str:
    """The stable diagnostics code (docs/diagnostics.md) of a refused value."""
    if kind == "extra_forbidden":
        return "unknown-key"
    if kind == "missing":
        return "missing-key"
    if kind == "string_pattern_mismatch" and key:
        return "bad-name"
    if kind in ("too_long", "string_too_long"):
        return "limit"
    return "bad-value"


def _finite(value: Any) -> bool:
    """False for inf and nan, also as the text YAML left them in ("inf", "-Infinity")."""
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError, OverflowError):
        return True  # not a number at all: some other check words it


def _short(value: Any) -> str:
    """A value for a message: never the whole of a hostile file."""
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def parse(text: str, file: str = "storyboard.yaml") -> tuple[m.Storyboard, SourceMap, Any]:
    """Text -> (Storyboard, SourceMap, raw data). Raises SpecError listing every problem."""
    parsed = parse_all(text, file)
    if parsed.problems or parsed.board is None:
        raise SpecError(parsed.problems)
    return parsed.board, parsed.smap, parsed.raw


def parse_all(text: str, file: str = "storyboard.yaml", memo: Memo | None = None) -> Parsed:
    """Text -> `Parsed`: the board that remains once every refused value is taken out, and
    the problems found on the way (the graph checks the rest: `graph.build_graph`)."""
    raw, smap = load_yaml(text, file, memo)
    if not isinstance(raw, dict):
        raise SpecError([Problem(
            "the file must be a mapping with version, name and shots", file=file, line=1,
            column=1, hint="start from `storyboard init`", code="bad-value",
        )])
    return validate_in_rounds(raw, smap, _ALL_KEYS, _problem, _yaml_path)


def read(path: Path) -> tuple[m.Storyboard, SourceMap, Any]:
    """Read and parse a storyboard file from disk."""
    return parse(_text(path), str(path))


def read_all(path: Path, memo_in: Path | None = None) -> Parsed:
    """Read a storyboard file and validate it in rounds (`parse_all`). `memo_in` is the
    folder of the parsed-file memo (`.storyboard/`, spec/memo.py): a folder, or nothing yet
    (the memo makes it), never a link."""
    data = _bytes(path)
    text = _decode(data, path)
    memo = None
    if memo_in is not None and not memo_in.is_symlink() and (
            memo_in.is_dir() or not memo_in.exists()):
        try:
            memo = Memo.of(memo_in / MEMO_NAME, data, os.stat(path))
        except OSError:
            memo = None
    return parse_all(text, str(path), memo)


def _text(path: Path) -> str:
    """The file's text, or a SpecError saying why it cannot be read."""
    return _decode(_bytes(path), path)


def _bytes(path: Path) -> bytes:
    """The file's bytes, or a SpecError saying why it cannot be read."""
    # A cloned project's file may be a FIFO, a link to /dev/zero or to a secret elsewhere:
    # read a regular file only, at most the size limit, and never one a link takes outside
    # the project's folder (its lines would be echoed back as unknown keys).
    if path.is_symlink() and not inside(path.absolute().parent, path):
        raise SpecError([Problem(
            "the file is a link to a file outside the project folder; storyboard does not "
            "read it", file=str(path), code="file-unreadable",
            hint="replace the link with the file itself")])
    try:
        data = read_bounded(path, MAX_FILE_BYTES + 1)
    except UnsafePath as exc:
        raise SpecError([Problem(str(exc), file=str(path), code="file-unreadable",
                                 hint="storyboard.yaml must be a regular text file")]) from None
    except FileNotFoundError:
        raise SpecError([Problem(
            "no such file", file=str(path), code="file-unreadable",
            hint="run `storyboard init` to make a project, or pass -f PATH",
        )]) from None
    except OSError as exc:
        raise SpecError([Problem(f"cannot read the file: {exc.strerror}",
                                 file=str(path), code="file-unreadable")]) from None
    return data


def _decode(data: bytes, path: Path) -> str:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SpecError([Problem(
            f"the file is not UTF-8 text (byte {exc.start})", file=str(path),
            hint="save it as UTF-8", code="file-unreadable",
        )]) from None
    return text


def model_keys(cls: type[BaseModel]) -> list[str]:
    return list(cls.model_fields)
