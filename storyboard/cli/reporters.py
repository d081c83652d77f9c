"""Reporters for the terminal: a rich live view, plain lines for logs, and JSON lines (--json).

JSON events, one object per line, each with "event" and "time" (seconds since start):
plan {provider, nodes: [{node, label, kind, model, status, reasons, estimate, paid_before}],
estimate} · started {node, label, kind, stage} · progress {node, label, stage, progress,
fraction} (fraction: the same number, 0..1 or null; a cut's comes from ffmpeg's progress) ·
cached {node, label, kind, output} · done {node, label, kind, status, output, cost, job, error,
elapsed} · warning {text} · summary {done, cached, failed, skipped, spent, elapsed,
interrupted, failures}.
"""

from __future__ import annotations

import json
import sys
import time
from typing import TYPE_CHECKING, Any, ClassVar, TextIO

from storyboard.cli.common import plural
from storyboard.engine import NodeResult, Plan, Reporter, Summary

if TYPE_CHECKING:  # rich is imported only when a live view is shown: it costs ~50 ms
    from rich.console import Console
    from rich.live import Live
    from rich.table import Table


class JsonReporter(Reporter):
    def __init__(self, out: TextIO | None = None) -> None:
        self.out = out or sys.stdout
        self.t0 = time.monotonic()

    def emit(self, event: str, **data: Any) -> None:
        data = {"event": event, "time": round(time.monotonic() - self.t0, 3), **data}
        self.out.write(json.dumps(data, ensure_ascii=False, default=str) + "\n")
        self.out.flush()

    def plan(self, plan: Plan) -> None:
        self.emit("plan", provider=plan.provider, nodes=[n.as_dict() for n in plan.nodes],
                  estimate=plan.estimate)

    def node_started(self, node: str, label: str, kind: str, stage: str = "running") -> None:
        self.emit("started", node=node, label=label, kind=kind, stage=stage)

    def node_cached(self, result: NodeResult) -> None:
        self.emit("cached", node=result.node, label=result.label, kind=result.kind,
                  output=result.output)

    def job_progress(self, node: str, label: str, stage: str, progress: float | None) -> None:
        self.emit("progress", node=node, label=label, stage=stage, progress=progress,
                  fraction=progress)

    def node_done(self, result: NodeResult) -> None:
        self.emit("done", **result.as_dict())

    def warning(self, text: str) -> None:
        self.emit("warning", text=text)

    def note(self, text: str) -> None:
        self.emit("note", text=text)

    def run_done(self, summary: Summary) -> None:
        self.emit("summary", **summary.as_dict())


class PlainReporter(Reporter):
    """One line per event: what a log collector can read."""

    def __init__(self, out: TextIO | None = None) -> None:
        self.out = out or sys.stderr
        self.t0 = time.monotonic()
        self.shown: dict[str, tuple[str, int]] = {}  # node -> last stage and tenth printed

    def line(self, text: str) -> None:
        self.out.write(f"[{time.monotonic() - self.t0:7.1f}s] {text}\n")
        self.out.flush()

    def plan(self, plan: Plan) -> None:
        self.line(f"plan: {plan_counts(plan)} (provider {plan.provider})")

    def node_started(self, node: str, label: str, kind: str, stage: str = "running") -> None:
        self.line(f"{label}: {stage} ({kind})")

    def node_cached(self, result: NodeResult) -> None:
        if result.kind != "frame":
            self.line(f"{result.label}: cached")

    def job_progress(self, node: str, label: str, stage: str, progress: float | None) -> None:
        # A cut reports twice a second: a log gets a line per tenth, not hundreds of them.
        tenth = int(progress * 10) if progress is not None else -1
        if self.shown.get(node) == (stage, tenth):
            return
        self.shown[node] = (stage, tenth)
        pct = f" {progress * 100:.0f}%" if progress is not None else ""
        self.line(f"{label}: {stage}{pct}")

    def node_done(self, result: NodeResult) -> None:
        extra = f" in {result.elapsed:.1f}s" if result.status == "done" else ""
        cost = f", {result.cost:g} CU" if result.cost else ""
        err = f": {result.error}" if result.error else ""
        self.line(f"{result.label}: {result.status}{extra}{cost}{err}")
        for note in result.notes:
            self.line(f"warning: {result.label}: {note}")

    def warning(self, text: str) -> None:
        self.line(f"warning: {text}")

    def note(self, text: str) -> None:
        self.line(text)

    def run_done(self, summary: Summary) -> None:
        self.out.write(summary_text(summary) + "\n")


def plan_counts(plan: Plan) -> str:
    """'12 nodes: 4 to run, 8 blocked, 0 cached': the words of docs/diagnostics.md, which the
    rows of `plan`, the live view and the build's summary use too."""
    by = {state: sum(1 for n in plan.nodes if n.status == state)
          for state in ("to run", "blocked", "cached")}
    return (f"{plural(len(plan.nodes), 'node')}: {by['to run']} to run, {by['blocked']} blocked, "
            f"{by['cached']} cached")


def summary_text(summary: Summary) -> str:
    s = summary
    text = (f"{s.count('done')} built, {s.count('cached')} cached, {s.count('failed')} failed, "
            f"{s.count('skipped')} skipped in {s.elapsed:.1f}s; spent {s.spent:g} CU")
    for r in s.failed:
        text += f"\n  failed: {r.label}: {r.error}"
    return text


class LiveReporter(Reporter):
    """A live table on a terminal: one row per node, its state and elapsed time."""

    STYLE: ClassVar[dict[str, str]] = {
        "waiting": "dim", "running": "yellow", "cached": "cyan", "done": "green",
             "failed": "bold red", "skipped": "magenta"}

    def __init__(self, console: Console | None = None) -> None:
        from rich.console import Console

        self.console = console or Console(stderr=True)
        self.rows: dict[str, list[Any]] = {}
        self.t0 = time.monotonic()
        self.live: Live | None = None
        self.spent = 0.0

    def _table(self) -> Table:
        from rich.table import Table

        t = Table(box=None, show_header=False, pad_edge=False)
        for label, state, started, detail in self.rows.values():
            elapsed = f"{time.monotonic() - started:5.1f}s" if started and state == "running" \
                else ""
            t.add_row(label, f"[{self.STYLE.get(state, '')}]{state}[/]", elapsed, detail)
        finished = sum(1 for r in self.rows.values() if r[1] in ("cached", "done", "failed",
                                                                  "skipped"))
        total = max(1, len(self.rows))
        width = 24
        filled = int(width * finished / total)
        bar = "█" * filled + "░" * (width - filled)
        t.add_row("", "", "", "")
        t.add_row(f"[bold]{bar}[/]", f"{finished}/{len(self.rows)}",
                  f"{time.monotonic() - self.t0:5.1f}s", f"spent {self.spent:g} CU")
        return t

    def _refresh(self) -> None:
        if self.live is not None:
            self.live.update(self._table())

    def plan(self, plan: Plan) -> None:
        for n in plan.nodes:  # every node, frames too: the count matches the summary's
            self.rows[n.node] = [n.label, "waiting", 0.0, ""]
        from rich.live import Live

        self.live = Live(self._table(), console=self.console, refresh_per_second=8,
                         transient=False)
        self.live.start()

    def node_started(self, node: str, label: str, kind: str, stage: str = "running") -> None:
        if node in self.rows:
            self.rows[node][1:4] = ["running", time.monotonic(), stage]
            self._refresh()

    def node_cached(self, result: NodeResult) -> None:
        if result.node in self.rows:
            self.rows[result.node][1] = "cached"
            self._refresh()

    def job_progress(self, node: str, label: str, stage: str, progress: float | None) -> None:
        if node in self.rows:
            pct = f" {progress * 100:.0f}%" if progress is not None else ""
            self.rows[node][3] = stage + pct
            self._refresh()

    def node_done(self, result: NodeResult) -> None:
        self.spent += result.cost
        if result.node in self.rows:
            row = self.rows[result.node]
            row[1] = result.status
            row[3] = result.error[:80] if result.error else (f"{result.elapsed:.1f}s")
            self._refresh()
        for note in result.notes:
            self.warning(f"{result.label}: {note}")

    def warning(self, text: str) -> None:
        self.console.print(f"[yellow]warning:[/] {text}")

    def note(self, text: str) -> None:
        self.console.print(text, style="dim", markup=False)

    def stop(self) -> None:
        """End the live table on its own line: what is printed next (the summary, or
        "interrupted" after Ctrl-C) starts on a clean line, not on the progress bar's."""
        if self.live is not None:
            self.live.stop()
            self.live = None

    def run_done(self, summary: Summary) -> None:
        self.stop()
        self.console.print(summary_text(summary))
