"""Reading plain YAML from the parser's events gives what the careful node walk gives: the same
data, and the same source map entry for entry and in the same order; anything else falls back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from storyboard.spec import yamlfast
from storyboard.spec.yamlsource import SourceMap, _Loader, careful, load_yaml

ROOT = Path(__file__).resolve().parents[2]
FILES = sorted(p for d in ("examples", "tests") for p in (ROOT / d).rglob("*.yaml"))
SNIPPETS = [
    "", "# only a comment\n", "---\n", "a: 1\n", "a: [1, 'x', \"y\", ~, null, yes, 1.5, .inf]\n",
    "a:\n  - b: 1\n    c: {d: [e, f]}\n  - []\n  - {}\n", "a: 2023-11-14\n", "a: &x 1\nb: *x\n",
    "a: !!str 1\n", "<<: {a: 1}\n", "a: 1\na: 2\n", "1: a\n", "? [a]\n: b\n", "a: |\n  x\n  y\n",
    "a: >\n  folded\n  text\n", "a: 0x1f\nb: 1_000\nc: 1:30\nd: '16:9'\n", "--- a\n--- b\n",
    "a: [unclosed\n", "a:\tb\n", "a: b: c\n", "- x\n- - y\n  - z\n", "a: !custom x\n",
    "'quoted key': 1\n\"k\": 2\n", "a: 99999999999999999999999999\n", "a: -.5e+3\n", "=: 1\n",
    "shots:\n  s0:\n    generate: {prompt: a, duration: 5}\n  s1: [{edit: {source: s0}}]\n",
]


def outcome(read: Any) -> Any:
    try:
        data, smap = read()
    except Exception as exc:  # compared, not handled
        return ("raised", type(exc).__name__, str(exc))
    return (typed(data), [list(getattr(smap, f).items())
                          for f in ("values", "keys", "texts", "ends", "key_ends")])


def typed(value: Any) -> Any:
    """The value with every type spelled out: 1 == 1.0 == True must not pass for the same."""
    if isinstance(value, dict):
        return ("dict", [(typed(k), typed(v)) for k, v in value.items()])
    if isinstance(value, list):
        return ("list", [typed(v) for v in value])
    return (type(value).__name__, repr(value))


def fast(text: str) -> tuple[Any, SourceMap]:
    smap = SourceMap("f.yaml")
    loader = _Loader(text)
    try:
        return yamlfast.read(loader, smap), smap
    finally:
        loader.dispose()


def check(text: str) -> bool:
    """True when the fast path read `text` (and agreed), False when it fell back."""
    careful_read = outcome(lambda: careful(text, "f.yaml"))
    assert outcome(lambda: load_yaml(text, "f.yaml")) == careful_read
    try:
        fast(text)
    except yamlfast.Fallback:
        return False
    assert outcome(lambda: fast(text)) == careful_read
    return True


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_yaml_file_of_the_repository_reads_the_same(path: Path) -> None:
    check(path.read_text("utf-8", "replace"))


def test_snippets_read_the_same_or_fall_back() -> None:
    taken = [s for s in SNIPPETS if check(s)]
    assert "a: 1\n" in taken and "a: &x 1\nb: *x\n" not in taken


leaves = st.one_of(st.text(max_size=8), st.integers(), st.floats(), st.booleans(), st.none(),
                   st.sampled_from(["yes", "16:9", "2023-11-14", "~", "1_0", "<<", "a: b"]))
documents = st.recursive(leaves, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=6) | leaves, inner,
                                                 max_size=4)), max_leaves=10)


@pytest.mark.e2e  # hypothesis: seconds
@settings(max_examples=300, deadline=None)
@given(data=documents, flow=st.sampled_from([False, True, None]))
def test_generated_documents_read_the_same(data: Any, flow: bool | None) -> None:
    check(yaml.safe_dump(data, default_flow_style=flow, allow_unicode=True))
