"""probe(): what a file is, and failures that name the file and say what to do."""

from __future__ import annotations

from pathlib import Path

import pytest
from media_helpers import Clips, Recording

from storyboard.errors import MediaError
from storyboard.media import Ffmpeg

pytestmark = pytest.mark.e2e


def test_video_with_audio(media: Ffmpeg, clips: Clips) -> None:
    info = media.probe(clips.wide)
    assert info.kind == "video"
    assert (info.width, info.height, info.fps) == (320, 180, 24.0)
    assert info.duration == pytest.approx(1.0, abs=0.001)
    assert info.has_audio and info.audio_codec == "aac"
    assert (info.video_codec, info.pix_fmt) == ("h264", "yuv420p")
    assert info.size_bytes == clips.wide.stat().st_size


def test_video_without_audio(media: Ffmpeg, clips: Clips) -> None:
    info = media.probe(clips.silent)
    assert info.kind == "video" and not info.has_audio and info.audio_codec is None


@pytest.mark.parametrize("name", ["png", "jpg", "webp"])
def test_stills_are_images(media: Ffmpeg, clips: Clips, name: str) -> None:
    info = media.probe(getattr(clips, name))
    assert info.kind == "image"
    assert info.duration is None and info.fps is None and not info.has_audio
    assert info.width and info.height


def test_audio(media: Ffmpeg, clips: Clips) -> None:
    info = media.probe(clips.tone)
    assert info.kind == "audio"
    assert info.duration == pytest.approx(3.0, abs=0.03)
    assert info.width is None and info.audio_codec == "aac"


def test_unreadable_file_names_the_file(media: Ffmpeg, tmp_path: Path) -> None:
    bad = tmp_path / "shot.mp4"
    bad.write_bytes(b"this is not a video" * 100)
    with pytest.raises(MediaError, match=r"shot\.mp4") as caught:
        media.probe(bad)
    assert "re-export or re-download" in str(caught.value)
    assert caught.value.argv and caught.value.stderr_tail


def test_empty_and_missing_files(media: Ffmpeg, tmp_path: Path) -> None:
    empty = tmp_path / "empty.mp4"
    empty.touch()
    with pytest.raises(MediaError, match="empty"):
        media.probe(empty)
    with pytest.raises(MediaError, match="does not exist"):
        media.probe(tmp_path / "nowhere.mp4")


def test_percent_in_an_image_name_is_not_a_sequence_pattern(
    media: Ffmpeg, clips: Clips, tmp_path: Path
) -> None:
    odd = tmp_path / "frame%03d.png"
    odd.write_bytes(clips.png.read_bytes())
    assert media.probe(odd).kind == "image"


def test_the_runner_receives_every_argv(clips: Clips) -> None:
    recording = Recording()

    info = Ffmpeg(run=recording).probe(clips.wide)
    assert info.kind == "video"
    assert len(recording.calls) == 1 and "ffprobe" in Path(recording.calls[0][0]).name
    assert recording.calls[0][-1] == str(clips.wide.resolve())


def test_runner_failures_become_errors_about_the_file(clips: Clips) -> None:
    def failing(argv: list[str]) -> str:
        raise MediaError("ffprobe exited with status 1", argv, "moov atom not found")

    with pytest.raises(MediaError, match=r"wide\.mp4") as caught:
        Ffmpeg(run=failing).probe(clips.wide)
    assert caught.value.stderr_tail == "moov atom not found"
    assert caught.value.argv[-1] == str(clips.wide.resolve())
