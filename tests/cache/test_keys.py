"""Node keys depend on what is asked and what goes in, never on names, paths or order."""

from __future__ import annotations

import pytest

from storyboard.cache import canonical, node_key, with_digests
from storyboard.refs import ref

BODY = {"prompt": "A fox", "duration": 5, "image": ref("asset:fox")}
DIGESTS = {"asset:fox": "f" * 64}


def key(**changes: object) -> str:
    args: dict[str, object] = {"kind": "generate", "provider": "preview", "model_id": "ray-3",
                               "body": BODY, "digests": DIGESTS, "take": 1}
    args.update(changes)
    return node_key(**args)  # type: ignore[arg-type]


def test_a_key_is_a_sha256_and_stable() -> None:
    k = key()
    assert len(k) == 64 and int(k, 16) >= 0
    assert key() == k
    assert key(body=dict(reversed(list(BODY.items())))) == k  # the order of fields is no input


@pytest.mark.parametrize("change", [
    {"provider": "scenario"}, {"model_id": "ray-flash-2"}, {"take": 2}, {"kind": "loop"},
    {"body": {**BODY, "prompt": "A hare"}}, {"digests": {"asset:fox": "e" * 64}},
])
def test_what_the_output_depends_on_changes_the_key(change: dict[str, object]) -> None:
    assert key(**change) != key()


def test_the_node_an_input_comes_from_is_not_part_of_the_key() -> None:
    """Renaming an asset or a shot re-runs nothing: only the content digest counts."""
    renamed = {**BODY, "image": ref("asset:fox_photo")}
    assert key(body=renamed, digests={"asset:fox_photo": "f" * 64}) == key()


def test_with_digests_replaces_references_at_any_depth() -> None:
    body = {"keyframes": [{"frameIndex": 0, "image": ref("frame:a.last_frame")}],
            "video": ref("shot:a")}
    out = with_digests(body, {"frame:a.last_frame": "1" * 64, "shot:a": "2" * 64})
    assert out == {"keyframes": [{"frameIndex": 0, "image": {"$digest": "1" * 64}}],
                   "video": {"$digest": "2" * 64}}
    with pytest.raises(KeyError):
        with_digests(body, {})  # an input without a digest has no key yet


def test_canonical_json_is_sorted_and_compact() -> None:
    assert canonical({"b": 1, "a": [1, "é"]}) == '{"a":[1,"é"],"b":1}'
