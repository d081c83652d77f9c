"""Small real projects on disk with real media, built with real ffmpeg."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from storyboard.media import Ffmpeg

FILM = """\
version: 1
name: e2e
defaults:
  generate: {model: ray-3.2, aspect_ratio: "16:9", resolution: 540p}
assets:
  photo: assets/photo.png
  clip: assets/clip.mp4
  music: assets/music.m4a
shots:
  dawn:
    generate: {prompt: A fox at first light, start_frame: photo, duration: 5}
  leap:
    generate: {prompt: The fox leaps, start_frame: dawn.last_frame, duration: 5}
  globe:
    loop: {prompt: A snow globe turning}
  footage:
    loop: {source: clip, crossfade: 0.5}
  tall:
    reframe: {source: dawn, aspect_ratio: "9:16", prompt: more sky, resolution: 540p}
cuts:
  trailer:
    shots:
      - dawn
      - {shot: leap, trim: [0.5, 4.5], transition: {type: crossfade, duration: 0.5}}
      - {shot: globe, repeat: 2, transition: {type: fade, duration: 0.5}}
      - footage
    audio: {asset: music, volume: 0.8, fade_in: 0.5, fade_out: 1.0}
  vertical:
    aspect_ratio: "9:16"
    resolution: 540p
    fit: blur
    shots: [tall, globe]
"""


@pytest.fixture(scope="session")
def media_inputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("inputs")
    ff = Ffmpeg()
    ff.make_test_image(d / "photo.png", 640, 360, color="orange")
    ff.make_test_clip(d / "clip.mp4", 3.0, 640, 360)
    ff.make_test_tone(d / "music.m4a", 30.0)
    return d


def make_film(parent: Path, media_inputs: Path) -> Path:
    root = parent / "film"
    (root / "assets").mkdir(parents=True)
    for f in media_inputs.iterdir():
        shutil.copy(f, root / "assets" / f.name)
    (root / "storyboard.yaml").write_text(FILM, "utf-8")
    return root


@pytest.fixture
def film(tmp_path: Path, media_inputs: Path) -> Path:
    return make_film(tmp_path, media_inputs)


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory, media_inputs: Path) -> Path:
    """The film built once with the preview provider; tests copy it before changing it."""
    from storyboard.engine import RecordingReporter
    from storyboard.project import Project

    root = make_film(tmp_path_factory.mktemp("built"), media_inputs)
    summary = Project.load(root).build(reporter=RecordingReporter())
    assert not summary.failed, summary.failed
    return root
