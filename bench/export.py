"""`storyboard export` of the example trailer (built once with the preview provider) in every
format, each a child process timed next to the import floor and to the otio export of the same
cut in the same run, and a first export (media placed beside it) next to a repeat (media
already there).

What it shows: what each adapter pass costs beyond the command's start (otioz also zips the
media), and that a repeat export places no media again. Run: python bench/export.py
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _timing import best_runs, floor, load, run, verdict

ROOT = Path(__file__).resolve().parents[1]
FORMATS = ("otio", "otioz", "fcpxml", "xml", "edl")


def main() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    print(f"measured with {load()}; medians of 5 runs")
    base = floor()
    print(f'import floor (python -c "import pydantic, networkx, httpx, click, yaml"): '
          f"{base.wall:.3f} s wall, {base.cpu:.3f} s CPU")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "trailer"
        shutil.copytree(ROOT / "examples" / "trailer", root,
                        ignore=shutil.ignore_patterns(".storyboard", "renders"))
        sb = [sys.executable, "-m", "storyboard"]
        run([*sb, "build", "-f", str(root)], env=env)
        out = Path(tmp) / "out"

        def export(fmt: str) -> list[str]:
            return [*sb, "export", "trailer", "-f", str(root), "--format", fmt, "-o",
                    str(out / f"trailer.{fmt}")]

        first = run(export("otio"), env=env)  # places the 7 media files
        repeat = best_runs(export("otio"), 5, env=env)
        print(f"`storyboard export trailer --format otio`, first (places 7 media files): "
              f"{first.wall:.3f} s ({first.cpu:.3f} s CPU) | a repeat: {repeat.wall:.3f} s "
              f"({repeat.cpu:.3f} s CPU) | goal: a repeat places nothing again, so costs less: "
              f"{verdict(repeat.cpu < first.cpu)}")
        for fmt in FORMATS:
            r = repeat if fmt == "otio" else best_runs(export(fmt), 5, env=env)
            beyond = r.wall - base.wall
            print(f"`storyboard export trailer --format {fmt}`: {r.wall:.3f} s wall "
                  f"({r.cpu:.3f} s CPU, {r.peak_mb:.0f} MB) | beyond the import floor "
                  f"{beyond:+.3f} s | beside otio x{r.wall / repeat.wall:.2f} | goal: well "
                  f"under a second beyond the floor for a 7-entry cut: {verdict(beyond < 1.0)}")


if __name__ == "__main__":
    main()
