"""A project's new media assets are probed together: clips alike cost one ffprobe between
them, and an unreadable one is still named, with why."""

from __future__ import annotations

from pathlib import Path

import pytest
from media_helpers import Recording

from storyboard.cache import StatCache
from storyboard.errors import SpecError
from storyboard.media import Ffmpeg
from storyboard.probe import probe_assets
from storyboard.spec.load import parse

pytestmark = pytest.mark.e2e  # real clips


def _project(root: Path, names: list[str]) -> str:
    lines = ["version: 1", "name: p", "assets:"]
    lines += [f"  {Path(n).stem}: media/{n}" for n in names]
    lines += ["shots:", "  s:", "    generate: {prompt: x}"]
    return "\n".join(lines) + "\n"


def test_clips_alike_are_probed_once_and_remembered(tmp_path: Path) -> None:
    media = tmp_path / "media"
    media.mkdir()
    names = [f"{p}.mp4" for p in ("testsrc2", "rgbtestsrc", "mandelbrot", "testsrc")]
    for name in names:
        Ffmpeg().make_test_clip(media / name, 0.5, 160, 96, pattern=Path(name).stem)
    recording = Recording()

    board, smap, _ = parse(_project(tmp_path, names))
    stat = StatCache(tmp_path / "stat-cache.json")
    ff = Ffmpeg(run=recording)
    facts = probe_assets(board, smap, tmp_path, stat, lambda: ff)
    assert {f.kind for f in facts.values()} == {"video"}
    assert [f.duration for f in facts.values()] == pytest.approx([0.5] * 4)
    assert len(recording.calls) == 1, [a[-1] for a in recording.calls]
    for name in names:  # what the shortcut said is what ffprobe says
        assert Ffmpeg().probe(media / name).duration == facts[Path(name).stem].duration


def test_an_unreadable_asset_is_still_named(tmp_path: Path) -> None:
    media = tmp_path / "media"
    media.mkdir()
    for pattern in ("testsrc2", "rgbtestsrc"):
        Ffmpeg().make_test_clip(media / f"{pattern}.mp4", 0.5, 160, 96, pattern=pattern)
    (media / "broken.mp4").write_bytes(b"\0" * 4096)
    board, smap, _ = parse(_project(tmp_path, ["testsrc2.mp4", "broken.mp4", "rgbtestsrc.mp4"]))
    with pytest.raises(SpecError) as caught:
        probe_assets(board, smap, tmp_path, StatCache(tmp_path / "stat.json"), Ffmpeg)
    text = str(caught.value)
    assert "broken.mp4" in text and "cannot be read as video" in text
    assert "testsrc2" not in text and "rgbtestsrc" not in text
