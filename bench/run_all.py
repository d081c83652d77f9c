"""Run every benchmark and write BENCHMARKS.md: each figure beside its baseline from the same run.

Each benchmark is a script in this folder that prints its results; this collects them with
the machine they ran on and the goals. Run: python bench/run_all.py [--only cuts.py ...]

`--only` re-runs the named scripts and keeps every other section as it stands in BENCHMARKS.md
(each section says when it was measured), so one figure can be refreshed without the others'
half hour.
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
# validate.py, noop.py and stitch.py still run alone; scaling.py and cuts.py measure the same
# through the CLI (and noop.py's first build renders 200 previews: minutes).
BENCHES = [
    ("scaling.py", "Scaling through the CLI: build, no-op build, validate and plan of 200 / "
     "1,000 / 5,000 shots (stand-in provider), beside the import floor and DVC's `dvc repro`",
     "full-build CPU <= 2 ms per node at 5,000; validate and plan <= 1 s beyond the import "
     "floor; no-op build <= 0.1 s at 5,000"),
    ("cuts.py", "Cuts through the CLI (`storyboard build CUT`), 20 x 5 s 720p: hard cuts beside "
     "`ffmpeg -f concat -c copy`; a crossfade and a music bed beside the expert smart render; "
     "MoviePy", "hard cuts <= 2x the copy; smart cut <= 1.5x the expert, <= 200 MB peak"),
    ("parallel.py", "Parallel jobs through the CLI (`storyboard build --provider scenario --jobs "
     "8`, default polling): 40 and 200 shots + a cut of them on the fake Scenario server (2 s "
     "per job)", "last download <= 1.15 x ideal at 40 shots, <= 1.1 x at 200 (stitching "
     "reported apart); requests per job printed"),
    ("remote.py", "Remote cache through the CLI: `storyboard pull` with everything local; "
     "`storyboard push --jobs 8` beside `--jobs 1`, to a folder and to S3",
     "pull < 1 s for 200 objects; push faster than sequential"),
    ("export.py", "`storyboard export` through the CLI: the example trailer in every format, "
     "beside the import floor and the otio export; a first export vs a repeat",
     "each format well under a second beyond the import floor; a repeat places no media "
     "again"),
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


def kept_sections() -> dict[str, str]:
    """The sections of the current BENCHMARKS.md, by the script that produced them; sections
    written by hand (notes) are kept under their title."""
    path = ROOT / "BENCHMARKS.md"
    text = path.read_text("utf-8") if path.is_file() else ""
    kept = {}
    for part in text.split("\n## ")[1:]:
        script = next((s for s, _, _ in BENCHES if f"`python bench/{s}`" in part),
                      part.splitlines()[0])
        kept[script] = "## " + part.rstrip("\n") + "\n"
    return kept


def main() -> None:
    only = sys.argv[sys.argv.index("--only") + 1:] if "--only" in sys.argv else None
    kept = kept_sections() if only else {}
    peers = subprocess.run([sys.executable, str(HERE / "peers.py")], cwd=ROOT,
                           capture_output=True, text=True, check=False)
    print(f"peers: {peers.stdout.strip() or peers.stderr.strip()[-500:]}", file=sys.stderr)
    sections = []
    for script, title, goal in BENCHES:
        if only is not None and script not in only and script.removesuffix(".py") not in only:
            sections.append(kept.get(script, f"## {title}\n\nGoal: {goal}\n\n(not run)\n"))
            continue
        path = HERE / script
        if not path.is_file():
            sections.append(f"## {title}\n\nGoal: {goal}\n\n(not present: `bench/{script}`)\n")
            continue
        t0 = time.perf_counter()
        r = subprocess.run([sys.executable, str(path)], cwd=ROOT, capture_output=True,
                           text=True, check=False)
        took = time.perf_counter() - t0
        ran = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        out = r.stdout.strip() or "(no output)"
        status = "" if r.returncode == 0 else f"\n\n**failed** (exit {r.returncode}):\n\n" \
            f"```\n{r.stderr.strip()[-2000:]}\n```"
        sections.append(f"## {title}\n\nGoal: {goal}. Command: `python bench/{script}` "
                        f"({took:.0f} s, finished {ran})\n\n```\n{out}\n```{status}\n")
        print(f"{script}: done in {took:.0f} s", file=sys.stderr)
    sections += [part for key, part in kept.items() if key not in {s for s, _, _ in BENCHES}]
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    produced = "sections re-run with `--only`" if only else "every section run"
    text = (f"# Benchmarks\n\nProduced by `python bench/run_all.py` on {when} ({produced}; "
            "each section says when it finished).\n\n"
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
