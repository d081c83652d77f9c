"""Whatever text arrives, validation ends in a `SpecError` (or a graph), never a crash.

Random YAML documents, random text, and random mutations of the language document's complete
example go through `parse` and `build_graph`; any exception that is not a `StoryboardError` is a
bug in the loader, the catalogue mapping or the graph builder.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storyboard.errors import SpecError, StoryboardError
from storyboard.graph import AssetFacts, build_graph
from storyboard.spec import parse
from storyboard.spec.load import _ALL_KEYS

pytestmark = pytest.mark.e2e  # hundreds of generated documents: seconds per test

DATA = Path(__file__).parent.parent / "data"
EXAMPLE_TEXT = (DATA / "valid" / "language-example.yaml").read_text("utf-8")
EXAMPLE = yaml.safe_load(EXAMPLE_TEXT)

FUZZ = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow],
)

# Words that steer the loader deeper than random text would: every key of the language, every
# name in the example, and values that mean something to the catalogue.
WORDS = sorted({
    *_ALL_KEYS, *EXAMPLE["shots"], *EXAMPLE["assets"], *EXAMPLE["cuts"],
    "dawn.last_frame", "dawn.first_frame", "fox_photo.last_frame", "ray-flash-2", "ray-3.2-edit",
    "modify-video", "reframe-video", "ray-flash-2-540p", "model_luma-ray-3-2", "16:9", "9:21",
    "540p", "1080p", "10s", "5s", "push_in", "crossfade", "fade", "../x.png", "/abs.png",
    "assets/fox.png", "assets/missing.mp4", "autoControls", "editStrength",
})

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 40), st.floats(-5, 50, allow_nan=False),
    st.sampled_from(WORDS), st.text(max_size=12),
)
keys = st.one_of(st.sampled_from(WORDS), st.text(min_size=1, max_size=8))
documents = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=5),
    max_leaves=30,
)
# Documents that look like storyboards, so that the graph builder sees many of them.
boards = st.fixed_dictionaries(
    {"version": st.just(1), "name": st.just("fuzz"), "shots": st.dictionaries(
        st.sampled_from([*EXAMPLE["shots"], "x", "y"]),
        st.one_of(st.sampled_from(list(EXAMPLE["shots"].values())), documents), min_size=1,
        max_size=4)},
    optional={"assets": st.just(EXAMPLE["assets"]) | documents,
              "cuts": st.just(EXAMPLE["cuts"]) | documents,
              "defaults": st.just(EXAMPLE["defaults"]) | documents,
              "profiles": documents},
)


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project folder holding the example's input files (placeholders: the graph reads names)."""
    folder = tmp_path_factory.mktemp("fuzz")
    for rel in EXAMPLE["assets"].values():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_bytes(b"placeholder")
    return folder


# How pydantic, PyYAML and Python word their errors: none of it may reach the user.
LIBRARY_WORDING = re.compile(r"Input should|should have at least|Value error|validation error|"
                             r"Field required|Extra inputs|while parsing|while scanning|"
                             r"could not determine|Traceback|Errno", re.I)


def validate(text: str, root: Path, facts: dict[str, AssetFacts] | None = None) -> None:
    """Parse and build; only storyboard's own errors may come out."""
    try:
        board, smap, _ = parse(text, "fuzz.yaml")
        profile = next(iter(board.profiles), None)
        build_graph(board, smap, root, facts=facts)
        if profile is not None:
            build_graph(board, smap, root, profile=profile, facts=facts)
    except SpecError as exc:
        assert exc.problems, "a SpecError must carry at least one problem"
        for p in exc.problems:  # our words, and what to do: never a library's own message
            assert p.hint, f"no hint: {p}"
            assert not LIBRARY_WORDING.search(str(p)), str(p)
    except StoryboardError:
        pass


# -- mutations of the complete example -------------------------------------------------------

def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, (*prefix, i))
    return out


PATHS = _paths(EXAMPLE)


def _mutate(data: Any, path: tuple[Any, ...], how: str, new: Any) -> Any:
    data = copy.deepcopy(data)
    parent = data
    for part in path[:-1]:
        parent = parent[part]
    last = path[-1]
    if how == "delete":
        del parent[last]
    elif how == "rename" and isinstance(parent, dict):
        parent[str(new)] = parent.pop(last)
    else:
        parent[last] = new
    return data


@FUZZ
@given(
    st.lists(st.tuples(st.sampled_from(PATHS), st.sampled_from(["delete", "rename", "set"]),
                       documents), min_size=1, max_size=3),
    st.dictionaries(st.sampled_from(list(EXAMPLE["assets"])), st.builds(
        AssetFacts, st.sampled_from(["image", "video", "audio"]),
        st.none() | st.floats(0, 100, allow_nan=False),
        st.none() | st.integers(1, 4000), st.none() | st.integers(1, 4000),
        st.none() | st.integers(0, 300_000_000))),
)
def test_mutated_example_never_crashes(
    root: Path, edits: list[tuple[tuple[Any, ...], str, Any]], facts: dict[str, AssetFacts],
) -> None:
    data = EXAMPLE
    for path, how, new in edits:
        try:
            data = _mutate(data, path, how, new)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier edit removed or replaced this path
    validate(yaml.safe_dump(data, sort_keys=False), root, facts)


@FUZZ
@given(st.integers(0, len(EXAMPLE_TEXT)), st.integers(0, len(EXAMPLE_TEXT)), st.text(max_size=5))
def test_cut_and_spliced_example_never_crashes(root: Path, a: int, b: int, insert: str) -> None:
    """Truncation at any point, or any stretch replaced by a few random characters."""
    validate(EXAMPLE_TEXT[:a], root)
    lo, hi = sorted((a, b))
    validate(EXAMPLE_TEXT[:lo] + insert + EXAMPLE_TEXT[hi:], root)


@FUZZ
@given(boards)
def test_storyboard_shaped_documents_never_crash(root: Path, doc: dict[str, Any]) -> None:
    validate(yaml.safe_dump(doc, sort_keys=False), root)


@FUZZ
@given(documents)
def test_random_documents_never_crash(root: Path, doc: Any) -> None:
    validate(yaml.safe_dump(doc), root)


# Pieces of YAML syntax, so that random text reaches anchors, aliases, tags and nesting.
TOKENS = ["&a ", "&b ", "*a", "*b", "[", "]", "{", "}", ": ", "- ", ", ", "\n", "  ", "? ",
          "x", "1", "16:9", "!!python/object:os.system ", "!!binary ", "<<: ", "'", '"', "#",
          "shots", "generate", "prompt", "version: 1\n", "name: n\n", "\t", "\x07", "|\n"]


@FUZZ
@given(st.text(max_size=200) | st.binary(max_size=200).map(lambda b: b.decode("latin-1"))
       | st.lists(st.sampled_from(TOKENS), max_size=60).map("".join))
def test_random_text_never_crashes(root: Path, text: str) -> None:
    validate(text, root)
