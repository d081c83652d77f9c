"""A no-op build of a 200-shot project, timed next to `python -c "import storyboard"`.

The project is built once (preview provider), then `storyboard build` is timed when nothing
changed: every node must be found in the cache without hashing any media. Goal: under 0.5 s.
Both paths are timed: the stamp (what a plain `build` does) and the full check (`--json`).
Run: python bench/noop.py   (the first build renders 200 preview clips: a few minutes)
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _timing import import_time, report, time_command

SHOTS = 200


def make_project(root: Path, shots: int = SHOTS) -> Path:
    lines = ["version: 1", "name: noop", "defaults:",
             '  generate: {model: ray-flash-2, resolution: 540p, aspect_ratio: "16:9"}',
             "shots:"]
    for i in range(shots):
        lines += [f"  s{i}:", "    generate:", f"      prompt: Shot {i}"]
        if i % 10:
            lines.append(f"      start_frame: s{i - 1}.last_frame")
    lines += ["cuts:", "  opening:", "    shots: [" + ", ".join(f"s{i}" for i in range(20)) + "]"]
    f = root / "storyboard.yaml"
    f.write_text("\n".join(lines) + "\n", "utf-8")
    return f


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        f = make_project(Path(tmp))
        cmd = [sys.executable, "-m", "storyboard", "build", "-f", str(f), "--jobs", "4"]
        t0 = time.perf_counter()
        all_targets = [*cmd, *(f"s{i}" for i in range(SHOTS)), "opening"]
        first = subprocess.run(all_targets, capture_output=True, text=True, check=False)
        if first.returncode != 0:
            sys.exit(f"the first build failed:\n{first.stderr[-3000:]}")
        print(f"first build of {SHOTS} shots: {time.perf_counter() - t0:.1f} s")
        noop = time_command(all_targets, repeat=5)
        # --json skips the stamp: the full check (load, graph, keys, lookups) of every node.
        full = time_command([*all_targets, "--json"], repeat=5)
        base = import_time()
        report("no-op build (stamp)", noop, "import storyboard", base, "no-op build < 0.5 s")
        report("no-op build (full check, --json)", full, "import storyboard", base,
               "shown for comparison: every node's key and cache entry checked")


if __name__ == "__main__":
    main()
