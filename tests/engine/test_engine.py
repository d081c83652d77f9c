"""The engine through its public seams: failures are values, dependents are skipped, the rest
finishes; --fail-fast stops what has not started; --max-cost refuses a submission before it
is sent; the journal makes a restarted build resume a paid job instead of paying again."""

from __future__ import annotations

import asyncio
from pathlib import Path

from engine_helpers import graph_of, no_wait, run, shot
from standin import StandIn

from storyboard.engine import Engine, NodeResult, RecordingReporter, Statuses, Workspace
from storyboard.providers import Fetched, Request


def by_node(results: list[NodeResult]) -> dict[str, NodeResult]:
    return {r.label: r for r in results}


def key_of(ws: Workspace, graph_node_id: str, *nodes: object) -> str:
    graph = graph_of(*nodes)  # type: ignore[arg-type]
    key = Statuses(graph, ws, "stand-in").of(graph_node_id, {}).key
    assert key is not None
    return key


# -- failures ---------------------------------------------------------------------------------

def test_a_failed_node_skips_its_dependents_and_the_rest_finishes(ws: Workspace) -> None:
    graph = graph_of(shot("a", "FAIL at dawn"), shot("b", "paint it", source="a"),
                     shot("c", "a fox"))
    summary = run(ws, graph, StandIn())
    r = by_node(summary.results)
    assert r["a"].status == "failed"
    assert r["a"].error == "the model refused this prompt (hint: rephrase) [trace id t-1]"
    assert (r["b"].status, r["b"].error) == ("skipped", "input a did not build")
    assert r["c"].status == "done" and r["c"].output
    assert [f.label for f in summary.failed] == ["a"]
    assert set(ws.lock.nodes) == {"shot:c"}  # only what succeeded is recorded


def test_a_bug_in_the_provider_fails_only_its_node(ws: Workspace) -> None:
    summary = run(ws, graph_of(shot("a", "BUG"), shot("c", "a fox")), StandIn())
    r = by_node(summary.results)
    assert r["a"].status == "failed"
    assert r["a"].error.startswith("internal error: ZeroDivisionError: a bug in the provider")
    assert r["c"].status == "done"


def test_fail_fast_skips_what_had_not_started(ws: Workspace) -> None:
    graph = graph_of(shot("a", "FAIL"), shot("s", "SLOW river"), shot("t", "paint", source="s"))

    def build(fail_fast: bool) -> dict[str, NodeResult]:
        failed = asyncio.Event()

        class Watch(RecordingReporter):
            def node_done(self, result: NodeResult) -> None:
                super().node_done(result)
                if result.status == "failed":
                    failed.set()

        async def hold(_seconds: float) -> None:
            await failed.wait()  # `s` keeps polling only once `a` has failed: no race

        async def go() -> dict[str, NodeResult]:
            engine = Engine(Workspace.open(ws.root / str(fail_fast), ws.root / f"{fail_fast}.lock"),
                            graph, StandIn(), Watch(), jobs=2, fail_fast=fail_fast, sleep=hold)
            return by_node((await engine.run(graph.order())).results)

        return asyncio.run(go())

    fast = build(fail_fast=True)
    assert fast["a"].status == "failed"
    assert fast["s"].status == "done"  # already running: it finishes and is kept
    assert (fast["t"].status, fast["t"].error) == ("skipped",
                                                   "stopped after a failure (--fail-fast)")
    going = build(fail_fast=False)
    assert going["t"].status == "done"


# -- the budget -------------------------------------------------------------------------------

def test_max_cost_refuses_the_submission_that_would_pass_the_cap(ws: Workspace) -> None:
    provider = StandIn(paid=True, price=5.0)
    summary = run(ws, graph_of(shot("a", "a fox"), shot("b", "a hare")), provider, jobs=1,
                  max_cost=8.0)
    done = [r for r in summary.results if r.status == "done"]
    refused = [r for r in summary.results if r.refused]
    assert len(done) == 1 and len(refused) == 1
    assert refused[0].status == "failed"
    assert refused[0].error == ("refused by --max-cost 8: this job costs 5 credits and the build "
                                "has committed 5 already; nothing was submitted (raise "
                                "--max-cost to go on)")
    assert provider.submitted == [done[0].node]  # the refused one was never sent
    assert summary.refused == refused
    assert [e.node for e in ws.journal.entries()] == [done[0].node]  # no intent for it either


def test_max_cost_refuses_a_job_whose_price_is_unknown(ws: Workspace) -> None:
    provider = StandIn(paid=True, price=None)
    summary = run(ws, graph_of(shot("a", "a fox")), provider, max_cost=100.0)
    [r] = summary.results
    assert r.refused and "the price of this job is unknown" in r.error
    assert provider.submitted == []


def test_without_max_cost_nothing_is_priced_during_the_build(ws: Workspace) -> None:
    provider = StandIn(paid=True, price=5.0)
    run(ws, graph_of(shot("a", "a fox")), provider)
    assert provider.estimated == [] and len(provider.submitted) == 1


# -- the journal ------------------------------------------------------------------------------

def test_a_recorded_job_is_resumed_not_submitted_again(ws: Workspace) -> None:
    node = shot("a", "a fox")
    key = key_of(ws, node.id, node)
    ws.journal.submitted(ws.journal.intent(key, node.id, "stand-in"), "job-77")
    provider, reporter = StandIn(paid=True), RecordingReporter()
    [r] = run(ws, graph_of(node), provider, reporter).results
    assert (r.status, r.job) == ("done", "job-77")
    assert provider.submitted == []
    assert ("warning", "a: resuming job job-77 from an earlier build (not submitting again)") \
        in reporter.events
    entry = ws.journal.get(key)
    assert entry is not None and (entry.state, entry.output) == ("done", r.output)


def test_an_interrupted_submission_is_looked_for_before_anything_is_sent(ws: Workspace) -> None:
    node = shot("a", "a fox")
    key = key_of(ws, node.id, node)
    ws.journal.intent(key, node.id, "stand-in")  # died before the answer came back
    provider, reporter = StandIn(paid=True, found="job-9"), RecordingReporter()
    [r] = run(ws, graph_of(node), provider, reporter).results
    assert (r.status, r.job) == ("done", "job-9")
    assert provider.submitted == []
    warnings = [text for name, text in reporter.events if name == "warning"]
    assert any("found its job job-9 on the server and resumed it" in w for w in warnings)
    assert "a: found job-9" in warnings  # the provider's own notice is passed on


def test_an_interrupted_submission_that_never_arrived_is_sent_once(ws: Workspace) -> None:
    node = shot("a", "a fox")
    key = key_of(ws, node.id, node)
    ws.journal.intent(key, node.id, "stand-in")
    provider, reporter = StandIn(paid=True), RecordingReporter()
    [r] = run(ws, graph_of(node), provider, reporter).results
    assert r.status == "done" and provider.submitted == [node.id]
    assert ("warning", "a: an earlier submission did not reach the server; submitting now") \
        in reporter.events


def test_jobs_other_nodes_own_are_claimed_before_recovery(ws: Workspace) -> None:
    first = StandIn(paid=True)
    run(ws, graph_of(shot("a", "a fox")), first)
    node = shot("b", "a hare")
    ws.journal.intent(key_of(ws, node.id, node), node.id, "stand-in")
    second = StandIn(paid=True)
    run(ws, graph_of(shot("a", "a fox"), node), second)
    assert "job-1" in second.claimed  # a's job: recovery for b may never adopt it


def test_a_rejected_submission_leaves_nothing_to_resume(ws: Workspace) -> None:
    node = shot("a", "REJECT this")
    [r] = run(ws, graph_of(node), StandIn(paid=True)).results
    assert r.status == "failed"
    assert r.error == "the service refused this request (hint: remove REJECT)"
    assert ws.journal.get(key_of(ws, node.id, node)) is None


# -- the cache --------------------------------------------------------------------------------

def test_a_second_run_finds_everything_cached_and_rewrites_nothing(ws: Workspace) -> None:
    graph = graph_of(shot("a", "a fox"), shot("b", "paint it", source="a"))
    provider = StandIn()
    first = run(ws, graph, provider)
    lock = ws.lock.path.read_bytes()
    second = run(ws, graph, provider)
    assert [r.status for r in first.results] == ["done", "done"]
    assert [r.status for r in second.results] == ["cached", "cached"]
    assert [r.output for r in second.results] == [r.output for r in first.results]
    assert len(provider.submitted) == 2
    assert ws.lock.path.read_bytes() == lock
    assert {rec.provider for rec in ws.lock.nodes.values()} == {"stand-in"}


def test_the_engine_leaves_the_provider_lifecycle_to_its_caller(ws: Workspace) -> None:
    provider = StandIn()
    run(ws, graph_of(shot("a", "a fox")), provider)
    assert (provider.opened, provider.closed) == (0, 0)


def test_sleep_is_the_only_wait(ws: Workspace) -> None:
    waits: list[float] = []

    async def count(seconds: float) -> None:
        waits.append(seconds)
        await no_wait(seconds)

    engine = Engine(ws, graph_of(shot("s", "SLOW")), StandIn(), sleep=count)
    [r] = asyncio.run(engine.run(["shot:s"])).results
    assert r.status == "done" and len(waits) == 2  # two "running" polls, then done


# -- slots ------------------------------------------------------------------------------------

def test_a_slot_is_handed_on_when_its_job_ends_not_after_the_download(ws: Workspace) -> None:
    """`--jobs 1`: the first result's download waits until the next job was submitted, which
    only works if the job's end (not its download) gives the slot back."""

    class SlowFetch(StandIn):
        def __init__(self) -> None:
            super().__init__(paid=True)
            self.second = asyncio.Event()
            self.order: list[str] = []

        async def submit(self, request: Request) -> str:
            job = await super().submit(request)
            self.order.append(f"submit {request.node.label}")
            if len(self.submitted) == 2:
                self.second.set()
            return job

        async def fetch(self, job_id: str, request: Request, workdir: Path) -> Fetched:
            await asyncio.wait_for(self.second.wait(), 5)  # a deadlock fails, not hangs
            self.order.append(f"fetch {request.node.label}")
            return await super().fetch(job_id, request, workdir)

    provider = SlowFetch()
    summary = run(ws, graph_of(shot("a", "a fox"), shot("b", "a hare")), provider, jobs=1)
    assert [r.status for r in summary.results] == ["done", "done"]
    assert sorted(provider.order[:2]) == ["submit a", "submit b"]  # both before a fetch
