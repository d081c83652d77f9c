"""`Project`: what the CLI and Python users call: load, validate, plan, build, status, why, graph,
push, pull, gc, review, export and takes; each takes arguments and returns a result object.

It ties the layers together: the spec and graph say what the film is, `engine.status` says what
already exists and why the rest runs, providers and the engine make it. Every method returns
data; nothing here prints. Each command runs at most one event loop, in which the provider is
opened once and closed once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from storyboard import stamp
from storyboard.cache.gc import DEFAULT_GRACE
from storyboard.engine.events import Plan, PlannedNode, Reporter, Summary
from storyboard.engine.status import Statuses
from storyboard.engine.workspace import Workspace
from storyboard.errors import BudgetError, Problem, SpecError, UsageError
from storyboard.graph import Graph, graph_of, render_graph
from storyboard.probe import probe_assets
from storyboard.providers.base import Provider
from storyboard.providers.choose import BUILTIN_NAMES, make_provider
from storyboard.remote import Remote, Transfer, TransferReport, open_remote, resolve_url
from storyboard.remote import pull as pull_objects
from storyboard.remote import push as push_objects
from storyboard.spec import SourceMap, Storyboard, read_all, suggest

if TYPE_CHECKING:  # annotations only: their modules are imported by the methods using them
    # (asyncio, filelock, pydantic-settings, media and the runner cost every command that
    # does not run anything: validate, plan without prices, status, why, graph)
    from storyboard.cache import Reason, Record
    from storyboard.cache.gc import GcReport
    from storyboard.cache.place import Placer
    from storyboard.export import ExportResult
    from storyboard.history import ShotTakes
    from storyboard.media import Ffmpeg
    from storyboard.review import ReviewResult

LOCK_NAME = "storyboard.lock"


@dataclass(frozen=True)
class StatusLine:
    node: str
    label: str
    kind: str
    state: str  # up to date | stale
    reasons: tuple[Reason, ...]


@dataclass
class BuildResult(Summary):
    """A build's `Summary`, plus the renders it placed and what `push` uploaded."""

    renders: list[Path] = field(default_factory=list)
    pushed: TransferReport | None = None


class Project:
    def __init__(self, file: Path, board: Storyboard, smap: SourceMap, graph: Graph,
                 ws: Workspace, profile: str | None, remote: str | None = None) -> None:
        self.file = file
        self.root = file.parent
        self.board = board
        self.smap = smap
        self.graph = graph
        self.ws = ws
        self.profile = profile
        self._remote_flag = remote  # --remote, which wins over the environment and the file

    # -- loading ----------------------------------------------------------------------------
    @classmethod
    def load(cls, file: Path | str = "storyboard.yaml", *, profile: str | None = None,
             ffmpeg: Ffmpeg | None = None, warn: Callable[[str], None] = lambda _m: None,
             remote: str | None = None) -> Project:
        """Read, check and graph a storyboard; raise SpecError listing every problem."""
        path = Path(file) / "storyboard.yaml" if Path(file).is_dir() else Path(file)
        root = path.parent if str(path.parent) else Path(".")
        # every problem at once: the models', then the graph's (an unchanged file's YAML is
        # read from the memo in .storyboard/, kept there once the folder exists)
        parsed = read_all(path, root / ".storyboard")
        board = parsed.usable()
        ws = Workspace.open(root, root / LOCK_NAME, ffmpeg, warn)
        facts = probe_assets(board, parsed.smap, root, ws.stat, lambda: ws.ffmpeg)
        graph = graph_of(parsed, root, profile=profile, facts=facts)
        return cls(path, board, parsed.smap, graph, ws, profile, remote)

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
                    code="unknown-target",
                    hint=suggest(name, known) or f"targets: {', '.join(known)}",
                )])
        return out

    def order(self, targets: list[str]) -> list[str]:
        needed = self.graph.upstream(targets)
        return [n for n in self.graph.order() if n in needed]

    def provider_name(self, override: str | None) -> str:
        """What chooses the provider: --provider, else `provider:` in the file, else preview."""
        return override or self.board.provider or "preview"

    def make_provider(self, name: str) -> Provider:
        return make_provider(name, self.root, self.ws, self)

    def _keyed_by(self, choice: str, given: Provider | None) -> tuple[str, Provider | None]:
        """The name outputs are keyed by (`Provider.name`), and the provider if making it was
        the only way to know (a plugin); built-ins are not made, so offline commands stay
        offline and need no credentials."""
        if given is not None:
            return given.name, given
        if choice in BUILTIN_NAMES:
            return BUILTIN_NAMES[choice], None
        made = self.make_provider(choice)
        return made.name, made

    # -- plan -------------------------------------------------------------------------------
    def plan(self, targets: list[str] | tuple[str, ...] = (), provider: str | None = None,
             *, estimate: bool = True, provider_obj: Provider | None = None,
             say: Callable[[str], None] | None = None) -> Plan:
        """Every node the targets need: cached, to run or blocked, why, and what it costs;
        `say` hears what takes time (pricing: uploads, dry runs) before it starts."""
        choice = self.provider_name(provider)
        key_name, made = self._keyed_by(choice, provider_obj)
        plan, digests = self._plan(targets, choice, Statuses(self.graph, self.ws, key_name))
        if not estimate or not any(r.status != "cached" and r.estimate is None
                                   for r in plan.nodes):
            return plan
        import asyncio

        from storyboard.engine.pricing import priced

        prov = made or self.make_provider(choice)
        return asyncio.run(priced(plan, prov, self.graph, self.root, self.ws.store, digests,
                                  own=provider_obj is None, say=say))

    def _plan(self, targets: list[str] | tuple[str, ...], choice: str, statuses: Statuses
              ) -> tuple[Plan, dict[str, str]]:
        """The plan's rows from `statuses`, and the digests known so far (assets, cached)."""
        digests: dict[str, str] = {}
        rows: list[PlannedNode] = []
        for node_id in self.order(self.target_ids(targets)):
            node = self.graph.nodes[node_id]
            if node.kind == "asset":
                assert node.path is not None
                digests[node_id] = self.ws.stat.digest(self.root / node.path)
                continue
            st = statuses.of(node_id, digests)
            if st.output is not None:
                digests[node_id] = st.output
            rows.append(PlannedNode(
                node=node_id, label=node.label, kind=node.kind, model=node.model_id,
                provider=choice if node.runs_model else "local", status=st.state,
                reasons=st.reasons, key=st.key, estimate=None if node.runs_model else 0.0,
                paid_before=st.record.cost if st.record else 0.0,
            ))
        self.ws.stat.save()
        return Plan(tuple(rows), choice), digests

    # -- build ------------------------------------------------------------------------------
    def build(self, targets: list[str] | tuple[str, ...] = (), *, provider: str | None = None,
              jobs: int = 4, fail_fast: bool = False, max_cost: float | None = None,
              reporter: Reporter | None = None, provider_obj: Provider | None = None,
              wait: bool = False, push: bool = False, burn_in: bool = False,
              progress: Callable[[Transfer], None] | None = None) -> BuildResult:
        """Run what the plan says, then render the cuts. Failures are in the result.
        `burn_in` also writes a review copy of each cut built (see review/burnin.py).

        With a remote configured, outputs missing here are fetched from it before anything
        runs; `push` then uploads what this build made (the report is `result.pushed`).
        """
        import asyncio

        reporter = reporter or Reporter()
        remote = self.open_remote() if push or self.remote_url() else None
        if remote is not None:
            remote.check(create=push)  # unreachable: say so before anything runs or is paid
        with self.ws.build_lock(wait, "build"):
            self.ws.store.clean_tmp()
            self.ws.remote = remote
            choice = self.provider_name(provider)
            prov = provider_obj or self.make_provider(choice)
            summary = asyncio.run(self._build(targets, choice, prov, reporter, jobs=jobs,
                                              fail_fast=fail_fast, max_cost=max_cost))
            result = BuildResult(summary.results, summary.elapsed, summary.interrupted,
                                 renders=self._renders(summary))
            if burn_in:  # beside the cuts, which stay clean
                from storyboard.review.burnin import review_copies

                ok = {r.node for r in summary.results if r.status in ("done", "cached")}
                result.renders += review_copies(self, ok)
            if push and remote is not None:
                made = [r.output for r in summary.results if r.status == "done" and r.output]
                result.pushed = push_objects(self.ws.store, remote, made, progress=progress)
            if provider_obj is None and all(r.status in ("done", "cached")
                                            for r in summary.results):
                self._write_stamp(targets, provider, summary)
            return result

    async def _build(self, targets: list[str] | tuple[str, ...], choice: str, prov: Provider,
                     reporter: Reporter, *, jobs: int, fail_fast: bool,
                     max_cost: float | None) -> Summary:
        """Plan, price, check the budget and run, in one event loop with the provider open."""
        from storyboard.engine.pricing import priced
        from storyboard.engine.runner import Engine
        from storyboard.settings import Settings
        from storyboard.team import coordinator

        await prov.open()
        try:  # with a remote, the team's records come first: what they made is cached here
            team = coordinator(self.ws.remote, self.ws.store, self.ws.index, prov, reporter)
            statuses = Statuses(self.graph, self.ws, prov.name)
            plan, digests = self._plan(targets, choice, statuses)
            if prov.paid:
                plan = await priced(plan, prov, self.graph, self.root, self.ws.store, digests,
                                    say=reporter.note)  # seconds of uploads: say so first
            reporter.plan(plan)
            if max_cost is not None and plan.estimate > max_cost:
                raise BudgetError(f"the plan is estimated at {plan.estimate:g} credits, above "
                                  f"--max-cost {max_cost:g}; nothing was submitted (raise "
                                  "--max-cost, or build fewer targets)")
            engine = Engine(self.ws, self.graph, prov, reporter, jobs=jobs, fail_fast=fail_fast,
                            max_cost=max_cost if prov.paid else None, statuses=statuses,
                            knobs=Settings.load(self.root), coordinator=team)
            stamp.clear(self.ws.work)
            return await engine.run(self._assets(targets) + [r.node for r in plan.nodes])
        finally:
            await prov.close()

    def _assets(self, targets: list[str] | tuple[str, ...]) -> list[str]:
        return [n for n in self.order(self.target_ids(targets))
                if self.graph.nodes[n].kind == "asset"]

    def _renders(self, summary: Summary) -> list[Path]:
        """The cut files this build placed (built or cached)."""
        ok = {r.node for r in summary.results if r.status in ("done", "cached")}
        return [self.root / n.cut.output for n in self.graph.cuts()
                if n.id in ok and n.cut is not None]

    def _write_stamp(self, targets: list[str] | tuple[str, ...], provider: str | None,
                     summary: Summary) -> None:
        """Remember what this fully successful build read and wrote (see `storyboard.stamp`)."""
        from storyboard import __version__

        watched = [self.file, self.ws.lock.path]
        watched += [self.root / p for a in self._assets(targets)
                    if (p := self.graph.nodes[a].path)]
        watched += [self.ws.store.path(r.output) for r in summary.results if r.output]
        renders = [c.cut.output for c in self.graph.cuts()
                   if c.cut is not None and any(r.node == c.id for r in summary.results)]
        watched += [self.root / r for r in renders]
        key = stamp.options_key(self.file, self.profile, provider, targets, __version__)
        stamp.write(self.ws.work, key, self.file, watched, {"cached": len(summary.results)},
                    renders)

    # -- status and why ---------------------------------------------------------------------
    def status(self, targets: list[str] | tuple[str, ...] = (),
               provider: str | None = None) -> list[StatusLine]:
        plan = self.plan(targets, provider, estimate=False)
        return [StatusLine(r.node, r.label, r.kind,
                           "up to date" if r.status == "cached" else "stale", r.reasons)
                for r in plan.nodes]

    def why(self, name: str, provider: str | None = None) -> PlannedNode:
        """The reasons shot (or cut) NAME would run, field by field."""
        if name in self.board.shots:
            node_id = self.graph.shot_node(name)
        elif name in self.board.cuts:
            node_id = f"cut:{name}"
        else:
            raise SpecError([Problem(
                f"no shot or cut named '{name}'", file=str(self.file), code="unknown-target",
                hint=suggest(name, [*self.board.shots, *self.board.cuts])
                or "run `storyboard plan` to list them",
            )])
        plan = self.plan([name], provider, estimate=False)
        return next(r for r in plan.nodes if r.node == node_id)

    def graph_text(self, fmt: str = "mermaid") -> str:
        return render_graph(self.graph, fmt)  # type: ignore[arg-type]

    # -- remote cache, gc -------------------------------------------------------------------
    def remote_url(self) -> str | None:
        """--remote, else STORYBOARD_REMOTE, else `remote:` in the file (None: no remote)."""
        from storyboard.settings import Settings

        return resolve_url(self._remote_flag, Settings.load(self.root).remote,
                           self.board.remote, self.root)

    def open_remote(self) -> Remote:
        url = self.remote_url()
        if url is None:
            raise UsageError("no remote cache is configured: add `remote: URL` to "
                              f"{self.file.name}, set STORYBOARD_REMOTE, or pass --remote URL "
                              "(a folder or s3://bucket/prefix)")
        from storyboard.settings import s3_from_env_file as s3_env
        return open_remote(url, self.ws.store.warn, s3_env(self.root))

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

    def gc(self, *, dry_run: bool = False, grace: float = DEFAULT_GRACE) -> GcReport:
        """Remove (with `dry_run` only list) cache objects nothing names and orphan temps."""
        from storyboard.cache.gc import collect, named_objects

        ws = self.ws
        journal = (e.output for e in ws.journal.entries() if e.output)
        named = named_objects(ws.lock, ws.index, journal)
        if dry_run:  # deletes nothing: no need to wait for a build
            return collect(ws.store, named, ws.work, ws.lock.path, dry_run=True, grace=grace)
        with ws.build_lock(False, "gc"):  # a running build's temps and new objects are its own
            return collect(ws.store, named, ws.work, ws.lock.path, grace=grace)

    # -- hand-off ---------------------------------------------------------------------------
    def review(self, output: Path | None = None, *, contact_sheet: bool = False
               ) -> ReviewResult:
        """Write the static review page (default renders/review/); runs nothing."""
        from storyboard.review.site import CONTACT_SHEET, ReviewResult, write_review

        page = write_review(self, output or self.root / "renders" / "review", contact_sheet)
        sheet = page.parent / CONTACT_SHEET
        return ReviewResult(page, sheet if contact_sheet and sheet.is_file() else None)

    def export(self, cut: str, *, fmt: str | None = None, output: Path | None = None,
               absolute_paths: bool = False) -> ExportResult:
        """Write CUT for an editing application from the outputs built last; runs nothing
        (formats, defaults and where media go: `storyboard.export.export_cut`)."""
        from storyboard.export import export_cut

        return export_cut(self, cut, output, fmt, absolute_paths=absolute_paths)

    def takes(self, shot: str, provider: str | None = None) -> ShotTakes:
        """Every take of SHOT the lock and the cache know (see `storyboard.history`)."""
        from storyboard.history import shot_takes

        return shot_takes(self, shot, provider)

    # -- what review and export read of the builds (they never open the workspace) --------
    def built(self, node_id: str) -> Record | None:
        """The lock's record of `node_id` when its output is in the local cache, else None."""
        rec = self.ws.lock.nodes.get(node_id)
        return rec if rec is not None and self.ws.store.has(rec.output) else None

    def file_digest(self, path: Path) -> str:
        """A file's content digest (hashed once per change, through the stat cache)."""
        return self.ws.stat.digest(path)

    @property
    def ffmpeg(self) -> Ffmpeg:
        return self.ws.ffmpeg

    def placer(self, folder: Path) -> Placer:
        """Places cache objects and files under `folder`, beside a hand-off file."""
        from storyboard.cache.place import Placer

        return Placer(self.ws.store, folder)

    def work_dir(self, name: str = "") -> Path:
        """`.storyboard/` (NAME in it): derived files (thumbnails), scratch beside the cache."""
        return self.ws.work / name
