"""luma-models.json is consistent with itself: every name it uses points at something it defines."""

from __future__ import annotations

from storyboard.catalogue import load_catalogue
from storyboard.spec import NODE_KINDS

CAT = load_catalogue()


def test_seven_models_with_unique_ids_and_short_names() -> None:
    assert len(CAT.models) == 7
    ids = [m.id for m in CAT.models]
    shorts = [s for m in CAT.models for s in m.short_names]
    assert len(set(ids)) == len(ids)
    assert len(set(shorts)) == len(shorts)
    assert not set(CAT.aliases) & set(shorts)


def test_defaults_and_aliases_name_models_that_exist_and_fit() -> None:
    assert set(CAT.defaults) == set(NODE_KINDS)
    for kind, name in CAT.defaults.items():
        spec = CAT.by_name(name)
        assert spec is not None and kind in spec.kinds
    for alias in CAT.aliases.values():
        assert alias.default_resolution in alias.by_resolution
        for res, model_id in alias.by_resolution.items():
            spec = CAT.by_id(model_id)
            assert spec is not None and spec.fixed_resolution == res


def test_fields_and_rules_name_parameters_that_exist() -> None:
    for m in CAT.models:
        assert set(m.fields.values()) <= set(m.parameters), m.id
        for r in m.rules:
            named = [r.param, r.needs, *(r.others or []), *(r.params or [])]
            assert {n for n in named if n} <= set(m.parameters), (m.id, r.message)
            assert r.message and r.hint


def test_defaults_and_allowed_values_agree() -> None:
    for m in CAT.models:
        for api, p in m.parameters.items():
            if p.allowed is not None and p.default is not None:
                assert p.default in p.allowed, (m.id, api)
            if p.type == "file":
                assert p.file_kind is not None, (m.id, api)


def test_limits_from_the_seed_document() -> None:
    modify = CAT.by_name("modify-video")
    reframe = CAT.by_name("reframe-video")
    assert modify is not None and reframe is not None
    assert modify.limits.source_max_seconds == 30
    assert modify.limits.source_max_bytes == 100_000_000
    assert reframe.limits.source_max_seconds == 10
