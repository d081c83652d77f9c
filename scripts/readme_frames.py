"""Regenerate the README's two animatic frames (docs/img/animatic-*.png).

Builds a scratch copy of examples/trailer with the preview provider (free, offline), takes one
frame of the 16:9 trailer cut and one of the 9:16 vertical cut as people see them (slates and
all), and writes them as small palette PNGs:

    python scripts/readme_frames.py
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image

from storyboard.engine import RecordingReporter
from storyboard.media import locate
from storyboard.project import Project

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "img"
# (cut file under renders/, seconds into it, output name, width of the README picture)
FRAMES = (
    ("trailer.mp4", 6.0, "animatic-trailer.png", 640),
    ("social/vertical.mp4", 1.5, "animatic-vertical.png", 320),
)


def frame(video: Path, seconds: float, dst: Path, width: int) -> None:
    """The frame at `seconds` of the first video stream, scaled to `width`, in few colours."""
    raw = dst.with_suffix(".full.png")
    subprocess.run([locate()[0], "-v", "error", "-y", "-ss", f"{seconds}", "-i", str(video),
                    "-map", "0:v:0", "-frames:v", "1", "-vf", f"scale={width}:-2:flags=lanczos",
                    str(raw)], check=True)
    with Image.open(raw) as picture:
        small = picture.convert("RGB").quantize(colors=96, method=Image.Quantize.MEDIANCUT)
        small.save(dst, optimize=True)
    raw.unlink()


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="readme-frames-") as scratch:
        film = Path(scratch) / "trailer"
        shutil.copytree(ROOT / "examples" / "trailer", film,
                        ignore=shutil.ignore_patterns(".storyboard", "renders"))
        summary = Project.load(film / "storyboard.yaml").build(reporter=RecordingReporter())
        if summary.failed:
            print(f"the example trailer did not build: {summary.failed}", file=sys.stderr)
            return 1
        OUT.mkdir(parents=True, exist_ok=True)
        for cut, seconds, name, width in FRAMES:
            frame(film / "renders" / cut, seconds, OUT / name, width)
            print(f"wrote {OUT / name} ({(OUT / name).stat().st_size // 1024} KB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
