"""A cut's `output:` from an untrusted file: validate names every one that would replace an
input, a project file, storyboard's own state or another cut's render; build never replaces a
file storyboard did not make. Through the real CLI, in a child process."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from storyboard.media import Ffmpeg
from tests.hostile.untrusted import Untouched, cli, project

SHOT = "assets:\n  a: assets/a.png\n  clip: assets/clip.mp4\nshots:\n  s:\n" \
       "    generate: {prompt: x, start_frame: a}\n"

# output -> what the message says about it
BAD = {
    "storyboard.yaml": "video extension",
    "renders/../storyboard.yaml": "video extension",
    "storyboard.lock": "video extension",
    ".env": "video extension",
    ".gitignore": "video extension",
    "assets/a.png": "video extension",
    "renders/notes.txt": "video extension",
    ".": "video extension",
    "renders/": "video extension",
    "assets/clip.mp4": "the asset 'clip'",
    "ASSETS/CLIP.MP4": "the asset 'clip'",
    "renders/../assets/clip.mp4": "the asset 'clip'",
    ".storyboard/cache/objects/ab/x.mp4": "a folder storyboard or git keeps",
    ".Storyboard/x.mp4": "a folder storyboard or git keeps",
    ".git/x.mp4": "a folder storyboard or git keeps",
    "storyboard.lock/x.mp4": "a folder storyboard or git keeps",
    "renders/folder.mp4": "is a folder",
    "assets/a.png/x.mp4": "which is a file",
    "linked/x.mp4": "the asset 'clip'",
    "renders/first.mp4": "also the output of cut 'first'",
    "RENDERS/FIRST.MP4": "also the output of cut 'first'",
    "a" * 256 + ".mp4": "longer than 255 bytes",
    "/tmp/evil.mp4": "outside the project folder",
    "../sibling/evil.mp4": "outside the project folder",
}


def _cuts(outputs: list[str]) -> str:
    body = "cuts:\n  first:\n    shots: [s]\n    output: renders/first.mp4\n"
    for i, out in enumerate(outputs):
        body += f"  c{i}:\n    shots: [s]\n    output: '{out}'\n"
    return body


def test_validate_refuses_every_output_that_is_not_a_render_of_its_own(tmp_path: Path) -> None:
    outputs = sorted(BAD)
    root = project(tmp_path, SHOT + _cuts(outputs))
    Ffmpeg().make_test_clip(root / "assets" / "clip.mp4", 0.5, 64, 36, with_audio=False)
    (root / "renders" / "folder.mp4").mkdir(parents=True)
    (root / "linked").mkdir()
    os.symlink(root / "assets" / "clip.mp4", root / "linked" / "x.mp4")
    before = Untouched(root)
    ran = cli(root, "validate")
    assert ran.code == 3, ran.out
    lines = ran.out.splitlines()
    for i, out in enumerate(outputs):
        said = [ln for ln in lines if f"cut 'c{i}', field 'output'" in ln]
        assert said, f"{out!r} was accepted:\n{ran.out}"
        assert re.search(r"storyboard\.yaml:\d+:\d+: ", said[0]), said  # file:line:column
        assert BAD[out] in said[0], (out, said)
    assert "cut 'first', " not in ran.out  # a render of its own is fine
    before.check()


@pytest.mark.e2e  # another child process: the fast lane keeps the one above
def test_a_good_output_validates(tmp_path: Path) -> None:
    root = project(tmp_path, SHOT.replace("  clip: assets/clip.mp4\n", "")
                   + "cuts:\n  c:\n    shots: [s]\n    output: renders/Film.MOV\n")
    ran = cli(root, "validate")
    assert ran.code == 0, ran.out


@pytest.mark.e2e  # builds a preview shot with ffmpeg: seconds
def test_build_never_overwrites_a_users_file_at_an_output(tmp_path: Path) -> None:
    root = project(tmp_path, SHOT.replace("  clip: assets/clip.mp4\n", "")
                   + "cuts:\n  c:\n    shots: [s]\n    output: renders/c.mp4\n")
    mine = root / "renders" / "c.mp4"
    mine.parent.mkdir()
    mine.write_bytes(b"my holiday video")
    before = Untouched(root)
    ran = cli(root, "build", memory=None)
    assert ran.code == 1, ran.out
    assert "renders/c.mp4 is already there" in ran.out and "move it away" in ran.out
    assert mine.read_bytes() == b"my holiday video"
    before.check()

    # Moved away, the render is made; a later change re-renders over storyboard's own file.
    mine.unlink()
    assert cli(root, "build", memory=None).code == 0
    first = mine.read_bytes()
    text = (root / "storyboard.yaml").read_text("utf-8").replace("prompt: x", "prompt: y")
    (root / "storyboard.yaml").write_text(text, "utf-8")
    ran = cli(root, "build", memory=None)
    assert ran.code == 0, ran.out
    assert mine.read_bytes() != first

    # A link placed at the output is the user's too: never replaced.
    mine.unlink()
    (root / "kept.mp4").write_bytes(b"another video of mine")
    os.symlink(root / "kept.mp4", mine)
    ran = cli(root, "build", memory=None)
    assert ran.code == 1 and "a link storyboard did not make" in ran.out, ran.out
    assert mine.is_symlink()
