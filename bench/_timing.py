"""Shared timing helpers for the benchmarks: best-of-N wall time of a command or a callable."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from collections.abc import Callable


def time_command(argv: list[str], repeat: int = 5) -> float:
    """Median wall time of a subprocess, in seconds."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run(argv, check=True, capture_output=True, env=child_env(None))
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def time_call(fn: Callable[[], object], repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def import_time() -> float:
    """`python -c "import storyboard"`: the baseline every CLI command pays."""
    return time_command([sys.executable, "-c", "import storyboard"])


def report(name: str, value: float, baseline_name: str, baseline: float, goal: str) -> str:
    ratio = value / baseline if baseline else float("inf")
    line = (
        f"{name}: {value:.3f} s | {baseline_name}: {baseline:.3f} s | ratio {ratio:.2f} | "
        f"goal: {goal}"
    )
    print(line)
    return line


FLOOR = "import pydantic, networkx, httpx, click, yaml"  # what any command of ours must import


class Run:
    """One child process, measured by the kernel: wall, CPU (user + system, its waited-for
    children included, e.g. ffmpeg) and peak resident memory of the largest process."""

    def __init__(self, wall: float, cpu: float, peak_mb: float, code: int, out: str,
                 err: str) -> None:
        self.wall, self.cpu, self.peak_mb, self.code, self.out, self.err = (
            wall, cpu, peak_mb, code, out, err)


_compiled = False


def child_env(env: dict[str, str] | None) -> dict[str, str]:
    """Every child runs as an installed package does, from compiled bytecode: storyboard's is
    written once, and PYTHONDONTWRITEBYTECODE (set in some shells) is dropped, or every command
    would compile each module it imports again (0.1-0.35 s CPU) and be timed doing it."""
    import compileall
    import os
    from pathlib import Path

    global _compiled
    if not _compiled:
        compileall.compile_dir(Path(__file__).resolve().parents[1] / "storyboard", quiet=2)
        _compiled = True
    return {k: v for k, v in (os.environ if env is None else env).items()
            if k != "PYTHONDONTWRITEBYTECODE"}


def run(argv: list[str], *, cwd: str | None = None, env: dict[str, str] | None = None,
        check: bool = True) -> Run:
    import os
    import tempfile

    env = child_env(env)
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        child = subprocess.Popen(argv, cwd=cwd, env=env, stdout=out, stderr=err)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - t0
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        r = Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024,
                child.returncode, out.read().decode("utf-8", "replace"),
                err.read().decode("utf-8", "replace"))
    if check and r.code != 0:
        raise SystemExit(f"{' '.join(argv[:6])}... failed ({r.code}):\n{r.err[-3000:]}")
    return r


def best_runs(argv: list[str], repeat: int, **kw: object) -> Run:
    """The run with the median wall time of `repeat` runs."""
    runs = sorted((run(argv, **kw) for _ in range(repeat)), key=lambda r: r.wall)  # type: ignore[arg-type]
    return runs[len(runs) // 2]


def floor(repeat: int = 5) -> Run:
    """The import floor: `python -c "import pydantic, networkx, httpx, click, yaml"`."""
    return best_runs([sys.executable, "-c", FLOOR], repeat)


def load() -> str:
    """The load average while measuring: figures from a busy machine read in that light."""
    import os

    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (1 min), {five:.1f} (5 min) on {os.cpu_count()} cores"


def verdict(met: bool) -> str:
    return "met" if met else "NOT MET"
