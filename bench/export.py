"""Export the example trailer (built once with the preview provider) in every format, each
timed next to the otio export of the same cut in the same run, and a first export (media
placed beside it) next to a repeat (media already there).

What it shows: the cost of each adapter pass over plain OTIO JSON (otioz also zips the
media), and that a repeat export places no media again. Run: python bench/export.py
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _timing import report, time_call

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    from storyboard.export import FORMAT_NAMES
    from storyboard.project import Project

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "trailer"
        shutil.copytree(ROOT / "examples" / "trailer", root)
        summary = Project.load(root).build(provider="preview", jobs=2)
        assert not summary.failed, summary.as_dict()
        project = Project.load(root)
        out = Path(tmp) / "out"

        def export(fmt: str) -> None:
            project.export("trailer", fmt=fmt, output=out / f"trailer.{fmt}")

        t0 = time.perf_counter()
        export("otio")  # places the media
        first = time.perf_counter() - t0
        baseline = time_call(lambda: export("otio"), repeat=5)
        report("first export (places 7 media files)", first, "repeat export", baseline,
               "a repeat places nothing again (ratio > 1)")
        for fmt in FORMAT_NAMES:
            if fmt == "otio":
                continue
            seconds = time_call(lambda fmt=fmt: export(fmt), repeat=5)  # type: ignore[misc]
            report(f"export --format {fmt}", seconds, "export --format otio", baseline,
                   "each well under a second for a 7-entry cut")


if __name__ == "__main__":
    main()
