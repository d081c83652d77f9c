"""The fake's model rules come from Scenario's model reference (the seed page), parsed by
`storyboard/testing/seed_table.py` into a committed JSON: never from our catalogue, so the two
can disagree and a mistake in the catalogue is caught by the fake."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import storyboard.catalogue.models as catalogue
from storyboard.testing import models, seed_table
from storyboard.testing.models import Rejected, validate

RAY = "model_luma-ray-3-2"
TESTING = Path(seed_table.__file__).parent


def test_the_committed_rules_are_what_the_script_makes_of_the_seed_page() -> None:
    fresh = seed_table.render(seed_table.SEED.read_text("utf-8"))
    assert seed_table.OUT.read_text("utf-8") == fresh, (
        "run `python -m storyboard.testing.seed_table` and commit seed/luma-models.json")


def test_the_seed_rules_are_the_ones_the_page_states() -> None:
    ray = models.load_models()[RAY]
    assert {"rule": "forbids_with", "param": "duration", "value": "10s",
            "others": ["loop", "hdr", "startFrame", "endFrame"]} in ray.rules
    assert models.load_models()["model_luma-modify-video"].limits == {
        "source_max_bytes": 100_000_000, "source_max_seconds": 30}
    edit = models.load_models()["model_luma-ray-3-2-edit"]
    assert {"rule": "exclusive", "params": ["editStrength", "autoControls"]} in edit.rules


def test_a_rule_sentence_the_script_cannot_read_stops_it() -> None:
    page = seed_table.SEED.read_text("utf-8").replace(
        "Requires a first frame.", "Requires a blue sky.")
    with pytest.raises(ValueError, match="cannot read"):
        seed_table.parse(page)


def test_no_module_of_the_fake_reads_the_catalogue() -> None:
    for path in TESTING.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.ImportFrom):
                assert not (node.module or "").startswith("storyboard.catalogue"), path.name


def test_the_fake_refuses_by_the_seed_when_the_catalogue_disagrees(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # A catalogue that lost its rules and allows a resolution Scenario does not offer.
    real = catalogue.load_catalogue()
    spec = real.by_id(RAY)
    assert spec is not None
    resolution = spec.parameters["resolution"].model_copy(
        update={"allowed": [*(spec.parameters["resolution"].allowed or []), "4k"]})
    loose = spec.model_copy(update={"rules": [], "parameters": {
        **spec.parameters, "resolution": resolution}})
    changed = real.model_copy(update={"models": [
        loose if m.id == RAY else m for m in real.models]})
    monkeypatch.setattr(catalogue, "load_catalogue", lambda: changed)
    models.load_models.cache_clear()

    assert "4k" in (catalogue.load_catalogue().by_id(RAY).parameters["resolution"].allowed or [])
    for body, word in [({"prompt": "x", "resolution": "4k"}, "resolution"),
                       ({"prompt": "x", "duration": "10s", "loop": True}, "loop")]:
        with pytest.raises(Rejected, match=word):
            validate(RAY, body, lambda _: None)
