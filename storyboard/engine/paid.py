"""Paid submissions: exactly once, whatever the server or the process does meanwhile.

The journal's intent is written before a request leaves (with the provider's `Intent`: model,
request digest, the server's time and the window within which the request may still create a
job). After an ambiguous failure (a 5xx, an HTML 502, a dropped connection, a lost answer) this
build looks for the job and adopts it; only when the provider is *certain* no job can still
appear (a listing made after the window, by the server's clock) does it submit again, and says
so. A restarted build does the same from the journal, waiting out what is left of the window.
A 429 is waited on within bounds (per wait and in total), then the node fails as a value with
the server's reason; its journal entry stays, so the next build resumes without paying twice.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from storyboard.engine.coordinator import Claim
from storyboard.engine.events import Reporter
from storyboard.engine.journal import Entry
from storyboard.engine.workspace import Workspace
from storyboard.errors import (
    AmbiguousSubmission,
    JobFailed,
    NodeFailed,
    RateLimited,
    Rejected,
)
from storyboard.hashing import hash_text
from storyboard.providers.base import Intent, Provider, Request

RECHECK = 5.0  # seconds between listings while a lost submission may still appear


class Knobs(Protocol):
    """What a build reads of the user's settings (settings.py's `Settings`)."""

    rate_limit_wait: float
    rate_limit_total: float

    def now(self) -> str: ...


@dataclass(frozen=True)
class RateLimits:
    """How long a build waits on 429s for one node: per wait and in total (seconds)."""

    wait: float = 30.0
    total: float = 300.0


class Submitter:
    def __init__(self, ws: Workspace, provider: Provider, reporter: Reporter, *,
                 sleep: Callable[[float], Awaitable[None]], limits: RateLimits,
                 budget: Callable[[Request], Awaitable[None]],
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.ws = ws
        self.provider = provider
        self.reporter = reporter
        self.sleep = sleep
        self.limits = limits
        self.budget = budget
        self.clock = clock
        self._owned: set[str] | None = None  # job ids some node owns (see `owned_jobs`)
        self._owned_mutex: asyncio.Lock | None = None
        self._bodies: dict[str, asyncio.Lock] = {}

    async def submit(self, request: Request) -> str:
        """The job for `request`: resumed, recovered, or submitted exactly once."""
        j = self.ws.journal
        label = request.node.label
        entry = j.get(request.key)  # JournalDamaged blocks the node: never read as "none"
        if entry is not None and entry.job:
            self.reporter.warning(f"{label}: resuming job {entry.job} from an earlier build "
                                  "(not submitting again)")
            return entry.job
        owned = await self.owned_jobs()
        # Identical bodies (takes of a shot, or two models that take the same body) go one at
        # a time, so a recovery never picks up a sibling's job that is still in flight.
        async with self._body_lock(request):
            if entry is not None and entry.state == "intent":
                found = await self._recover(request, entry, owned, earlier=True)
                if found is not None:
                    return found
            await self.budget(request)
            return await self._send(request, owned)

    async def claimed(self, request: Request, claim: Claim) -> str:
        """The job for a team's claim: submitted exactly once, or the job a gone holder left
        adopted (found first if it left no id)."""
        job = claim.job
        if job is None and claim.recover_since is not None:
            owned = await self.owned_jobs()
            look = await self.provider.find_job(request, Intent(request.node.model_id),
                                                claim.recover_since, exclude=frozenset(owned))
            job = look.job
        if job is None:
            return await self.submit(request)
        j = self.ws.journal
        if (entry := j.get(request.key)) is not None and entry.job:
            return entry.job  # this working copy's own job: resume it
        self.reporter.warning(f"{request.node.label}: adopting job {job} from a build that "
                              "stopped (not submitting again)")
        j.submitted(j.intent(request.key, request.node.id, self.provider.name), job)
        (await self.owned_jobs()).add(job)
        return job

    async def _send(self, request: Request, owned: set[str]) -> str:
        j = self.ws.journal
        node, label = request.node, request.node.label
        waited = 0.0
        while True:
            intent = await self.provider.prepare(request)
            entry = j.intent(request.key, node.id, self.provider.name, intent)
            try:
                job = await self.provider.submit(request)
            except RateLimited as exc:
                # Certainly not accepted. Wait when the server asks for a short pause; a quota
                # or a long cooldown fails the node now, and the entry stays for the next build.
                wait = max(0.0, exc.retry_after)
                if wait > self.limits.wait or waited + wait > self.limits.total:
                    raise NodeFailed(_rate_message(exc, waited, self.limits)) from None
                self.reporter.job_progress(node.id, label, "waiting for a free job slot",
                                           None)
                await self.sleep(wait)
                waited += wait
                continue
            except (Rejected, JobFailed):
                j.forget(request.key)  # refused or failed at once: no job exists
                raise
            except AmbiguousSubmission as exc:
                self.reporter.warning(f"{label}: {_first_clause(exc)}; looking for its job on "
                                      "the server before anything is sent again")
                found = await self._recover(request, entry, owned, earlier=False)
                if found is not None:
                    return found
                continue
            finally:
                self._report_notices()
            j.submitted(entry, job)
            owned.add(job)
            return job

    async def _recover(self, request: Request, entry: Entry, owned: set[str], *,
                       earlier: bool) -> str | None:
        """The job the submission journaled in `entry` made, adopted; None once the provider
        is certain there is none (then the caller submits again)."""
        label = request.node.label
        told = False
        while True:
            look = await self.provider.find_job(request, entry.intent(), entry.created,
                                                exclude=frozenset(owned))
            self._report_notices()
            if look.job is not None:
                how = ("an earlier build was interrupted mid-submission" if earlier else
                       "the answer to the submission was lost")
                self.reporter.warning(f"{label}: {how}; found its job {look.job} on the "
                                      "server and resumed it (not submitted again)")
                self.ws.journal.submitted(entry, look.job)
                owned.add(look.job)
                return look.job
            if look.certain:
                self.reporter.warning(
                    f"{label}: an earlier submission did not reach the server; submitting now"
                    if earlier else f"{label}: the submission made no job on the server (looked "
                    "for once it could no longer land, by the server's clock); submitting again")
                return None
            if not told:
                self.reporter.warning(
                    f"{label}: a submission may still be landing on the server; waiting up to "
                    f"{look.wait:.0f} s (the request's timeout, by the server's clock) for its "
                    "job before submitting again, so it is not paid twice")
                told = True
            self.reporter.job_progress(request.node.id, label, "looking for a lost submission",
                                       None)
            await self.sleep(max(0.05, min(look.wait, RECHECK)))

    def _body_lock(self, request: Request) -> asyncio.Lock:
        digests = sorted(f"{k}={v.digest}" for k, v in request.inputs.items())
        same = hash_text(repr((sorted(request.body.items(), key=str), digests)))
        lock = self._bodies.get(same)
        if lock is None:
            lock = self._bodies[same] = asyncio.Lock()
        return lock

    async def owned_jobs(self) -> set[str]:
        """Job ids that other nodes or takes already own (journal, run index, lock and its
        history), read once per build and kept up to date: recovering a lost submission must
        never adopt one. The provider is told too (`claim`)."""
        if self._owned_mutex is None:
            self._owned_mutex = asyncio.Lock()
        async with self._owned_mutex:
            if self._owned is None:
                ws = self.ws

                def read() -> set[str]:
                    jobs = {e.job for e in ws.journal.entries() if e.job}
                    jobs |= {r.job for r in ws.index.all() if r.job}
                    jobs |= {r.job for r in ws.lock.nodes.values() if r.job}
                    jobs |= {r.job for h in ws.lock.history.values() for r in h if r.job}
                    return jobs

                self._owned = await asyncio.to_thread(read)
                self.provider.claim(self._owned)
            return self._owned

    def _report_notices(self) -> None:
        for notice in self.provider.take_notices():
            self.reporter.warning(notice)


def _first_clause(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text.split("; the submission may have")[0]


def _rate_message(exc: RateLimited, waited: float, limits: RateLimits) -> str:
    after = max(0.0, exc.retry_after)
    when = time.strftime("%H:%M UTC", time.gmtime(time.time() + after))
    return (f"{' '.join(str(exc).split())}; the server asks to wait {after:g} s, more than this "
            f"build waits (STORYBOARD_RATE_LIMIT_WAIT={limits.wait:g} s per wait, "
            f"STORYBOARD_RATE_LIMIT_TOTAL={limits.total:g} s in all; waited {waited:g} s). "
            f"Nothing was submitted for this node and nothing made is lost: build again after "
            f"{when} (a quota may need a plan change) and it resumes without paying twice")
