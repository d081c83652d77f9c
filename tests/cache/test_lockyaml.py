"""The lock's direct YAML writer writes exactly PyYAML's bytes, or declines."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from storyboard.cache import lockyaml

RESOLVERS = yaml.SafeDumper.yaml_implicit_resolvers
DUMPERS = [yaml.SafeDumper, getattr(yaml, "CSafeDumper", yaml.SafeDumper)]
# Texts near every rule: indicators, quotes, resolvable words and numbers, dates, spaces.
TRICKY = ["16:9", "a:b", "a: b", "abc:", "yes", "No", "on", "null", "~", "-a", "a -b", "1e5",
          "0x1f", "1_000", ".5", "+1", "=", "1:30", "2023-11-14T22:13:20Z", "2023-11-14",
          "Shot 1, repainted", "a #b", "a#b", "it's", 'say "hi"', "x ", " x", "a\nb", "é",
          "true", "False", "0.5", "-1", "1,000", "(a)", "a/b", "shot:s0", "NaN", ".inf", ""]
texts = st.one_of(st.sampled_from(TRICKY),
                  st.text(alphabet="ab01:-_ ,./=+()yesnoTF", min_size=1, max_size=12),
                  st.text(alphabet="ab01:-_ ,.#'/=+()yesnoTF\n", max_size=12),
                  st.text(max_size=6))
scalars = st.one_of(texts, st.none(), st.booleans(), st.integers(),
                    st.floats(allow_nan=True, allow_infinity=True),
                    st.floats(min_value=-1e6, max_value=1e6))


def nested(leaves: st.SearchStrategy[Any], keys: st.SearchStrategy[str]) -> st.SearchStrategy[Any]:
    return st.recursive(leaves, lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(keys, inner, max_size=4)), max_leaves=8)


values = nested(scalars, texts)
# Only what the direct writer takes, so that nearly every example compares bytes.
simple_texts = st.from_regex(lockyaml._SIMPLE, fullmatch=True).filter(lambda s: ": " not in s)
simple = nested(st.one_of(simple_texts, st.sampled_from(TRICKY[:25]), st.integers(),
                          st.floats(min_value=-1e6, max_value=1e6), st.booleans(), st.none()),
                simple_texts)


def pyyaml(dumper: Any, key: str, value: Any) -> str:
    return yaml.dump({key: value}, Dumper=dumper, sort_keys=True, allow_unicode=True,
                     default_flow_style=False, width=1 << 30)


@pytest.mark.e2e  # hypothesis: seconds
@settings(max_examples=300, deadline=None)
@given(key=st.one_of(texts, simple_texts), value=st.one_of(values, simple))
def test_direct_writing_is_pyyamls_or_declines(key: str, value: Any) -> None:
    try:
        ours = lockyaml.block(key, value, RESOLVERS)
    except lockyaml.Unusual:
        return
    for dumper in DUMPERS:
        assert ours == pyyaml(dumper, key, value)


def test_a_lock_record_is_written_directly() -> None:
    record = {"cost": 0.0, "fields": {"aspect_ratio": "16:9", "duration": 5.0,
                                      "prompt": "Shot 0 of the film", "resolution": "540p"},
              "inputs": {"shot:s0": "0c1b" * 16}, "key": "ab" * 32, "kind": "generate",
              "provider": "null", "take": 1, "time": "2023-11-14T22:13:20Z"}
    history = [{"key": "cd" * 32, "output": "ef" * 32, "cost": 1.5, "take": 2}]
    for key, value in (("shot:s0", record), ("shot:s1", history), ("shot:s2", [])):
        assert lockyaml.block(key, value, RESOLVERS) == pyyaml(yaml.SafeDumper, key, value)
