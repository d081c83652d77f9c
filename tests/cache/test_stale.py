"""`why_stale`: the reasons a node runs, as data, field by field."""

from __future__ import annotations

from typing import Any

from storyboard.cache import Record, why_stale

PREVIOUS = Record(key="k" * 64, output="o" * 64, provider="preview", kind="generate", take=1,
                  fields={"prompt": "A fox at dawn", "duration": 5},
                  inputs={"asset:fox": "f" * 64})


def reasons(**changes: Any) -> list[tuple[str, str]]:
    args: dict[str, Any] = {"key": "n" * 64, "cached": False, "previous": PREVIOUS,
                            "provider": "preview", "fields": dict(PREVIOUS.fields), "take": 1,
                            "inputs": dict(PREVIOUS.inputs), "labels": {"asset:fox": "fox"}}
    args.update(changes)
    return [(r.code, r.text) for r in why_stale(**args)]


def test_a_cached_node_has_no_reasons() -> None:
    assert reasons(cached=True) == []


def test_a_node_the_lock_never_saw_is_new() -> None:
    assert reasons(previous=None) == [("new", "new: never built")]


def test_a_locked_key_whose_output_is_gone_says_so() -> None:
    assert reasons(key=PREVIOUS.key) == [("output missing", "output missing from the cache "
                                          "(made elsewhere? `storyboard pull` fetches it)")]


def test_field_changes_show_old_and_new_values() -> None:
    r = why_stale(key="n" * 64, cached=False, previous=PREVIOUS, provider="preview",
                  fields={"prompt": "A fox at dusk", "duration": 5}, take=1,
                  inputs=dict(PREVIOUS.inputs))
    assert [(x.code, x.field, x.old, x.new) for x in r] == [
        ("field changed", "prompt", "A fox at dawn", "A fox at dusk")]
    assert r[0].text == "prompt changed: 'A fox at dawn' -> 'A fox at dusk'"


def test_provider_take_and_inputs_each_give_a_reason() -> None:
    got = reasons(provider="scenario", take=2, inputs={"asset:fox": "e" * 64})
    assert got == [("provider changed", "provider preview -> scenario"),
                   ("take changed", "take 1 -> 2"),
                   ("input changed", "input fox changed")]


def test_an_input_still_to_run_is_pending() -> None:
    got = reasons(inputs={"asset:fox": None})
    assert got == [("input pending", "input fox runs first")]


def test_a_change_no_field_explains_is_still_named() -> None:
    assert reasons() == [("request changed", "the request changed")]
