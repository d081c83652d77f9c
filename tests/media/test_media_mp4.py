"""The MP4 header shortcut: clips shaped alike cost one ffprobe, and say what ffprobe says."""

from __future__ import annotations

from pathlib import Path

import pytest
from media_helpers import Clips, Recording

from storyboard.media import CutSegment, CutSpec, Ffmpeg
from storyboard.media.mp4 import read_header

pytestmark = pytest.mark.e2e


def test_header_lengths_agree_with_ffprobe(media: Ffmpeg, clips: Clips) -> None:
    header = read_header(clips.wide)
    assert header is not None
    assert [t.handler for t in header.tracks] == [b"vide", b"soun"]
    assert header.track_duration(b"vide") == pytest.approx(media.probe(clips.wide).duration)
    assert read_header(clips.png) is None
    assert read_header(clips.tall) is not None
    assert read_header(clips.tall).shape() != header.shape()  # type: ignore[union-attr]


def test_clips_shaped_alike_are_probed_once(media: Ffmpeg, tmp_path: Path) -> None:
    paths = [tmp_path / f"{pattern}.mp4" for pattern in ("testsrc2", "rgbtestsrc", "mandelbrot")]
    for path, seconds in zip(paths, (0.5, 0.75, 1.0), strict=True):
        media.make_test_clip(path, seconds, 160, 90, pattern=path.stem)
    recording = Recording()

    counting = Ffmpeg(run=recording)
    report = counting.render_cut(
        CutSpec(tuple(CutSegment(p) for p in paths), 160, 90, 24), tmp_path / "cut.mp4"
    )
    assert report.stream_copied
    assert report.duration == pytest.approx(2.25)
    probes = [argv for argv in recording.calls if Path(argv[0]).name.startswith("ffprobe")]
    assert len(probes) == 1
    for path in paths:  # what the shortcut derived is what ffprobe says
        assert counting.probe(path) == Ffmpeg().probe(path)
    # one ffprobe, one ffmpeg; the probes above came from the cache
    assert len(recording.calls) == 2
