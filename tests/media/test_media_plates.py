"""Clean plates: what a preview hands on (its frames, its picture as an edit or loop source)
never carries the slate, so a chain of shots never piles titles on titles."""

from __future__ import annotations

from pathlib import Path

import pytest
from media_helpers import Clips, display_frame, gray, mean_abs_diff

from storyboard.media import Ffmpeg, PreviewSpec

pytestmark = pytest.mark.e2e

MOVES = (("push_in",), ("pan_left",), ("orbit_right",), ("crane_up",), ("pull_out",),
         ("pan_right", "tilt_down"), ("push_in", "low_angle"), ("orbit_left",))


def chain_of_eight(ff: Ffmpeg, root: Path) -> list[Path]:
    """Eight shots, each starting on the previous one's last frame, as the engine builds
    `start_frame: previous.last_frame`; returns the start frames handed along and the last
    shot's first frame."""
    root.mkdir()
    handed: list[Path] = []
    start: Path | None = None
    for number, camera in enumerate(MOVES, 1):
        shot = root / f"shot{number}.mp4"
        ff.render_preview(PreviewSpec(
            kind="generate", duration=1.0, width=320, height=180, title=f"shot_{number}",
            prompt=f"shot {number} of the chain: 狐 🦊 {', '.join(camera)}", model="ray-2",
            camera=camera, start_image=start, seed="chain"), shot)
        start = root / f"shot{number}-last.png"
        ff.extract_frame(shot, start, "last")
        handed.append(start)
    ff.extract_frame(root / "shot8.mp4", root / "shot8-first.png", "first")
    return [*handed, root / "shot8-first.png"]


def test_a_chain_of_eight_shots_hands_on_clean_plates(media: Ffmpeg, tmp_path: Path) -> None:
    slated = chain_of_eight(media, tmp_path / "slated")
    # The same chain with no overlays at all: the plates transformed by the moves, alone.
    bare = chain_of_eight(Ffmpeg(fonts=[]), tmp_path / "bare")
    for number, (a, b) in enumerate(zip(slated, bare, strict=True), 1):
        assert mean_abs_diff(gray(a, "160x90"), gray(b, "160x90")) < 0.5, f"link {number}"
    # ...while every shot people watch wears its slate.
    shown = display_frame(tmp_path / "slated" / "shot8.mp4", tmp_path / "shown.png")
    assert mean_abs_diff(gray(shown, "160x90"), gray(slated[-1], "160x90")) > 2


def test_edit_and_loop_sources_are_read_from_the_plate(
    media: Ffmpeg, clips: Clips, tmp_path: Path
) -> None:
    source = tmp_path / "source.mp4"
    media.render_preview(PreviewSpec(kind="generate", duration=1.0, width=320, height=180,
                                     title="source", prompt="words " * 40, model="ray-2",
                                     start_image=clips.png), source)
    bare = Ffmpeg(fonts=[])
    for ff, name in ((media, "slated"), (bare, "bare")):
        ff.render_preview(PreviewSpec(kind="reframe", duration=1.0, width=320, height=180,
                                      title="r", prompt="", model="m", source_video=source),
                          tmp_path / f"{name}-reframe.mp4")
        ff.extract_frame(tmp_path / f"{name}-reframe.mp4", tmp_path / f"{name}.png", "first")
    media.make_loop(source, tmp_path / "loop.mp4", 0.25)
    media.extract_frame(tmp_path / "loop.mp4", tmp_path / "loop.png", "first")
    orange = gray(clips.png)
    assert mean_abs_diff(gray(tmp_path / "slated.png"), gray(tmp_path / "bare.png")) < 0.5
    assert mean_abs_diff(gray(tmp_path / "loop.png"), orange) < 6  # the plate, no slate text


@pytest.mark.parametrize("camera", [("pan_left",), ("push_in",), ("crane_up",)])
def test_without_a_start_image_the_move_crosses_a_place_with_depth(
    camera: tuple[str, ...], tmp_path: Path
) -> None:
    bare = Ffmpeg(fonts=[])
    dst = tmp_path / "p.mp4"
    bare.render_preview(PreviewSpec(kind="generate", duration=1.0, width=320, height=180,
                                    title="t", prompt="p", model="m", camera=camera,
                                    seed="depth"), dst)
    bare.extract_frame(dst, tmp_path / "first.png", "first")
    bare.extract_frame(dst, tmp_path / "last.png", "last")
    first, last = gray(tmp_path / "first.png"), gray(tmp_path / "last.png")
    mean = sum(first) / len(first)
    spread = (sum((v - mean) ** 2 for v in first) / len(first)) ** 0.5
    assert spread > 12  # sky, hills, a ruled ground: not a flat card
    # Rows differ from the top down (a horizon), and the move visibly shifts the picture.
    rows = [sum(first[r * 64:(r + 1) * 64]) / 64 for r in range(36)]
    assert max(rows) - min(rows) > 20
    assert mean_abs_diff(first, last) > 3
