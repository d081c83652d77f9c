"""The runner: executes a plan over the graph with asyncio, bounded per provider.

Each node waits for its inputs, asks `status.py` for its status given their content digests
(the same answer the plan showed), and either reuses the stored output or runs: model nodes
through their provider (journaled submit, poll, fetch), frames, local loops and cuts through
`media/` in worker threads. A failed node is a value: its dependents are skipped while
independent branches finish. Each finished node is appended to the run index at once (a kill
loses nothing it finished); the lock is written once, when the run ends or is interrupted, so
recording costs the same at any size. The caller opens and closes the provider (once per
command).
"""

from __future__ import annotations

import asyncio
import os
import random
import time
from collections.abc import Awaitable, Callable
from contextlib import suppress
from datetime import UTC, datetime
from pathlib import Path

from storyboard.cache import Record
from storyboard.cache.store import small
from storyboard.engine.coordinator import Alone, Claim, Coordinator
from storyboard.engine.events import NodeResult, Reporter, Summary
from storyboard.engine.local import materialize, run_local
from storyboard.engine.paid import Knobs, RateLimits, Submitter
from storyboard.engine.status import Statuses
from storyboard.engine.workspace import Scratch, Workspace
from storyboard.errors import (
    JobFailed,
    JournalDamaged,
    MediaError,
    NodeFailed,
    NodeRefused,
    ProviderError,
    StoreError,
    StoryboardError,
)
from storyboard.graph import Graph, Node
from storyboard.providers.base import InputFile, Provider, Request


class Engine:
    def __init__(
        self, ws: Workspace, graph: Graph, provider: Provider, reporter: Reporter | None = None,
        *, jobs: int = 4, local_jobs: int | None = None, fail_fast: bool = False,
        max_cost: float | None = None, statuses: Statuses | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], str] = lambda: datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        coordinator: Coordinator | None = None,
        rate_limits: RateLimits | None = None, knobs: Knobs | None = None,
    ) -> None:
        self.ws = ws
        self.graph = graph
        self.provider = provider
        # The plan's statuses when the plan was made in this command: one decision, read twice.
        self.statuses = statuses or Statuses(graph, ws, provider.name)
        self.reporter = reporter or Reporter()
        self.jobs = max(1, jobs)
        self.local_jobs = local_jobs or max(1, min(4, os.cpu_count() or 2))
        self.fail_fast = fail_fast
        # Credits this build has committed to (estimates of what it submitted): the cap holds
        # even for nodes whose price was unknown when the plan was made.
        self.max_cost = max_cost
        self.committed = 0.0
        self._budget = asyncio.Lock()
        self.sleep = sleep
        self.clock = clock
        self.now = knobs.now if knobs else now  # the time recorded for what this run makes
        if knobs and rate_limits is None:
            rate_limits = RateLimits(knobs.rate_limit_wait, knobs.rate_limit_total)
        self.coordinator = coordinator or Alone()  # other machines making the same paid nodes
        self.results: dict[str, NodeResult] = {}
        self.digests: dict[str, str] = {}
        self._stop = False
        # Paid submissions: journaled, recovered after an ambiguous failure, bounded 429 waits.
        self.submitter = Submitter(ws, provider, self.reporter, sleep=sleep,
                                   limits=rate_limits or RateLimits(), budget=self._commit_budget)

    # -- entry ------------------------------------------------------------------------------
    async def run(self, order: list[str]) -> Summary:
        start = self.clock()
        self.model_slots = asyncio.Semaphore(self.jobs)
        # Results downloaded, probed and stored at once: as many as jobs run (a job's slot is
        # handed on when it ends, before its download).
        self.fetch_slots = asyncio.Semaphore(self.jobs)
        self.local_slots = asyncio.Semaphore(self.local_jobs)
        self.finished: dict[str, asyncio.Event] = {n: asyncio.Event() for n in order}
        self.scratch = Scratch(self.ws.tmp())
        summary = Summary()
        tasks = [asyncio.create_task(self._node(n), name=f"node {n}") for n in order]
        try:
            await asyncio.gather(*tasks)
        except asyncio.CancelledError:
            summary.interrupted = True
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise
        finally:
            await self.coordinator.close()
            self.scratch.close()
            self.ws.index.close()
            summary.results = [self.results[n] for n in order if n in self.results
                               and self.graph.nodes[n].kind != "asset"]
            summary.elapsed = self.clock() - start
            self.ws.stat.save()
            try:
                self.ws.lock.save()  # once per run; an interrupted run keeps what it finished
            except StoreError:
                if not summary.interrupted:
                    raise
                # Interrupted and the disk refuses: every result is in the run index, from
                # which the next build writes the lock.
        self._report_notices()
        self.reporter.run_done(summary)
        return summary

    async def _node(self, node_id: str) -> None:
        node = self.graph.nodes[node_id]
        try:
            for i in node.inputs:
                if i in self.finished:
                    await self.finished[i].wait()
            result = await self._run_node(node)
        finally:
            self.finished[node_id].set()
        self.results[node_id] = result
        if result.output:
            self.digests[node_id] = result.output
        if node.kind == "asset":
            return
        if result.status == "cached":
            self.reporter.node_cached(result)
        else:
            self.reporter.node_done(result)
        if result.status == "failed" and self.fail_fast:
            self._stop = True

    async def _run_node(self, node: Node) -> NodeResult:
        if node.kind == "asset":
            assert node.path is not None
            digest = await asyncio.to_thread(self.ws.stat.digest, self.ws.root / node.path)
            return NodeResult(node.id, node.label, node.kind, "cached", digest)
        for i in node.inputs:
            r = self.results.get(i)
            if r is None or r.status in ("failed", "skipped"):
                label = self.graph.nodes[i].label if i in self.graph.nodes else i
                return NodeResult(node.id, node.label, node.kind, "skipped",
                                  error=f"input {label} did not build")
        if self._stop:
            return NodeResult(node.id, node.label, node.kind, "skipped",
                              error="stopped after a failure (--fail-fast)")
        # Every ready node gets this far before any runs on, as when statuses came from a
        # thread: what --fail-fast finds already started does not hang on the next line.
        await asyncio.sleep(0)
        digests = {i: self.digests[i] for i in node.inputs}
        # On the loop when a stat or two answers (a hop to a thread and back costs more, in
        # GIL hand-offs, than the answer); in a thread when a file must be hashed.
        status = self.statuses.quick(node.id, digests)
        if status is None:
            status = await asyncio.to_thread(self.statuses.of, node.id, digests)
        key, rec = status.key, status.record
        assert key is not None  # every input is built, so the key is known
        if rec is not None:
            return await self._reuse(node, key, rec, digests)
        started = self.clock()
        try:
            notes: tuple[str, ...] = ()
            if node.runs_model:
                made = await self._run_model(node, key, digests)
                if made is None:
                    return NodeResult(node.id, node.label, node.kind, "skipped",
                                      error="stopped after a failure (--fail-fast)")
                if isinstance(made, Record):  # a teammate made it while this build waited
                    return await self._reuse(node, key, made, digests)
                digest, cost, job = made
            else:
                async with self.local_slots:
                    self.reporter.node_started(node.id, node.label, node.kind)
                    digest, notes = await asyncio.to_thread(
                        run_local, self.ws, node, self._inputs(node, digests),
                        self._local_progress(node))
                cost, job = 0.0, None
        except NodeFailed as exc:
            return NodeResult(node.id, node.label, node.kind, "failed", error=str(exc),
                              job=exc.job, elapsed=self.clock() - started,
                              refused=isinstance(exc, NodeRefused))
        except (StoryboardError, OSError) as exc:
            return NodeResult(node.id, node.label, node.kind, "failed", error=_one_line(exc),
                              elapsed=self.clock() - started)
        except Exception as exc:  # a bug must not take the other branches down with it
            return NodeResult(node.id, node.label, node.kind, "failed",
                              error=f"internal error: {type(exc).__name__}: {_one_line(exc)} "
                              "(please report it)", elapsed=self.clock() - started)
        try:
            rec = await self._record(node, key, digest, cost, job, digests, None)
        except StoryboardError as exc:  # e.g. the disk filled up while writing the lock
            return NodeResult(node.id, node.label, node.kind, "failed", digest, cost, job,
                              error=_one_line(exc), elapsed=self.clock() - started)
        if node.runs_model and self.provider.paid:
            await self.coordinator.made(rec)  # the team has it now, not when the build ends
        return NodeResult(node.id, node.label, node.kind, "done", digest, cost, job,
                          elapsed=self.clock() - started, notes=notes)

    async def _reuse(self, node: Node, key: str, rec: Record, digests: dict[str, str]
                     ) -> NodeResult:
        try:
            await self._record(node, key, rec.output, rec.cost, rec.job, digests, rec)
            if node.kind == "cut":
                await asyncio.to_thread(materialize, self.ws, node, rec.output)
        except StoryboardError as exc:
            return NodeResult(node.id, node.label, node.kind, "failed", rec.output,
                              error=_one_line(exc))
        return NodeResult(node.id, node.label, node.kind, "cached", rec.output, 0.0, rec.job)

    async def _record(self, node: Node, key: str, digest: str, cost: float, job: str | None,
                      digests: dict[str, str], previous: Record | None) -> Record:
        provider = self.statuses.recorded_provider(node)
        old = self.ws.lock.nodes.get(node.id)
        same = old is not None and old.key == key and old.output == digest
        rec = Record(
            key=key, output=digest, provider=provider, kind=node.kind, model=node.model_id,
            job=job, cost=cost if previous is None else previous.cost,
            time=(old.time if same and old else previous.time if previous else self.now()),
            take=node.take, fields=dict(node.fields), inputs=dict(digests),
        )
        if previous is None:
            self.ws.index.put(rec)  # one appended line: cheaper than a hop to a thread
        if self.ws.lock.nodes.get(node.id) != rec:
            self.ws.lock.nodes[node.id] = rec  # written to disk when the run ends
        return rec

    # -- model nodes ------------------------------------------------------------------------
    def _local_progress(self, node: Node) -> Callable[[float], None] | None:
        """A cut's fraction done, heard on ffmpeg's thread and passed to the reporter on the
        event loop's, where every other event is reported."""
        if node.kind != "cut":
            return None
        loop = asyncio.get_running_loop()

        def report(fraction: float) -> None:
            loop.call_soon_threadsafe(self.reporter.job_progress, node.id, node.label,
                                      "rendering", fraction)

        return report

    def _inputs(self, node: Node, digests: dict[str, str]) -> dict[str, InputFile]:
        out = {}
        for i in node.inputs:
            n = self.graph.nodes[i]
            path = (self.ws.root / n.path) if n.kind == "asset" and n.path else \
                self.ws.store.path(digests[i])
            out[i] = InputFile(i, path, digests[i], n.media or "video")
        return out

    async def _run_model(self, node: Node, key: str, digests: dict[str, str]
                         ) -> tuple[str, float, str | None] | Record | None:
        """Make a model node: its output, or a teammate's record, or None when --fail-fast
        stopped the build before this paid node was sent."""
        request = Request(node, key, node.body, self._inputs(node, digests))
        slot = self.model_slots
        claim = Claim()
        while True:
            await slot.acquire()
            if not self.provider.paid:
                break
            if self._stop:  # --fail-fast: nothing more is paid for (or claimed) after a failure
                slot.release()
                return None
            # Claimed only now, holding a slot: a machine holds leases for the jobs it sends,
            # not for every ready node, so teammates share the work (and none is paid twice).
            try:
                claim = await self.coordinator.claim(request)
            except BaseException:
                slot.release()
                raise
            if claim.record is None and not claim.busy:
                break
            slot.release()
            if claim.record is not None:
                return claim.record
            # A teammate is making it: wait holding no slot, then claim again with one.
            made = await self.coordinator.wait(request)
            if made is not None:
                return made
        try:
            return await self._make(request, claim)
        except BaseException:
            if self.provider.paid:
                await self.coordinator.ended(request, settled=self._settled(key))
            raise

    def _settled(self, key: str) -> bool:
        """After a failure: no job can still run for `key` (its journal entry is gone)."""
        with suppress(JournalDamaged):
            return self.ws.journal.get(key) is None
        return False

    async def _make(self, request: Request, claim: Claim) -> tuple[str, float, str | None]:
        """Submit (paid: exactly once, or adopt the claimed job), poll, fetch and store; the
        caller has taken a model slot for it, released here."""
        p, node, key = self.provider, request.node, request.key
        slot = self.model_slots
        held = True
        try:
            self.reporter.node_started(node.id, node.label, node.kind,
                                       "submitting" if p.paid else "rendering")
            try:
                job = await self.submitter.claimed(request, claim) if p.paid else \
                    await p.submit(request)
            finally:
                self._report_notices()
            if p.paid:
                await self.coordinator.started(request, job)
            try:
                status = await p.poll(job)
                while status.state in ("queued", "running"):
                    self.reporter.job_progress(node.id, node.label, status.stage or status.state,
                                               status.progress)
                    # A steady, jittered cadence, as Scenario's own clients poll: a growing gap
                    # only noticed finished jobs later and kept their slots busy meanwhile.
                    await self.sleep(p.poll_interval * (0.8 + 0.4 * random.random()))
                    status = await p.poll(job)
                # The job has ended: the next one is submitted now, while this one's result is
                # downloaded, probed and stored (a slot is a job running at the provider).
                slot.release()
                held = False
                if status.state == "failed":
                    raise NodeFailed(str(JobFailed(status.error or "the job failed", status.hint,
                                                   status.trace_id)), job)
                if p.paid:
                    self.reporter.job_progress(node.id, node.label, "downloading", 1.0)
                async with self.fetch_slots:
                    with self.scratch.folder() as tmp:
                        fetched = await p.fetch(job, request, tmp)
                        digest = await self._store(fetched.path)
            except NodeFailed:
                if p.paid:
                    self.ws.journal.forget(key)  # the job ended: nothing left to resume
                raise
            except ProviderError as exc:
                raise NodeFailed(_one_line(exc), job) from None
        finally:
            if held:
                slot.release()
        if p.paid:
            try:
                entry = self.ws.journal.get(key)
            except JournalDamaged:  # the output is stored and recorded next: nothing to
                entry = None        # resume, so the damaged entry has done its job
                self.ws.journal.forget(key)
            if entry is not None:
                self.ws.journal.done(entry, digest)
        return digest, fetched.cost, job

    async def _store(self, path: Path) -> str:
        """Move a fetched result into the store. A paid result is written durably (fsync:
        a crash of the machine must not cost credits again) in a thread. An unpaid one is
        free to make again, so no fsync (a crash can only leave an object the store finds
        corrupt, which the next build makes again); when small, it is hashed and renamed
        on the loop, cheaper than the hop to a thread."""
        paid = self.provider.paid
        if not paid and small(path):
            return self.ws.store.put(path, move=True, durable=False)
        return await asyncio.to_thread(self.ws.store.put, path, move=True, durable=paid)

    async def _commit_budget(self, request: Request) -> None:
        """Refuse a submission that would take this build past --max-cost."""
        if self.max_cost is None:
            return
        estimate = await self.provider.estimate(request)
        async with self._budget:
            if estimate is None:
                raise NodeRefused("refused by --max-cost: the price of this job is unknown, "
                                  "so the cap cannot be guaranteed (raise or drop --max-cost)")
            if self.committed + estimate > self.max_cost + 1e-9:
                raise NodeRefused(
                    f"refused by --max-cost {self.max_cost:g}: this job costs {estimate:g} "
                    f"credits and the build has committed {self.committed:g} already; nothing "
                    "was submitted (raise --max-cost to go on)")
            self.committed += estimate

    def _report_notices(self) -> None:
        """Pass on what the provider wants the user to hear (e.g. a job recovered after its
        submission's answer was lost)."""
        for notice in self.provider.take_notices():
            self.reporter.warning(notice)


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    if isinstance(exc, MediaError | StoreError):
        return text
    return " ".join(text.split())
