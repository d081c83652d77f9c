"""A clip's packets read from its MP4 sample tables are ffprobe's, so smart rendering needs no
ffprobe per clip; what the tables cannot say (fragments, audio first) is left to ffprobe."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from counter_clips import FPS, make_counter_clip
from media_helpers import Recording

from storyboard.media import CutSegment, CutSpec, Ffmpeg, locate, run_subprocess
from storyboard.media.samples import read_packets, video_frames
from storyboard.media.smart import keyframes_argv, keyframes_of, parse_keyframes

pytestmark = pytest.mark.e2e  # real encodes: a second or two

X264 = ["-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-g", "12"]
SOURCE = ["-f", "lavfi", "-i", f"testsrc2=s=160x96:r={FPS}:d=1.5"]
VARIANTS = {
    "bframes3.mp4": X264,
    "no_bframes.mp4": [*X264, "-bf", "0"],
    "one_bframe.mp4": [*X264, "-x264-params", "bframes=1:b-pyramid=none"],
    "no_edit_list.mp4": [*X264, "-use_editlist", "0"],
    "faststart.mp4": [*X264, "-movflags", "+faststart"],
    "open_gop.mp4": [*X264, "-x264-params", "open-gop=1"],
    "quicktime.mov": X264,
    "mpeg4.mp4": ["-c:v", "mpeg4"],
}


def _make(dst: Path, args: list[str], source: list[str] = SOURCE) -> Path:
    subprocess.run([locate()[0], "-nostdin", "-v", "error", "-y", *source, *args, str(dst)],
                   check=True, capture_output=True)
    return dst


def _ffprobe_packets(path: Path) -> list[tuple[float, float, bool]]:
    text = run_subprocess(keyframes_argv(locate()[1], path))
    rows = [line.split(",") for line in text.splitlines() if line.strip()]
    return [(float(r[1]), float(r[2]), "K" in r[3]) for r in rows]


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_the_sample_tables_say_what_ffprobe_says(tmp_path: Path, name: str) -> None:
    clip = _make(tmp_path / name, VARIANTS[name])
    mine, theirs = read_packets(clip), _ffprobe_packets(clip)
    assert mine is not None
    assert len(mine) == len(theirs) == 36
    for (pts, dts, key), (pts2, dts2, key2) in zip(mine, theirs, strict=True):
        assert (pts, dts, key) == (pytest.approx(pts2, abs=1e-6), pytest.approx(dts2, abs=1e-6),
                                   key2)
    ours = keyframes_of(mine, FPS)
    reference = parse_keyframes(run_subprocess(keyframes_argv(locate()[1], clip)), FPS)
    assert ours is not None and reference is not None
    assert (ours.frames, sorted(ours.points)) == (reference.frames, sorted(reference.points))
    assert video_frames(clip) == 36


def test_what_the_tables_cannot_say_is_left_to_ffprobe(tmp_path: Path) -> None:
    fragmented = _make(tmp_path / "frag.mp4", [*X264, "-movflags", "frag_keyframe+empty_moov"])
    sound_first = _make(tmp_path / "sound_first.mp4", [*X264, "-c:a", "aac", "-map", "0:a",
                                                       "-map", "1:v"],
                        ["-f", "lavfi", "-i", "sine=d=1.5", *SOURCE])
    not_mp4 = tmp_path / "clip.mkv"
    _make(not_mp4, X264)
    for path in (fragmented, sound_first, not_mp4, tmp_path / "missing.mp4"):
        assert read_packets(path) is None
        assert video_frames(path) is None


def test_a_smart_cut_reads_keyframes_and_checks_its_length_without_ffprobe(
        tmp_path: Path) -> None:
    clips = [make_counter_clip(tmp_path / f"c{i}.mp4", i, 48) for i in range(3)]
    recording = Recording()

    spec = CutSpec((CutSegment(clips[0]), CutSegment(clips[1], transition="crossfade",
                                                     transition_duration=0.25),
                    CutSegment(clips[2])), 160, 96, FPS)
    report = Ffmpeg(run=recording).render_cut(spec, tmp_path / "cut.mp4")
    assert report.method == "smart"
    probes = [argv for argv in recording.calls if Path(argv[0]).name.startswith("ffprobe")]
    # One probe for the three clips' streams (their headers match), none for keyframes or
    # for the rendered cut: its frames are counted in its sample table.
    assert len(probes) == 1, [argv[-1] for argv in probes]
    assert video_frames(tmp_path / "cut.mp4") == 3 * 48 - 6
    # The cut's video starts after an empty edit (its sound's priming): modelled as well.
    mine, theirs = read_packets(tmp_path / "cut.mp4"), _ffprobe_packets(tmp_path / "cut.mp4")
    assert mine is not None and theirs[0][0] > 0
    assert [p[0] for p in mine] == pytest.approx([p[0] for p in theirs], abs=1e-6)
    assert [p[1] for p in mine] == pytest.approx([p[1] for p in theirs], abs=1e-6)

