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
        subprocess.run(argv, check=True, capture_output=True)
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
