"""The pure parts of media: probe interpretation, camera moves, captions, concat scripts."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from storyboard.errors import MediaError
from storyboard.media.captions import first_font
from storyboard.media.cut import concat_list
from storyboard.media.graph import frame_count, rate_text
from storyboard.media.info import parse_probe
from storyboard.media.preview import camera_move, seed_colours, zoompan_args
from storyboard.media.typeset import Style, measure, shipped_fonts, wrap


def probe_json(format_name: str, *streams: dict[str, Any], duration: str = "N/A") -> dict[str, Any]:
    return {"format": {"format_name": format_name, "duration": duration}, "streams": list(streams)}


VIDEO = {
    "codec_type": "video",
    "codec_name": "h264",
    "width": 1280,
    "height": 720,
    "avg_frame_rate": "30000/1001",
    "pix_fmt": "yuv420p",
    "duration": "5.005",
}
AUDIO = {"codec_type": "audio", "codec_name": "aac", "sample_rate": "48000", "channels": 2}


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (probe_json("png_pipe", {"codec_type": "video", "codec_name": "png"}), "image"),
        (probe_json("image2", {"codec_type": "video", "codec_name": "mjpeg"}), "image"),
        (
            probe_json(
                "mov,mp4,m4a,3gp,3g2,mj2",
                {"codec_type": "video", "codec_name": "mjpeg", "nb_frames": "1"},
            ),
            "image",
        ),
        (probe_json("mov,mp4,m4a,3gp,3g2,mj2", VIDEO, AUDIO, duration="5.02"), "video"),
        (
            probe_json(
                "mp3",
                AUDIO,
                {"codec_type": "video", "codec_name": "mjpeg", "disposition": {"attached_pic": 1}},
            ),
            "audio",
        ),
    ],
)
def test_kinds(data: dict[str, Any], kind: str) -> None:
    assert parse_probe(data, Path("x"), 10).info.kind == kind


def test_video_facts() -> None:
    probed = parse_probe(probe_json("mov,mp4", VIDEO, AUDIO, duration="5.02"), Path("x"), 10)
    assert probed.info.duration == 5.005  # the picture's length, not the container's
    assert probed.container_duration == 5.02
    assert probed.info.fps == pytest.approx(29.97, abs=0.001)
    assert (probed.audio_sample_rate, probed.audio_channels) == (48000, 2)


def test_no_streams_is_an_error_naming_the_file() -> None:
    with pytest.raises(MediaError, match=r"notes\.txt"):
        parse_probe(probe_json("tty"), Path("notes.txt"), 10)


def test_rates_and_frames() -> None:
    assert rate_text(24) == "24"
    assert rate_text(30000 / 1001) == "30000/1001"
    assert frame_count(1.27, 24) == 30
    assert frame_count(0.75, 30) == 23  # halves round up, not to even
    assert frame_count(0.0, 24) == 1


@pytest.mark.parametrize(
    ("concepts", "zooms_in", "drift"),
    [
        ((), True, (0, 0)),
        (("push_in",), True, (0, 0)),
        (("zoom_out",), False, (0, 0)),
        (("pan_left",), None, (-1, 0)),
        (("truck_right",), None, (1, 0)),
        (("tilt_up",), None, (0, -1)),
        (("crane_down",), None, (0, 1)),
        (("orbit_left",), True, (-1, 0)),
        (("handheld",), True, (0, 0)),
    ],
)
def test_camera_concepts(
    concepts: tuple[str, ...], zooms_in: bool | None, drift: tuple[int, int]
) -> None:
    move = camera_move(concepts)
    assert (move.drift_x, move.drift_y) == drift
    if zooms_in is not None:
        assert (move.zoom_delta > 0) is zooms_in
    end_zoom = move.start_zoom + move.zoom_delta
    assert min(move.start_zoom, end_zoom) >= 1.0 - 1e-9  # zoompan cannot show beyond the picture


def evaluate(expression: str, frame: int) -> float:
    return float(
        eval(expression.replace("PI", "math.pi"), {"math": math, "cos": math.cos, "on": frame})
    )


def test_out_and_back_returns_to_the_first_frame() -> None:
    args = zoompan_args(camera_move(("push_in", "pan_right")), 48, out_and_back=True)
    assert evaluate(args["z"], 0) == pytest.approx(evaluate(args["z"], 47))
    assert evaluate(args["z"], 24) > evaluate(args["z"], 0)
    one_way = zoompan_args(camera_move(("push_in",)), 48, out_and_back=False)
    assert evaluate(one_way["z"], 47) > evaluate(one_way["z"], 0)


def test_seed_colours_are_stable_and_differ() -> None:
    assert seed_colours("dawn") == seed_colours("dawn")
    assert seed_colours("dawn")[0] != seed_colours("dusk")[0]


def test_concat_scripts_quote_paths() -> None:
    script = concat_list([Path("/clips/it's here.mp4")])
    assert "file '/clips/it'\\''s here.mp4'" in script


def test_wrapping_keeps_paragraphs_and_fits_the_width() -> None:
    chain = shipped_fonts()
    assert chain is not None
    style = Style(chain, 20)
    lines = wrap("one two three four five six\nseven", 120, style)
    assert lines[-1] == "seven" and len(lines) > 2
    assert all(measure(line, style) <= 120 for line in wrap("word " * 200, 120, style))
    # CJK has no spaces: it breaks between characters, and a word too long for a line is cut.
    assert all(measure(line, style) <= 120 for line in wrap("日本語のテキスト" * 5, 120, style))
    assert all(measure(line, style) <= 120 for line in wrap("x" * 80, 120, style))


def test_first_font_skips_missing_files(tmp_path: Path) -> None:
    real = tmp_path / "real.ttf"
    real.write_bytes(b"font")
    assert first_font([tmp_path / "missing.ttf", real]) == real
    assert first_font([]) is None


def test_rotated_phone_footage_reports_its_shown_shape() -> None:
    rotated = dict(VIDEO, side_data_list=[{"side_data_type": "Display Matrix", "rotation": -90}])
    probed = parse_probe(probe_json("mov,mp4", rotated, AUDIO, duration="5.02"), Path("x"), 10)
    upright = parse_probe(probe_json("mov,mp4", VIDEO, AUDIO, duration="5.02"), Path("x"), 10)
    assert (probed.info.width, probed.info.height) == (720, 1280)
    assert probed.copy_signature != upright.copy_signature
