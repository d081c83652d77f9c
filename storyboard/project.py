"""`Project`: what the CLI and Python users call: load, validate, plan, build, status, why, graph.

It ties the layers together: the spec and graph say what the film is, the cache says what
already exists, providers and the engine make the rest. Every method returns data; nothing
here prints.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import filelock

from storyboard import stamp
from storyboard.cache import Reason, why_stale
from storyboard.engine import Engine, Plan, PlannedNode, Reporter, Summary, Workspace
from storyboard.engine.events import PlanStatus
from storyboard.engine.runner import node_request_key
from storyboard.errors import (
    BudgetError,
    BusyError,
    MediaError,
    Problem,
    ProjectError,
    RemoteError,
    SpecError,
)
from storyboard.graph import AssetFacts, Graph, build_graph, media_kind_of, render_graph
from storyboard.media import Ffmpeg
from storyboard.providers.base import InputFile, Provider, Request
from storyboard.remote import (
    Remote,
    Transfer,
    TransferReport,
    open_remote,
    resolve_url,
)
from storyboard.remote import pull as pull_objects
from storyboard.remote import push as push_objects
from storyboard.settings import Settings
from storyboard.spec import SourceMap, Storyboard, read, suggest

LOCK_NAME = "storyboard.lock"


@dataclass(frozen=True)
class StatusLine:
    node: str
    label: str
    kind: str
    state: str  # up to date | stale | waiting
    reasons: tuple[Reason, ...]


class Project:
    def __init__(self, file: Path, board: Storyboard, smap: SourceMap, graph: Graph,
                 ws: Workspace, profile: str | None) -> None:
        self.file = file
        self.root = file.parent
        self.board = board
        self.smap = smap
        self.graph = graph
        self.ws = ws
        self.profile = profile
        self.remote_option: str | None = None  # --remote; see `remote_url`
        self.pushed: TransferReport | None = None  # what `build(push=True)` uploaded

    # -- loading ----------------------------------------------------------------------------
    @classmethod
    def load(cls, file: Path | str = "storyboard.yaml", *, profile: str | None = None,
             ffmpeg: Ffmpeg | None = None, warn: Callable[[str], None] = lambda _m: None,
             remote: str | None = None) -> Project:
        """Read, check and graph a storyboard; raise SpecError listing every problem."""
        path = Path(file)
        if path.is_dir():
            path = path / "storyboard.yaml"
        board, smap, _raw = read(path)
        root = path.parent if str(path.parent) else Path(".")
        ws = Workspace.open(root, root / LOCK_NAME, ffmpeg, warn)
        facts = _probe_assets(board, smap, root, ws)
        graph = build_graph(board, smap, root, profile=profile, facts=facts)
        project = cls(path, board, smap, graph, ws, profile)
        project.remote_option = remote
        return project

    # -- targets and providers --------------------------------------------------------------
    def target_ids(self, names: list[str] | tuple[str, ...] = ()) -> list[str]:
        if not names:
            cuts = [n.id for n in self.graph.cuts()]
            if cuts:
                return cuts
            return [i for s in self.board.shots if (i := self.graph.shot_node(s))]
        out = []
        for name in names:
            if name in self.board.cuts:
                out.append(f"cut:{name}")
            elif name in self.board.shots and (i := self.graph.shot_node(name)):
                out.append(i)
            else:
                known = list(self.board.cuts) + list(self.board.shots)
                raise SpecError([Problem(
                    f"'{name}' is neither a shot nor a cut", file=str(self.file),
                    hint=suggest(name, known) or f"targets: {', '.join(known)}",
                )])
        return out

    def order(self, targets: list[str]) -> list[str]:
        needed = self.graph.upstream(targets)
        return [n for n in self.graph.order() if n in needed]

    def provider_name(self, override: str | None) -> str:
        return override or self.board.provider or "preview"

    def make_provider(self, name: str) -> Provider:
        if name == "preview":
            from storyboard.providers.preview import PreviewProvider

            return PreviewProvider(self.ws.ffmpeg, self.ws.work / "tmp")
        if name == "scenario":
            try:
                from storyboard.providers.scenario import ScenarioProvider
            except ImportError:
                raise ProjectError("the scenario provider is not available in this build; "
                                   "use --provider preview") from None
            return ScenarioProvider.from_settings(self.root, self.ws)
        if ":" in name:
            return _provider_plugin(name, self)
        raise ProjectError(f"unknown provider '{name}' (providers: preview, scenario, or "
                           "package.module:factory for a provider of your own)")

    # -- plan -------------------------------------------------------------------------------
    def plan(self, targets: list[str] | tuple[str, ...] = (), provider: str | None = None,
             *, estimate: bool = True, provider_obj: Provider | None = None) -> Plan:
        """Every node the targets need: cached, to run or blocked, why, and what it costs."""
        pname = self.provider_name(provider)
        order = self.order(self.target_ids(targets))
        digests: dict[str, str] = {}
        rows: list[PlannedNode] = []
        pending: dict[str, PlannedNode] = {}
        for node_id in order:
            node = self.graph.nodes[node_id]
            if node.kind == "asset":
                assert node.path is not None
                digests[node_id] = self.ws.stat.digest(self.root / node.path)
                continue
            ready = all(i in digests for i in node.inputs)
            key = node_request_key(node, pname, digests) if ready else None
            rec = self.ws.lookup(key) if key else None
            if rec is not None:
                digests[node_id] = rec.output
            status: PlanStatus = "cached" if rec else ("to run" if ready else "blocked")
            reasons = why_stale(
                key=key, cached=rec is not None, previous=self.ws.lock.nodes.get(node_id),
                provider=pname if node.runs_model else "local", fields=dict(node.fields),
                take=node.take, inputs={i: digests.get(i) for i in node.inputs},
                labels={i: self.graph.nodes[i].label for i in node.inputs},
            )
            row = PlannedNode(
                node=node_id, label=node.label, kind=node.kind, model=node.model_id,
                provider=pname if node.runs_model else "local", status=status,
                reasons=tuple(reasons), key=key, estimate=0.0 if not node.runs_model else None,
                paid_before=rec.cost if rec else 0.0,
            )
            rows.append(row)
            pending[node_id] = row
        plan = Plan(tuple(rows), pname)
        self.ws.stat.save()
        if estimate and any(r.status != "cached" and r.estimate is None for r in rows):
            prov = provider_obj or self.make_provider(pname)
            plan = asyncio.run(self._estimate(plan, prov, digests, own=provider_obj is None))
        return plan

    async def _estimate(self, plan: Plan, prov: Provider, digests: dict[str, str],
                        own: bool) -> Plan:
        # Dry runs are independent reads: a few at a time keeps planning short for big films.
        slots = asyncio.Semaphore(8)

        async def price(row: PlannedNode) -> PlannedNode:
            if row.status == "cached" or row.estimate is not None:
                return row
            node = self.graph.nodes[row.node]
            inputs = {i: InputFile(i, self._input_path(i, digests), digests.get(i, ""),
                                   self.graph.nodes[i].media or "video")
                      for i in node.inputs}
            async with slots:
                cost = await prov.estimate(Request(node, row.key or "", node.body, inputs))
            return _with(row, estimate=cost)

        try:
            rows = await asyncio.gather(*(price(r) for r in plan.nodes))
        finally:
            if own:
                await prov.close()
        return Plan(tuple(rows), plan.provider)

    def _input_path(self, node_id: str, digests: dict[str, str]) -> Path:
        n = self.graph.nodes[node_id]
        if n.kind == "asset" and n.path:
            return self.root / n.path
        return self.ws.store.path(digests[node_id]) if node_id in digests else Path()

    # -- build ------------------------------------------------------------------------------
    def build(self, targets: list[str] | tuple[str, ...] = (), *, provider: str | None = None,
              jobs: int = 4, fail_fast: bool = False, max_cost: float | None = None,
              reporter: Reporter | None = None, provider_obj: Provider | None = None,
              wait: bool = False, push: bool = False,
              progress: Callable[[Transfer], None] | None = None) -> Summary:
        """Run what the plan says, then render the cuts. Failures are in the summary.

        With a remote configured, outputs missing here are fetched from it before anything
        runs; `push` then uploads what this build made (the report is in `self.pushed`).
        """
        reporter = reporter or Reporter()
        remote = self.open_remote() if push or self.remote_url() else None
        if remote is not None:
            remote.check(create=push)  # unreachable: say so before anything runs or is paid
        self.ws.work.mkdir(parents=True, exist_ok=True)
        lock = filelock.FileLock(str(self.ws.work / "build.lock"), timeout=-1 if wait else 0)
        try:
            lock.acquire()
        except filelock.Timeout:
            raise BusyError(
                f"another storyboard build is running in {self.root.resolve()}; wait for it to "
                "finish (or run `storyboard build --wait`)") from None
        try:
            self.ws.store.clean_tmp()
            self.ws.remote = remote
            pname = self.provider_name(provider)
            prov = provider_obj or self.make_provider(pname)
            plan = self.plan(targets, pname, estimate=prov.paid, provider_obj=prov)
            reporter.plan(plan)
            if max_cost is not None and plan.estimate > max_cost:
                raise BudgetError(
                    f"the plan is estimated at {plan.estimate:g} credits, above --max-cost "
                    f"{max_cost:g}; nothing was submitted (raise --max-cost, or build fewer "
                    "targets)")
            engine = Engine(self.ws, self.graph, prov, reporter, jobs=jobs, fail_fast=fail_fast,
                            max_cost=max_cost if prov.paid else None)
            order = [r.node for r in plan.nodes]
            assets = [n for n in self.order(self.target_ids(targets))
                      if self.graph.nodes[n].kind == "asset"]
            stamp.clear(self.ws.work)
            summary = asyncio.run(engine.run(assets + order))
            if push and remote is not None:
                made = [r.output for r in summary.results if r.status == "done" and r.output]
                self.pushed = push_objects(self.ws.store, remote, made, progress=progress)
            if provider_obj is None and all(r.status in ("done", "cached")
                                            for r in summary.results):
                self._write_stamp(targets, provider, assets, summary)
            return summary
        finally:
            self.ws.remote = None
            self.ws.stat.save()
            lock.release()

    def _write_stamp(self, targets: list[str] | tuple[str, ...], provider: str | None,
                     assets: list[str], summary: Summary) -> None:
        """Remember what this fully successful build read and wrote (see `storyboard.stamp`)."""
        from storyboard import __version__

        watched = [self.file, self.ws.lock.path]
        watched += [self.root / p for a in assets if (p := self.graph.nodes[a].path)]
        watched += [self.ws.store.path(r.output) for r in summary.results if r.output]
        renders = [c.cut.output for c in self.graph.cuts()
                   if c.cut is not None and any(r.node == c.id for r in summary.results)]
        watched += [self.root / r for r in renders]
        key = stamp.options_key(self.file, self.profile, provider, targets, __version__)
        stamp.write(self.ws.work, key, self.file, watched, {"cached": len(summary.results)},
                    renders)

    # -- remote cache -----------------------------------------------------------------------
    def remote_url(self) -> str | None:
        """--remote, else STORYBOARD_REMOTE, else `remote:` in the file (None: no remote)."""
        return resolve_url(self.remote_option, Settings.load(self.root).remote,
                           self.board.remote, self.root)

    def open_remote(self) -> Remote:
        url = self.remote_url()
        if url is None:
            raise RemoteError("no remote cache is configured: add `remote: URL` to "
                              f"{self.file.name}, set STORYBOARD_REMOTE, or pass --remote URL "
                              "(a folder or s3://bucket/prefix)")
        return open_remote(url, warn=self.ws.store.warn)

    def push(self, *, jobs: int = 8, force: bool = False,
             progress: Callable[[Transfer], None] | None = None) -> TransferReport:
        """Upload every object the lock names (current nodes and history) that the remote lacks."""
        return push_objects(self.ws.store, self.open_remote(), self.ws.lock.outputs(),
                            jobs=jobs, force=force, progress=progress)

    def pull(self, *, jobs: int = 8, progress: Callable[[Transfer], None] | None = None
             ) -> TransferReport:
        """Fetch every object the lock names that is missing here, verified by digest."""
        return pull_objects(self.ws.store, self.open_remote(), self.ws.lock.outputs(),
                            jobs=jobs, progress=progress)

    # -- status and why ---------------------------------------------------------------------
    def status(self, targets: list[str] | tuple[str, ...] = (),
               provider: str | None = None) -> list[StatusLine]:
        plan = self.plan(targets, provider, estimate=False)
        out = []
        for row in plan.nodes:
            state = {"cached": "up to date", "to run": "stale", "blocked": "stale"}[row.status]
            out.append(StatusLine(row.node, row.label, row.kind, state, row.reasons))
        return out

    def why(self, shot: str, provider: str | None = None) -> PlannedNode:
        if shot not in self.board.shots:
            raise SpecError([Problem(
                f"no shot named '{shot}'", file=str(self.file),
                hint=suggest(shot, list(self.board.shots)) or "run `storyboard plan` to list them",
            )])
        node_id = self.graph.shot_node(shot)
        assert node_id is not None
        plan = self.plan([shot], provider, estimate=False)
        return next(r for r in plan.nodes if r.node == node_id)

    def graph_text(self, fmt: str = "mermaid") -> str:
        return render_graph(self.graph, fmt)  # type: ignore[arg-type]


def _provider_plugin(spec: str, project: Project) -> Provider:
    """`package.module:factory`: a provider of the user's own (the factory gets the project)."""
    import importlib

    module_name, _, attr = spec.partition(":")
    try:
        factory = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as exc:
        raise ProjectError(f"cannot load provider '{spec}': {exc} (check the module path and "
                           "that it is importable)") from None
    provider = factory(project)
    if not isinstance(provider, Provider):
        raise ProjectError(
            f"provider '{spec}' gave a {type(provider).__name__}, which is not a provider: it "
            "needs name, paid, poll_interval, open, close, estimate, submit, poll, fetch, claim, "
            "find_job and take_notices (subclass storyboard.providers.BaseProvider for the "
            "defaults)")
    return provider


def _with(row: PlannedNode, **changes: Any) -> PlannedNode:
    from dataclasses import replace

    return replace(row, **changes)


def _probe_assets(board: Storyboard, smap: SourceMap, root: Path, ws: Workspace
                  ) -> dict[str, AssetFacts]:
    """Probe video and audio assets (cached by content digest) so limits can be checked."""
    facts: dict[str, AssetFacts] = {}
    problems: list[Problem] = []
    for name, rel in board.assets.items():
        kind = media_kind_of(rel)
        path = root / rel
        if kind is None or not path.is_file() or Path(rel).is_absolute():
            continue  # the graph reports these
        try:
            if not path.resolve().is_relative_to(root.resolve()):
                continue
            digest = ws.stat.digest(path)
        except OSError:
            continue
        cached = ws.stat.facts.get(digest)
        if cached is None:
            try:
                info = ws.ffmpeg.probe(path)
            except MediaError as exc:
                first = str(exc).splitlines()[0]
                problems.append(smap.problem(
                    ("assets", name), f"'{rel}' cannot be read as {kind}: {first}",
                    where=f"asset '{name}'", hint="re-export the file, or point to another one",
                ))
                continue
            empty = (kind in ("image", "video") and not (info.width and info.height)) or (
                kind in ("video", "audio") and not info.duration)
            if empty:
                problems.append(smap.problem(
                    ("assets", name), f"'{rel}' holds no readable {kind} (ffprobe finds no "
                    "frames or no duration)", where=f"asset '{name}'",
                    hint="re-export the file, or point to another one",
                ))
                continue
            if info.kind != kind:
                problems.append(smap.problem(
                    ("assets", name), f"'{rel}' is named like an {kind} but holds {info.kind}",
                    where=f"asset '{name}'", hint="fix the file or its extension",
                ))
                continue
            cached = {"kind": info.kind, "duration": info.duration, "width": info.width,
                      "height": info.height, "size": info.size_bytes}
            ws.stat.facts[digest] = cached
            ws.stat.dirty = True
        facts[name] = AssetFacts(cached["kind"], cached.get("duration"), cached.get("width"),
                                 cached.get("height"), cached.get("size"))
    ws.stat.save()
    if problems:
        raise SpecError(problems)
    return facts
