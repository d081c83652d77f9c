"""Run every benchmark and write BENCHMARKS.md: each figure beside its baseline from the same run.

Each benchmark is a script in this folder that prints its results; this collects them with
the machine they ran on and the goals. Run: python bench/run_all.py
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).parent
ROOT = HERE.parent
BENCHES = [
    ("validate.py", "Validate a 1,000-shot storyboard (beyond `import storyboard`)",
     "under 1 s beyond import"),
    ("noop.py", "No-op build of a 200-shot project", "under 0.5 s"),
    ("stitch.py", "Stitch 20 uniform clips vs raw `ffmpeg -f concat -c copy`; 5 s 720p preview",
     "ratio ≤ 1.5; preview under 1.5 s"),
    ("parallel.py", "40 shots on the fake Scenario server (2 s latency) with --jobs 8",
     "≤ 1.15 × ideal + stitching; peak parallel jobs = 8"),
    ("remote.py", "Remote cache: pull with everything local; parallel push vs sequential",
     "pull < 1 s for 200 objects; push faster than sequential"),
    ("export.py", "Export the example trailer in every format vs the otio export; a first "
     "export vs a repeat", "each format well under a second; a repeat places no media again"),
]


def machine() -> str:
    from storyboard.media import binaries

    ffmpeg, ffprobe = binaries.locate()
    v = " ".join(binaries.versions(ffmpeg, ffprobe)[0].split()[:3])
    try:
        model = next(line.split(":", 1)[1].strip() for line in
                     Path("/proc/cpuinfo").read_text().splitlines() if "model name" in line)
    except (OSError, StopIteration):
        model = platform.processor() or "unknown"
    return (f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores ({model}), "
            f"Python {platform.python_version()}, {v}")


def main() -> None:
    sections = []
    for script, title, goal in BENCHES:
        path = HERE / script
        if not path.is_file():
            sections.append(f"## {title}\n\nGoal: {goal}\n\n(not present: `bench/{script}`)\n")
            continue
        t0 = time.perf_counter()
        r = subprocess.run([sys.executable, str(path)], cwd=ROOT, capture_output=True,
                           text=True, check=False)
        took = time.perf_counter() - t0
        out = r.stdout.strip() or "(no output)"
        status = "" if r.returncode == 0 else f"\n\n**failed** (exit {r.returncode}):\n\n" \
            f"```\n{r.stderr.strip()[-2000:]}\n```"
        sections.append(f"## {title}\n\nGoal: {goal}. Command: `python bench/{script}` "
                        f"({took:.0f} s)\n\n```\n{out}\n```{status}\n")
        print(f"{script}: done in {took:.0f} s", file=sys.stderr)
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    text = (f"# Benchmarks\n\nProduced by `python bench/run_all.py` on {when}.\n\n"
            f"Machine: {machine()}.\n\nEvery figure is printed next to a baseline measured in "
            "the same run, so numbers from noisy machines can be compared by their ratios.\n\n"
            + "\n".join(sections))
    (ROOT / "BENCHMARKS.md").write_text(text, "utf-8")
    print("wrote BENCHMARKS.md", file=sys.stderr)


if __name__ == "__main__":
    main()
