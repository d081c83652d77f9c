"""Benchmark: stitching uniform clips and rendering one preview, against baselines in this run.

1. `Ffmpeg().render_cut` of 20 uniform 1 s 640x360 clips joined by hard cuts, against a raw
   `ffmpeg -f concat -safe 0 -i list -c copy` of the same clips (goal: ratio <= 1.5).
2. `render_preview` of a 5 s 720p generate clip with a caption and a push in (goal: < 1.5 s).

Run: python bench/stitch.py [--repeat N]   (best of N runs is reported; the default is 5)
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from storyboard.media import CutSegment, CutSpec, Ffmpeg, PreviewSpec, locate

CLIPS = 20
WIDTH, HEIGHT, FPS = 640, 360, 24


def best_of(repeat: int, action: Callable[[], object]) -> float:
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        timings.append(time.perf_counter() - start)
    return min(timings)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    repeat = parser.parse_args().repeat
    ffmpeg_bin, _ = locate()
    with tempfile.TemporaryDirectory(prefix="storyboard-bench-") as name:
        work = Path(name)
        maker = Ffmpeg()
        clips = [work / f"clip{i:02d}.mp4" for i in range(CLIPS)]
        for index, clip in enumerate(clips):
            # Different patterns so the clips differ in content (and bitrate) like real shots.
            pattern = ("testsrc2", "testsrc", "rgbtestsrc", "mandelbrot")[index % 4]
            maker.make_test_clip(clip, 1.0, WIDTH, HEIGHT, fps=FPS, pattern=pattern)
        listing = work / "list.txt"
        listing.write_text("".join(f"file '{c}'\n" for c in clips), encoding="utf-8")
        spec = CutSpec(tuple(CutSegment(c) for c in clips), WIDTH, HEIGHT, FPS)

        def raw_concat() -> None:
            argv = [ffmpeg_bin, "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
                    "-f", "concat", "-safe", "0", "-i", str(listing), "-c", "copy",
                    str(work / "raw.mp4")]  # fmt: skip
            subprocess.run(argv, check=True)

        copied: list[bool] = []

        def storyboard_cut() -> None:
            # A fresh Ffmpeg each time: no probe results carried over between runs.
            copied.append(Ffmpeg().render_cut(spec, work / "cut.mp4").stream_copied)

        raw = best_of(repeat, raw_concat)
        ours = best_of(repeat, storyboard_cut)
        print(f"stitch {CLIPS} x 1 s {WIDTH}x{HEIGHT} clips, hard cuts (best of {repeat}):")
        print(f"  raw ffmpeg concat -c copy : {raw * 1000:7.1f} ms")
        print(f"  Ffmpeg().render_cut       : {ours * 1000:7.1f} ms  (stream copy: {all(copied)})")
        print(f"  ratio                     : {ours / raw:7.2f}  (goal <= 1.5)")

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
        seconds = best_of(repeat, lambda: Ffmpeg().render_preview(preview, work / "preview.mp4"))
        print(f"preview 5 s 1280x720 generate, caption + push_in (best of {repeat}):")
        print(f"  render_preview            : {seconds:7.3f} s  (goal < 1.5 s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
