"""Probes are kept between commands by each file's stat signature: a cut rebuilt after an edit
probes none of its clips again, and a changed, damaged or planted memo costs a probe, never a
wrong answer."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from media_helpers import Recording

from storyboard.media import CutSegment, CutSpec, Ffmpeg
from storyboard.media.info import MediaInfo, Probed
from storyboard.media.memo import ProbeMemo, memo_key

INFO = MediaInfo("video", 2.0, 160, 96, 24.0, True, "h264", "aac", "yuv420p", 1234)
PROBED = Probed(INFO, 2.02, ("h264", "High"), 48000, 2, ("h264",), ("tv", "bt709"), "1/12288",
                2, None)


def _key(path: Path) -> tuple[str, int, int, int, int]:
    st = path.stat()
    return memo_key(path, (str(path.resolve()), st.st_size, st.st_mtime_ns, st.st_ino))


def test_a_remembered_probe_survives_the_command(tmp_path: Path) -> None:
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"x" * 100)
    memo = ProbeMemo(tmp_path / ".storyboard" / "probe-memo.json")
    memo.put(_key(clip), PROBED)
    memo.save()
    assert ProbeMemo(memo.file).get(_key(clip)) == PROBED


def test_a_rewritten_file_is_not_found(tmp_path: Path) -> None:
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"x" * 100)
    memo = ProbeMemo(tmp_path / "probe-memo.json")
    memo.put(_key(clip), PROBED)
    before = clip.stat()
    clip.write_bytes(b"y" * 100)  # the same size, and the same times put back
    os.utime(clip, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert memo.get(_key(clip)) is None  # its change time moved


@pytest.mark.parametrize("content", [b"{not json", b"[]", b'{"k": 3}'])
def test_a_damaged_memo_is_ignored(tmp_path: Path, content: bytes) -> None:
    (tmp_path / "probe-memo.json").write_bytes(content)
    memo = ProbeMemo(tmp_path / "probe-memo.json")
    assert memo.get(("k", 1, 2, 3, 4)) is None


def test_a_remembered_probe_of_the_wrong_shape_is_not_used(tmp_path: Path) -> None:
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"x" * 100)
    memo = ProbeMemo(tmp_path / "probe-memo.json")
    memo.put(_key(clip), PROBED)
    memo.save()
    data = json.loads(memo.file.read_text("utf-8"))
    entry = next(iter(data.values()))
    entry["info"]["duration"] = "long"
    memo.file.write_text(json.dumps(data), "utf-8")
    assert ProbeMemo(memo.file).get(_key(clip)) is None
    del entry["info"]["duration"]
    memo.file.write_text(json.dumps(data), "utf-8")
    assert ProbeMemo(memo.file).get(_key(clip)) is None


def test_a_planted_link_is_neither_read_nor_written_through(tmp_path: Path) -> None:
    victim = tmp_path / "victim.json"
    victim.write_text(json.dumps({"k": {"info": {}}}), "utf-8")
    os.symlink(victim, tmp_path / "probe-memo.json")
    memo = ProbeMemo(tmp_path / "probe-memo.json")
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"x")
    memo.put(_key(clip), PROBED)
    memo.save()
    assert json.loads(victim.read_text("utf-8")) == {"k": {"info": {}}}


@pytest.mark.e2e  # real clips and a real cut
def test_a_rebuilt_cut_probes_none_of_its_clips(tmp_path: Path) -> None:
    clips = [tmp_path / f"{p}.mp4" for p in ("testsrc2", "rgbtestsrc", "mandelbrot")]
    for clip in clips:
        Ffmpeg().make_test_clip(clip, 0.5, 160, 96, pattern=clip.stem)
    memo = tmp_path / ".storyboard" / "probe-memo.json"
    recording = Recording()

    def cut(order: list[Path], name: str) -> None:
        spec = CutSpec(tuple(CutSegment(c) for c in order), 160, 96, 24, clip_audio=False)
        # A new Ffmpeg each time, as each command makes one: only the memo is shared.
        Ffmpeg(run=recording, memo=ProbeMemo(memo)).render_cut(spec, tmp_path / name)

    cut(clips, "first.mp4")
    assert any(Path(a[0]).name.startswith("ffprobe") for a in recording.calls)
    recording.calls.clear()
    cut(clips[::-1], "edited.mp4")
    assert [Path(a[0]).name for a in recording.calls] == ["ffmpeg"]
