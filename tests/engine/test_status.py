"""`Statuses.of`: the one answer to "cached or run, and why" that plan, status, why, the review
page and the engine all read."""

from __future__ import annotations

from engine_helpers import graph_of, run, shot
from standin import StandIn

from storyboard.engine import Statuses, Workspace, node_request_key
from storyboard.providers.choose import BUILTIN_NAMES
from storyboard.providers.preview import PreviewProvider


def test_a_node_never_built_runs_because_it_is_new(ws: Workspace) -> None:
    st = Statuses(graph_of(shot("a", "a fox")), ws, "stand-in").of("shot:a", {})
    assert st.state == "to run" and st.key is not None and st.record is None
    assert [r.code for r in st.reasons] == ["new"]


def test_a_node_whose_input_is_not_made_yet_is_blocked_without_a_key(ws: Workspace) -> None:
    graph = graph_of(shot("a", "a fox"), shot("b", "paint it", source="a"))
    st = Statuses(graph, ws, "stand-in").of("shot:b", {})
    assert (st.state, st.key, st.output) == ("blocked", None, None)
    assert [(r.code, r.text) for r in st.reasons] == [("new", "new: never built"),
                                                       ("input pending", "waits for a")]


def test_after_a_build_every_node_is_cached_with_its_output(ws: Workspace) -> None:
    graph = graph_of(shot("a", "a fox"), shot("b", "paint it", source="a"))
    built = {r.node: r.output for r in run(ws, graph, StandIn()).results}
    statuses = Statuses(graph, ws, "stand-in")
    a = statuses.of("shot:a", {})
    b = statuses.of("shot:b", {"shot:a": built["shot:a"] or ""})
    assert (a.state, a.output, a.reasons) == ("cached", built["shot:a"], ())
    assert (b.state, b.output) == ("cached", built["shot:b"])


def test_a_changed_prompt_says_what_changed(ws: Workspace) -> None:
    run(ws, graph_of(shot("a", "A fox at dawn")), StandIn())
    st = Statuses(graph_of(shot("a", "A fox at dusk")), ws, "stand-in").of("shot:a", {})
    assert st.state == "to run"
    assert [r.text for r in st.reasons] == ["prompt changed: 'A fox at dawn' -> 'A fox at dusk'"]


def test_keys_carry_the_provider_name_the_engine_records(ws: Workspace) -> None:
    graph = graph_of(shot("a", "a fox"))
    run(ws, graph, StandIn())  # records provider "stand-in"
    assert Statuses(graph, ws, "stand-in").of("shot:a", {}).state == "cached"
    other = Statuses(graph, ws, "standin:make").of("shot:a", {})  # the string, not the name
    assert other.state == "to run"
    assert [r.text for r in other.reasons] == ["provider stand-in -> standin:make"]
    assert other.key == node_request_key(graph.nodes["shot:a"], "standin:make", {})


def test_the_builtin_names_are_what_the_builtin_providers_record() -> None:
    from storyboard.providers.scenario import ScenarioProvider

    names = {"preview": PreviewProvider.name, "scenario": ScenarioProvider.name}
    assert names == BUILTIN_NAMES
