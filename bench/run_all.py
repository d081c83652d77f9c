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
    ("scaling.py", "Scaling through the CLI: build, no-op build, validate and plan of 200 / "
     "1,000 / 5,000 shots (stand-in provider), beside the import floor and DVC's `dvc repro`",
     "full-build CPU <= 2 ms per node at 5,000; validate and plan <= 1 s beyond the import "
     "floor; no-op build <= 0.1 s at 5,000"),
    ("cuts.py", "Cuts through the CLI (`storyboard build CUT`), 20 x 5 s 720p: hard cuts beside "
     "`ffmpeg -f concat -c copy`; a crossfade and a music bed beside the expert smart render; "
     "MoviePy", "hard cuts <= 2x the copy; smart cut <= 1.5x the expert, <= 200 MB peak"),
    ("validate.py", "`storyboard validate` of a 1,000-shot storyboard (beyond `import "
     "storyboard`)", "under 1 s beyond import"),
    ("noop.py", "`storyboard build` no-op of a 200-shot project (preview provider)",
     "under 0.5 s"),
    ("stitch.py", "Ffmpeg.render_cut in process (Python API, not the CLI): 20 uniform 1 s clips "
     "vs raw `ffmpeg -f concat -c copy`; 5 s 720p preview", "ratio <= 1.5; preview under 1.5 s"),
    ("parallel.py", "Project.build in process (Python API, not the CLI): 40 shots on the fake "
     "Scenario server (2 s latency), 8 jobs at once", "<= 1.15 x ideal + stitching; peak "
     "parallel jobs = 8"),
    ("remote.py", "Remote cache: `storyboard pull` with everything local (CLI); parallel vs "
     "sequential push (Python API, in process)",
     "pull < 1 s for 200 objects; push faster than sequential"),
    ("export.py", "Project.export in process (Python API, not the CLI): the example trailer in "
     "every format vs the otio export; a first export vs a repeat",
     "each format well under a second; a repeat places no media again"),
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
    peers = subprocess.run([sys.executable, str(HERE / "peers.py")], cwd=ROOT,
                           capture_output=True, text=True, check=False)
    print(f"peers: {peers.stdout.strip() or peers.stderr.strip()[-500:]}", file=sys.stderr)
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
            "the same run, so numbers from noisy machines can be compared by their ratios. "
            "Sections whose title names a command ran it as a child process (`python -m "
            "storyboard ...`); sections that say *in process* call the Python API. Goals are "
            "marked met or NOT MET in each section's output. The peers (DVC, MoviePy) live "
            "in their own venv, `bench/.peers`, made by `python bench/peers.py`; a missing "
            "one is reported as missing.\n\n"
            + "\n".join(sections))
    (ROOT / "BENCHMARKS.md").write_text(text, "utf-8")
    print("wrote BENCHMARKS.md", file=sys.stderr)


if __name__ == "__main__":
    main()
