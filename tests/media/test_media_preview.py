"""render_preview(): exact length, format and silent track for every kind; loops that loop;
captions that survive any text; fonts that are missing or live in odd places."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from media_helpers import (
    Clips,
    Recording,
    display_frame,
    first_and_last,
    gray,
    mean_abs_diff,
    streams,
)

from storyboard.errors import MediaError
from storyboard.media import Ffmpeg, PreviewSpec, run_subprocess
from storyboard.media.captions import system_font

pytestmark = pytest.mark.e2e

NASTY = 'it\'s 100% a: b \\ c\nnew line "quoted" 🦊 日本語のテキスト {x} [y], z; %{pts}'


def spec(**changes: object) -> PreviewSpec:
    base: dict[str, Any] = {
        "kind": "generate",
        "duration": 1.0,
        "width": 320,
        "height": 180,
        "title": "leap",
        "prompt": "a fox leaps over a frozen stream",
        "model": "ray-2",
        "seed": "s1",
    }
    base.update(changes)
    return PreviewSpec(**base)


def assert_preview(path: Path, duration: float, width: int = 320, height: int = 180) -> None:
    found = streams(path)
    assert found.frames == round(duration * 24)
    assert found.video_duration == pytest.approx(duration, abs=0.001)
    assert (found.width, found.height, found.rate, found.pix_fmt) == (
        width,
        height,
        "24/1",
        "yuv420p",
    )
    assert found.audio_codec == "aac" and found.sample_rate == 48000 and found.channels == 2
    assert found.audio_duration is not None
    assert abs(found.audio_duration - found.video_duration) <= 0.05


@pytest.mark.parametrize(
    ("kind", "changes"),
    [
        ("generate", {"camera": ("push_in",)}),
        ("generate", {"camera": ("pan_left", "crane_up")}),
        ("generate", {"camera": ("pull_out",), "start_image": "png", "end_image": "jpg"}),
        ("loop", {"camera": ("orbit_right",)}),
        ("edit", {"source_video": "tall"}),
        ("reframe", {"source_video": "wide"}),
    ],
)
def test_every_kind_has_the_requested_length_and_format(
    media: Ffmpeg, clips: Clips, tmp_path: Path, kind: str, changes: dict[str, Any]
) -> None:
    resolved = {
        k: getattr(clips, v) if k.endswith(("_image", "_video")) else v for k, v in changes.items()
    }
    duration = 1.0 if kind in ("edit", "reframe") else 1.5
    dst = tmp_path / f"{kind}.mp4"
    media.render_preview(spec(kind=kind, duration=duration, **resolved), dst)
    assert_preview(dst, duration)
    assert [p.name for p in tmp_path.iterdir()] == [dst.name]  # no temp files left


def test_odd_durations_round_to_whole_frames(media: Ffmpeg, tmp_path: Path) -> None:
    media.render_preview(spec(duration=1.27, width=256, height=144), tmp_path / "p.mp4")
    assert_preview(tmp_path / "p.mp4", 30 / 24, 256, 144)


@pytest.mark.parametrize("changes", [{"kind": "loop"}, {"loop": True, "camera": ("pan_right",)}])
def test_loops_end_on_their_first_frame(
    media: Ffmpeg, clips: Clips, tmp_path: Path, changes: dict[str, Any]
) -> None:
    dst = tmp_path / "loop.mp4"
    media.render_preview(spec(duration=2.0, start_image=clips.webp, **changes), dst)
    first, last = first_and_last(media, dst, tmp_path)
    assert mean_abs_diff(first, last) < 2.0


def test_a_move_without_loop_does_not_end_where_it_started(
    media: Ffmpeg, clips: Clips, tmp_path: Path
) -> None:
    dst = tmp_path / "move.mp4"
    media.render_preview(spec(duration=1.0, start_image=clips.png, end_image=clips.jpg), dst)
    first, last = first_and_last(media, dst, tmp_path)
    assert mean_abs_diff(first, last) > 10.0  # orange crossfaded to blue
    assert mean_abs_diff(last, gray(clips.jpg)) < 3.0  # ending on the end image itself


def test_an_edit_is_visibly_restyled(clips: Clips, tmp_path: Path) -> None:
    plain = Ffmpeg(fonts=[])  # captions would differ too; the tint alone must show
    for kind in ("edit", "reframe"):
        plain.render_preview(spec(kind=kind, source_video=clips.wide), tmp_path / f"{kind}.mp4")
        plain.extract_frame(tmp_path / f"{kind}.mp4", tmp_path / f"{kind}.png", "first")
    plain.extract_frame(clips.wide, tmp_path / "source.png", "first")
    edit, same, source = (
        gray(tmp_path / f"{k}.png", pix_fmt="rgb24") for k in ("edit", "reframe", "source")
    )
    assert mean_abs_diff(same, source) < 3.0
    assert mean_abs_diff(edit, same) > 8.0


def test_the_seed_picks_the_background(media: Ffmpeg, tmp_path: Path) -> None:
    for seed in ("a", "a", "b"):
        media.render_preview(
            spec(seed=seed, title="", prompt="", model=""), tmp_path / f"{seed}.mp4"
        )
        media.extract_frame(tmp_path / f"{seed}.mp4", tmp_path / f"{seed}.png", "first")
    assert mean_abs_diff(gray(tmp_path / "a.png"), gray(tmp_path / "b.png")) > 1.0


def test_captions_survive_any_text(media: Ffmpeg, tmp_path: Path) -> None:
    dst = tmp_path / "nasty.mp4"
    media.render_preview(spec(title=NASTY, prompt=NASTY * 5, model=NASTY), dst)
    assert_preview(dst, 1.0)


def test_user_text_never_reaches_a_filter(tmp_path: Path) -> None:
    seen: list[str] = []

    def recording(argv: list[str]) -> str:
        seen.extend(argv)
        return run_subprocess(argv)

    Ffmpeg(run=recording).render_preview(spec(title=NASTY, prompt=NASTY, model=NASTY),
                                         tmp_path / "p.mp4")
    graph = " ".join(seen)
    for fragment in ("100%", "%{pts}", "日本語", "🦊", '"quoted"', "it\'s", "new line"):
        assert fragment not in graph  # set into a picture by Pillow, never parsed by ffmpeg


def test_the_slate_is_drawn_on_the_display_and_never_on_the_plate(
    media: Ffmpeg, tmp_path: Path
) -> None:
    with_text, without = tmp_path / "with.mp4", tmp_path / "without.mp4"
    media.render_preview(spec(seed="same"), with_text)
    Ffmpeg(fonts=[]).render_preview(spec(seed="same"), without)
    for path in (with_text, without):
        media.extract_frame(path, path.with_suffix(".png"), "first")
    plate, bare = gray(with_text.with_suffix(".png")), gray(without.with_suffix(".png"))
    assert mean_abs_diff(plate, bare) < 0.5  # what the shot hands on carries no text
    shown = gray(display_frame(with_text, tmp_path / "shown.png"))
    assert mean_abs_diff(shown, bare) > 1  # what people watch wears the slate


def test_a_font_in_an_odd_folder(media: Ffmpeg, tmp_path: Path) -> None:
    font = system_font()
    if font is None:
        pytest.skip("no font on this machine")
    odd = tmp_path / "it's: [a] font, dir; 100%" / font.name
    odd.parent.mkdir()
    shutil.copy(font, odd)
    Ffmpeg(fonts=[odd]).render_preview(spec(title=NASTY), tmp_path / "p.mp4")
    assert_preview(tmp_path / "p.mp4", 1.0)


def test_no_font_means_no_caption_not_failure(tmp_path: Path) -> None:
    recording = Recording()

    Ffmpeg(run=recording, fonts=[tmp_path / "missing.ttf"]).render_preview(
        spec(), tmp_path / "p.mp4"
    )
    assert_preview(tmp_path / "p.mp4", 1.0)
    assert not any("drawtext" in arg for argv in recording.calls for arg in argv)


def test_inputs_with_percent_and_quotes_in_their_names(
    media: Ffmpeg, clips: Clips, tmp_path: Path
) -> None:
    image = tmp_path / "it's 100%d: start.png"
    shutil.copy(clips.png, image)
    media.render_preview(spec(start_image=image), tmp_path / "out 100%.mp4")
    assert_preview(tmp_path / "out 100%.mp4", 1.0)


def test_a_missing_input_is_named(media: Ffmpeg, tmp_path: Path) -> None:
    with pytest.raises(MediaError, match=r"dawn\.png"):
        media.render_preview(spec(start_image=tmp_path / "dawn.png"), tmp_path / "p.mp4")
    assert list(tmp_path.iterdir()) == []


def test_a_failed_render_leaves_the_old_file_alone(tmp_path: Path) -> None:
    dst = tmp_path / "p.mp4"
    dst.write_bytes(b"previous render")

    def failing(argv: list[str]) -> str:
        Path(argv[-2]).write_bytes(b"half a file")  # ffmpeg got part of the way
        raise MediaError("ffmpeg exited with status 1", argv, "Conversion failed!")

    with pytest.raises(MediaError, match="leap"):
        Ffmpeg(run=failing).render_preview(spec(), dst)
    assert dst.read_bytes() == b"previous render"
    assert [p.name for p in tmp_path.iterdir()] == ["p.mp4"]


def test_odd_frame_sizes_are_refused_before_running(media: Ffmpeg, tmp_path: Path) -> None:
    with pytest.raises(MediaError, match="even"):
        media.render_preview(spec(width=321), tmp_path / "p.mp4")
    assert list(tmp_path.iterdir()) == []
