"""The preview slate's layout and type, without ffmpeg: every box inside the safe area on every
frame size the catalogue makes, the whole prompt kept, and Japanese and emoji drawn as glyphs."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageDraw

from storyboard.catalogue import load_catalogue
from storyboard.catalogue.mapping import frame_size
from storyboard.media.slate import Box, SlateText, draw_slate, safe_area, slate_layout
from storyboard.media.typeset import FontChain, Style, draw_line, runs, shipped_fonts

PROMPT = (
    "A red fox trots through a snowy forest at dawn, breath visible in the cold air, the camera "
    "low among the birches as light breaks through; cinematic, 35mm film, soft winter light"
)
JAPANESE = "雪の森を歩く赤い狐 🦊 夜明けの光"


def chain() -> FontChain:
    found = shipped_fonts()
    assert found is not None, "the font packages storyboard depends on are not installed"
    return found


def catalogue_frames() -> list[tuple[int, int]]:
    ratios: set[str] = set()
    for model in load_catalogue().models:
        ratio = model.parameters.get("aspectRatio")
        if ratio is not None and ratio.allowed:
            ratios.update(str(r) for r in ratio.allowed)
    assert {"9:16", "16:9", "21:9"} <= ratios
    return sorted({frame_size(r, res) for r in ratios for res in ("540p", "720p", "1080p")})


def text(**changes: object) -> SlateText:
    base: dict[str, object] = {
        "title": "portrait_tall", "prompt": PROMPT, "model": "ray-flash-2", "duration": 5.0,
        "fps": 24.0, "frames": 120, "camera": ("push_in", "low_angle"),
    }
    base.update(changes)
    return SlateText(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(("width", "height"), catalogue_frames())
def test_every_text_box_stays_in_the_safe_area(width: int, height: int) -> None:
    safe = safe_area(width, height)
    for slate in (text(), text(title="a_very_long_shot_name_" * 4, prompt=PROMPT * 3),
                  text(title=JAPANESE, prompt=JAPANESE * 6, model="ray-3.2-reframe")):
        layout = slate_layout(slate, width, height, chain())
        for box in layout.boxes():
            assert box.inside(safe), (width, height, box, safe)
        # Lines never overlap one another, and the timecode row is on the frame's last line.
        tops = sorted(layout.boxes()[:-2], key=lambda b: b.y)
        assert all(a.bottom <= b.y for a, b in pairwise(tops))
        assert tops[-1].bottom <= layout.timecode.box.y


@pytest.mark.parametrize(("width", "height"), [(960, 540), (540, 960)])
def test_the_whole_prompt_is_on_the_slate_at_540p(width: int, height: int) -> None:
    layout = slate_layout(text(), width, height, chain())
    words = " ".join(line.text for line in layout.lines[3:])
    assert words == PROMPT
    assert layout.lines[0].text == "portrait_tall"  # not `portrait_t…`
    sizes = {line.style.size for line in layout.lines[3:]}
    assert min(sizes) >= 18  # readable on a phone held upright


def test_the_title_and_camera_are_named() -> None:
    layout = slate_layout(text(camera=("orbit_right", "crane-up")), 1280, 720, chain())
    shown = [line.text for line in layout.lines]
    assert "portrait_tall" in shown[0]
    assert any("orbit right" in t and "crane up" in t for t in shown)
    assert any("5 s" in t and "120 frames" in t and "ray-flash-2" in t and "1280×720" in t
               for t in shown)
    assert layout.guide is not None and layout.guide.inside(layout.safe)


def _ink(image: Image.Image) -> Box | None:
    box = image.getbbox()
    return Box(box[0], box[1], box[2] - box[0], box[3] - box[1]) if box else None


def _render(line: str, style: Style) -> Image.Image:
    image = Image.new("L", (style.size * (len(line) + 2), style.size * 2), 0)
    draw = ImageDraw.Draw(image)
    draw_line(draw, (0, 0), line, style, 255)  # type: ignore[arg-type]
    return image


def test_japanese_and_emoji_render_as_glyphs_not_missing_boxes() -> None:
    style = Style(chain(), 40)
    # What each face draws for a character it lacks: U+FFFF, which no font maps.
    missing = [_render("\uffff", Style(FontChain((face,)), 40)) for face in chain().files]
    used = {path.name for _, path in runs(JAPANESE, chain())}
    assert any("CJK" in n for n in used) and any("Emoji" in n for n in used)
    for char in JAPANESE.replace(" ", ""):
        drawn = _render(char, style)
        assert _ink(drawn) is not None, f"{char!r} drew nothing"
        for box in missing:
            assert ImageChops.difference(drawn, box).getbbox() is not None, (
                f"{char!r} was drawn as a missing-glyph box")


def test_a_character_no_face_has_becomes_a_replacement_mark() -> None:
    # Linear B is in no shipped face; a lone variation selector is zero-width, not a box.
    assert runs("\U00010000x\ufe0f", chain()) == [("\ufffdx\ufe0f", chain().primary)]


def test_the_slate_picture_is_the_frame_size_and_transparent_in_the_middle(
    tmp_path: Path,
) -> None:
    layout = slate_layout(text(camera=()), 540, 960, chain())
    draw_slate(layout, (), tmp_path / "slate.png")
    with Image.open(tmp_path / "slate.png") as image:
        assert image.size == (540, 960) and image.mode == "RGBA"
        assert image.getpixel((270, 480))[3] == 0  # the plate shows through


def test_the_readme_shows_two_small_animatic_frames_its_script_makes() -> None:
    root = Path(__file__).resolve().parents[2]
    readme = (root / "README.md").read_text(encoding="utf-8")
    script = (root / "scripts" / "readme_frames.py").read_text(encoding="utf-8")
    for name in ("animatic-trailer.png", "animatic-vertical.png"):
        assert f"docs/img/{name}" in readme and f'"{name}"' in script
        picture = root / "docs" / "img" / name
        assert picture.stat().st_size < 64 * 1024  # a few tens of KB
        with Image.open(picture) as image:
            assert image.format == "PNG" and min(image.size) >= 300
