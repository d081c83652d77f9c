"""How far a cut render has got, from ffmpeg's `-progress` output.

ffmpeg run with `-progress pipe:1 -nostats` writes `key=value` lines to stdout, a block about
twice a second; `out_time_us` is how much of the output it has written. A cut may run several
ffmpeg commands (smart rendering encodes pieces two at a time, then joins them), so a `Tally`
adds up each command's share of the work into one fraction for the whole cut.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

Progress = Callable[[float], None]
"""Receives a fraction in [0, 1]; called from the thread that runs ffmpeg."""

PROGRESS_ARGS = ("-progress", "pipe:1", "-nostats")


def parse_out_time(line: str) -> float | None:
    """Seconds of output written, from one `-progress` line; None for every other line and for
    `out_time_us=N/A` (written before the first frame)."""
    key, sep, value = line.strip().partition("=")
    # out_time_ms is microseconds too (an old ffmpeg misnomer); prefer neither, take either.
    if not sep or key not in ("out_time_us", "out_time_ms"):
        return None
    try:
        micro = int(value)
    except ValueError:
        return None
    return max(0.0, micro / 1_000_000)


class Tally:
    """One fraction for a cut from several commands: each command is given the seconds of
    output it will write, and the fraction is the share of all of them written so far. It only
    ever goes up, so a report never moves backwards when two pieces report out of order."""

    def __init__(self, report: Progress) -> None:
        self._report = report
        self._lock = threading.Lock()
        self._total = 0.0
        self._done: dict[int, float] = {}
        self._size: dict[int, float] = {}
        self._weight: dict[int, float] = {}
        self._shown = 0.0

    def part(self, seconds: float, weight: float = 1.0) -> Progress:
        """A callback for one command writing `seconds` of output; it takes out_time seconds.
        `weight` is its cost per second against an encode (a stream copy costs far less)."""
        with self._lock:
            key = len(self._size)
            self._size[key] = max(seconds, 1e-6)
            self._weight[key] = weight
            self._done[key] = 0.0
            self._total += self._size[key] * weight

        def update(out_time: float) -> None:
            with self._lock:
                self._done[key] = max(self._done[key], min(out_time, self._size[key]))
                done = sum(d * self._weight[k] for k, d in self._done.items())
                fraction = min(1.0, done / self._total) if self._total > 0 else 0.0
                if fraction <= self._shown:
                    return
                self._shown = fraction
            self._report(fraction)

        return update

    def finish(self) -> None:
        with self._lock:
            done = self._shown >= 1.0
            self._shown = 1.0
        if not done:
            self._report(1.0)
