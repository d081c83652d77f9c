"""Stitching uniform clips and rendering one preview, timed against baselines in the same run.

1. `Ffmpeg().render_cut` of 20 uniform 1 s 640x360 clips joined by hard cuts, against a raw
   `ffmpeg -f concat -safe 0 -i list -c copy` of the same clips. Goal: ratio <= 1.5.
2. `render_preview` of a 5 s 720p generate clip with a caption and a push in. Goal: < 1.5 s.

Run: python bench/stitch.py [--repeat N]   (medians of N interleaved runs; default 9)
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _timing import report, time_call, time_command

from storyboard.media import CutSegment, CutSpec, Ffmpeg, PreviewSpec, locate

CLIPS = 20
WIDTH, HEIGHT, FPS = 640, 360, 24
# Different pictures (so different bitrates, like real shots) with the same H.264 settings.
PATTERNS = ("testsrc2", "testsrc", "rgbtestsrc", "mandelbrot")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=9)
    repeat = parser.parse_args().repeat
    with tempfile.TemporaryDirectory(prefix="storyboard-bench-") as name:
        work = Path(name)
        maker = Ffmpeg()
        clips = [work / f"clip{i:02d}.mp4" for i in range(CLIPS)]
        for index, clip in enumerate(clips):
            maker.make_test_clip(clip, 1.0, WIDTH, HEIGHT, fps=FPS, pattern=PATTERNS[index % 4])
        listing = work / "list.txt"
        listing.write_text("".join(f"file '{c}'\n" for c in clips), encoding="utf-8")
        raw = [locate()[0], "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
               "-f", "concat", "-safe", "0", "-i", str(listing), "-c", "copy",
               str(work / "raw.mp4")]  # fmt: skip
        spec = CutSpec(tuple(CutSegment(c) for c in clips), WIDTH, HEIGHT, FPS)
        copied: list[bool] = []

        def cut() -> None:
            # A fresh Ffmpeg each time, so no probe result is carried over between runs.
            copied.append(Ffmpeg().render_cut(spec, work / "cut.mp4").stream_copied)

        # Interleaved, so load from other processes weighs on both sides alike.
        pairs = [(time_command(raw, 1), time_call(cut, 1)) for _ in range(repeat)]
        baseline = statistics.median(p[0] for p in pairs)
        ours = statistics.median(p[1] for p in pairs)
        report(
            f"render_cut, {CLIPS} x 1 s {WIDTH}x{HEIGHT} clips, hard cuts",
            ours,
            "raw ffmpeg concat -c copy",
            baseline,
            "ratio <= 1.5",
        )
        print(f"  stream copied on every run: {all(copied)}")

        preview = PreviewSpec(
            kind="generate",
            duration=5.0,
            width=1280,
            height=720,
            title="leap",
            prompt="A red fox leaps over a frozen stream at dawn: breath in the cold air, "
            "snow falling, 100% cinematic",
            model="ray-2",
            camera=("push_in",),
            seed="bench",
        )
        seconds = time_call(lambda: Ffmpeg().render_preview(preview, work / "p.mp4"), repeat)
        print(
            f"render_preview, 5 s 1280x720 generate with caption and push_in: {seconds:.3f} s "
            "| goal: < 1.5 s"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
