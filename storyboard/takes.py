"""`retake`: ask for another take of a shot by writing `take: N` into storyboard.yaml.

The only ruamel.yaml user: its round-trip loader says where the shot's node (or its last step)
and its fields sit in the text, and only that spot is edited, so every comment, quote and
indent elsewhere stays byte for byte. Earlier takes stay in the cache and the lock's history,
so setting the take back runs nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from storyboard.errors import Problem, ProjectError, SpecError
from storyboard.paths import write_atomic
from storyboard.spec import parse, suggest


@dataclass(frozen=True)
class TakeChange:
    shot: str
    kind: str  # generate, edit, ...
    step: int | None  # 1-based step of a step list, None for a one-node shot
    old: int
    new: int
    line: int  # 1-based line of the take in the file after the change


def retake(file: Path, shot: str, take: int | None = None) -> TakeChange:
    """Write the next take (or `take`) on SHOT's node, or on its last step; return the change."""
    path = file / "storyboard.yaml" if file.is_dir() else file
    try:
        text = path.read_text("utf-8")
    except OSError as exc:
        raise ProjectError(f"cannot read {path}: {exc.strerror} (pass the file with -f)"
                           ) from None
    new_text, change = retake_text(text, shot, take, str(path))
    parse(new_text, str(path))  # never write a file that no longer reads
    try:
        write_atomic(path, new_text.encode("utf-8"))
    except OSError as exc:
        raise ProjectError(f"cannot write {path}: {exc.strerror}; it is unchanged") from None
    return change


def retake_text(text: str, shot: str, take: int | None = None,
                file: str = "storyboard.yaml") -> tuple[str, TakeChange]:
    """The file's text with SHOT's take changed, and what changed."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        doc = YAML(typ="rt").load(text)
    except YAMLError as exc:
        raise SpecError([Problem(f"not valid YAML: {exc}", file=file,
                                 hint="run `storyboard validate`")]) from None
    shots = doc.get("shots") if isinstance(doc, dict) else None
    if not isinstance(shots, dict) or shot not in shots:
        known = list(shots) if isinstance(shots, dict) else []
        hint = suggest(shot, known) or "run `storyboard plan` to list them"
        raise SpecError([Problem(f"no shot named '{shot}'", file=file, hint=hint)])
    value = shots[shot]
    step: int | None = None
    if isinstance(value, list) and value:
        step = len(value)
        value = value[-1]
    if not (isinstance(value, dict) and len(value) == 1):
        raise SpecError([Problem(f"shot '{shot}' is not a node mapping or a list of steps",
                                 file=file, hint="run `storyboard validate`")])
    kind = str(next(iter(value)))
    fields = value[kind]
    if not isinstance(fields, dict):
        raise SpecError([Problem(f"shot '{shot}': {kind} has no fields", file=file,
                                 hint="run `storyboard validate`")])
    node: Any = fields  # a ruamel CommentedMap: it knows where each key sits in the text
    old = node.get("take", 1)
    if not isinstance(old, int) or isinstance(old, bool) or old < 1:
        raise SpecError([Problem(f"shot '{shot}': take is {old!r}, not a whole number >= 1",
                                 file=file, hint="fix it by hand, then retake")])
    new = old + 1 if take is None else take
    if new < 1:
        raise ProjectError(f"a take is a whole number >= 1, not {new}")
    lines = text.splitlines(keepends=True)
    if "take" in node:
        line, col = node.lc.value("take")
        m = re.compile(r"\d+").match(lines[line], col)
        if m is None:  # pragma: no cover - ruamel said an int starts here
            raise ProjectError(f"cannot find the take of '{shot}' on line {line + 1}")
        lines[line] = lines[line][:m.start()] + str(new) + lines[line][m.end():]
    elif node.fa.flow_style():
        line = _insert_in_flow(lines, node.lc.line, node.lc.col, f"take: {new}", bool(node))
    else:
        line = _insert_in_block(lines, node, new)
    change = TakeChange(shot, kind, step, old, new, line + 1)
    return "".join(lines), change


def _insert_in_block(lines: list[str], node: Any, take: int) -> int:
    """Add `take: N` after the node's last field when that field fits on its line (the usual
    case), else before its first field. Returns the 0-based line of the new take."""
    keys = list(node)
    last_line, col = node.lc.key(keys[-1])
    nxt = last_line + 1
    while nxt < len(lines) and (not lines[nxt].strip() or lines[nxt].lstrip().startswith("#")):
        nxt += 1
    one_line = nxt >= len(lines) or _indent(lines[nxt]) <= col
    at: int = last_line + 1 if one_line else node.lc.key(keys[0])[0]
    if one_line and not lines[last_line].endswith("\n"):
        lines[last_line] += "\n"
    lines.insert(at, " " * col + f"take: {take}\n")
    return at


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _insert_in_flow(lines: list[str], line: int, col: int, item: str, nonempty: bool) -> int:
    """Add `item` before the `}` that closes the flow mapping opening at (line, col)."""
    depth, quote, i, j = 0, "", line, col
    while i < len(lines):
        s = lines[i]
        while j < len(s):
            c = s[j]
            if quote:
                if c == quote and not (quote == '"' and s[j - 1] == "\\"):
                    quote = ""
            elif c in "\"'":
                quote = c
            elif c == "#" and (j == 0 or s[j - 1] in " \t"):
                break  # a comment: the rest of the line
            elif c in "{[":
                depth += 1
            elif c in "}]":
                depth -= 1
                if depth == 0:
                    head = s[:j].rstrip()
                    sep = ", " if nonempty else ""
                    lines[i] = head + sep + item + s[len(head):]
                    return i
            j += 1
        i, j = i + 1, 0
    raise ProjectError("cannot find the end of the shot's {...} mapping; add `take:` by hand")
