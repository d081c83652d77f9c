"""Scaling: 200 / 1,000 / 5,000 shots built with the stand-in provider (bench/nullprovider.py,
renders nothing), so every figure is storyboard's own cost. Each figure is one
`python -m storyboard ...` child process, timed and measured by the kernel (os.wait4), next
to the import floor and to DVC's no-op `dvc repro` on an equivalent pipeline, in the same run.

- full build: wall, CPU (user + system) per node, peak memory: the orchestration overhead;
  beside it, what creating the stand-in's job files costs a plain child (for information: the
  goal is judged on the build's whole CPU). Each build runs in a fresh project folder.
- no-op build: `storyboard build` again with nothing changed (the stamp answers)
- validate, plan (after the build: every node's key looked up): beyond the import floor

Run: python bench/scaling.py [--sizes 200,1000,5000] [--dvc-sizes 200]
(DVC comes from bench/peers.py; without it the DVC column says missing.)
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import Run, best_runs, floor, load, run, verdict
from nullprovider import make_project
from peers import peer

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
GOAL_CPU_MS = 2.0  # per node, full build, at 5,000
GOAL_BEYOND = 1.0  # validate / plan beyond the floor, at 5,000
GOAL_NOOP = 0.1  # no-op build at 5,000


def env() -> dict[str, str]:
    e = dict(os.environ)
    e["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(HERE), e.get("PYTHONPATH", "")])
    e["SOURCE_DATE_EPOCH"] = "1700000000"
    return e


def sb(*args: str) -> list[str]:
    return [sys.executable, "-m", "storyboard", *args]


# The stand-in's own work, alone: a plain child that creates and writes N files of the same
# size as its job files, one by one, as `NullProvider.fetch` does. It prints the CPU (user +
# system) the loop took, from os.times(), without the interpreter's start.
CREATE_FILES = """
import os, sys
from pathlib import Path
folder, n = Path(sys.argv[1]), int(sys.argv[2])
folder.mkdir()
t = os.times()
for i in range(n):
    (folder / f"job-{i:016x}.bin").write_bytes(b"k" * 64)
u = os.times()
print(u.user - t.user + u.system - t.system)
"""


def measure(n: int, work: Path) -> dict[str, Run]:
    e = env()
    out: dict[str, Run] = {}
    reps = 3 if n <= 1000 else 1
    # Each build in a project folder of its own, the folders deleted when the run ends, not
    # between builds: this machine's ext4 has no journal, and without one the kernel skips, at
    # every file it creates, each inode freed in the last minute (5 while its inode table is
    # not yet written back: ext4's recently_deleted()). Deleting the previous build's ~10,000
    # files right before a build charged it seconds of system time that belong to the
    # benchmark's `rm`, not to the build.
    roots = [work / f"p{n}-{i}" for i in range(reps)]
    f = make_project(roots[0], n)
    out["validate"] = best_runs(sb("validate", "-f", str(f)), reps, cwd=str(roots[0]), env=e)
    out["files"] = run([sys.executable, "-c", CREATE_FILES, str(work / f"files{n}"), str(n)])
    builds = []
    for root in roots:
        f = make_project(root, n)
        builds.append(run(sb("build", "-f", str(f), "--provider", "nullprovider:make"),
                          cwd=str(root), env=e))
    median = sorted(range(reps), key=lambda i: builds[i].wall)[reps // 2]
    out["build"], root = builds[median], roots[median]
    f, cwd = root / "storyboard.yaml", str(root)
    out["noop"] = best_runs(sb("build", "-f", str(f), "--provider", "nullprovider:make"), 5,
                            cwd=cwd, env=e)
    out["plan"] = best_runs(sb("plan", "-f", str(f), "--provider", "nullprovider:make"), reps,
                            cwd=cwd, env=e)
    return out


def dvc_noop(n: int, work: Path) -> float | None:
    """`dvc repro` with nothing changed, on a pipeline shaped like the stand-in project: n
    stages in runs of ten, each but the first of a run depending on the one before."""
    dvc = peer("dvc")
    if dvc is None:
        return None
    root = work / f"dvc{n}"
    root.mkdir()
    lines = ["stages:"]
    for i in range(n):
        lines += [f"  s{i}:", f"    cmd: echo {i} > s{i}.txt", "    outs:", f"      - s{i}.txt"]
        if i % 10:
            lines += ["    deps:", f"      - s{i - 1}.txt"]
    (root / "dvc.yaml").write_text("\n".join(lines) + "\n", "utf-8")
    quiet = {**os.environ, "DVC_NO_ANALYTICS": "1"}
    run([str(dvc), "init", "--no-scm", "-q"], cwd=str(root), env=quiet)
    run([str(dvc), "repro", "-q"], cwd=str(root), env=quiet)
    return best_runs([str(dvc), "repro", "-q"], 3, cwd=str(root), env=quiet).wall


def _beyond(r: Run, base: Run) -> str:
    """Wall and CPU, each with how far above the floor's."""
    return (f"{r.wall:.2f} s wall ({r.wall - base.wall:+.2f}), {r.cpu:.2f} s CPU "
            f"({r.cpu - base.cpu:+.2f})")


def _files_cpu(r: Run) -> float:
    return float(r.out.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="200,1000,5000")
    parser.add_argument("--dvc-sizes", default="200")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    dvc_sizes = {int(s) for s in args.dvc_sizes.split(",") if s}
    print(f"measured with {load()}")
    base = floor()
    print(f"import floor (python -c \"{'import pydantic, networkx, httpx, click, yaml'}\"): "
          f"{base.wall:.3f} s wall, {base.cpu:.3f} s CPU, {base.peak_mb:.0f} MB\n")
    rows = {}
    with tempfile.TemporaryDirectory(prefix="storyboard-scale-") as tmp:
        for n in sizes:
            rows[n] = measure(n, Path(tmp))
            dvc = dvc_noop(n, Path(tmp)) if n in dvc_sizes else None
            r = rows[n]
            dvc_text = (f"{dvc:.2f} s" if dvc is not None else
                        ("missing (python bench/peers.py)" if n in dvc_sizes else "not run"))
            rows[n]["dvc"] = dvc_text  # type: ignore[assignment]
            print(f"{n} shots measured", file=sys.stderr)
    head = ("| shots | full build: wall | CPU | CPU per node | of which the stand-in's files "
            "(plain child) | CPU per node beyond them | peak memory | no-op build | "
            "DVC no-op `dvc repro` | validate (beyond floor) | plan (beyond floor) |")
    print(head)
    print("|---" * 11 + "|")
    for n, r in rows.items():
        b, files = r["build"], _files_cpu(r["files"])
        print(f"| {n:,} | {b.wall:.2f} s | {b.cpu:.2f} s | {b.cpu / n * 1000:.2f} ms | "
              f"{files:.2f} s | {(b.cpu - files) / n * 1000:.2f} ms | "
              f"{b.peak_mb:.0f} MB | {r['noop'].wall:.3f} s | {r['dvc']} | "
              f"{_beyond(r['validate'], base)} | {_beyond(r['plan'], base)} |")
    big = max(rows)
    r = rows[big]
    per_node = r["build"].cpu / big * 1000
    print()
    print(f"goal: full-build CPU <= {GOAL_CPU_MS:g} ms per node at {big:,}, judged on the whole "
          f"command's CPU (the stand-in's file writing included): {per_node:.2f} ms "
          f"-> {verdict(per_node <= GOAL_CPU_MS)}")
    for name in ("validate", "plan"):
        beyond, cpu = r[name].wall - base.wall, r[name].cpu - base.cpu
        print(f"goal: {name} {big:,} shots <= {GOAL_BEYOND:g} s beyond the import floor: "
              f"wall {beyond:.2f} s -> {verdict(beyond <= GOAL_BEYOND)}; CPU {cpu:.2f} s -> "
              f"{verdict(cpu <= GOAL_BEYOND)}")
    print(f"goal: no-op build <= {GOAL_NOOP:g} s at {big:,}: {r['noop'].wall:.3f} s -> "
          f"{verdict(r['noop'].wall <= GOAL_NOOP)}")
    growth = [rows[n]["build"].cpu / n for n in rows]
    if len(growth) > 1:
        print(f"CPU per node from {min(rows):,} to {big:,} shots: x{growth[-1] / growth[0]:.2f} "
              "(1.0 is linear)")
    print("(the stand-in's files: the CPU a plain child takes to create and write as many "
          "64-byte files one by one, as the stand-in's fetch does, measured in the same run; "
          "beyond them is the build's CPU minus that, for information only)")
    print("(CPU is user + system of the command and its children, from the kernel: on a busy "
          "machine wall time waits for the cores, CPU time does not)")
    print("(median of 3 runs below 5,000 (no-op: 5), one run at "
          "5,000; validate and plan wall minus the floor's wall)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
