"""The review page in a real browser: headless Chromium opens it from disk (file://), every
image decodes, every video loads, nothing on the page logs to the console, and a screenshot is
kept for people to look at."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e  # a real browser, seconds per page

FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--enable-logging=stderr", "--v=0")


def run_chromium(chromium: Path, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(chromium), *FLAGS, f"--user-data-dir={profile}", *args],
                          capture_output=True, text=True, timeout=120, check=False)


def console_lines(stderr: str, page: Path) -> list[str]:
    """Console messages (and load failures) that the page itself caused."""
    uri = page.resolve().as_uri()
    return [line for line in stderr.splitlines()
            if ("CONSOLE" in line and uri in line) or "ERR_FILE_NOT_FOUND" in line]


def test_every_image_and_video_loads_in_chromium(chromium: Path, page: Path,
                                                 tmp_path: Path) -> None:
    uri = page.resolve().as_uri() + "?check"
    done = run_chromium(chromium, tmp_path / "profile", "--virtual-time-budget=15000",
                        "--dump-dom", uri)
    assert done.returncode == 0, done.stderr[-2000:]
    body = done.stdout[done.stdout.index("<body"):].split(">", 1)[0]
    assert 'data-images-ok="yes"' in body, body
    assert 'data-videos-ok="yes"' in body, body
    images = int(body.split('data-images="')[1].split('"')[0])
    videos = int(body.split('data-videos="')[1].split('"')[0])
    assert images >= 7 + 9 + 1  # strip, cut entries, contact sheet
    assert videos == 7 + 2  # every shot and cut
    assert console_lines(done.stderr, page) == []


def test_screenshot(chromium: Path, page: Path, tmp_path: Path) -> None:
    shot = tmp_path / "review.png"
    done = run_chromium(chromium, tmp_path / "profile", f"--screenshot={shot}",
                        "--window-size=1280,2000", page.resolve().as_uri())
    assert done.returncode == 0, done.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 50_000  # a page, not a blank
    kept = page.parent / "screenshot.png"
    shutil.copyfile(shot, kept)
    print(f"review page screenshot: {shot} (and {kept})")
    assert console_lines(done.stderr, page) == []


def test_the_check_sees_a_missing_image_and_video(chromium: Path, page: Path,
                                                  tmp_path: Path) -> None:
    """The in-page check can fail: a copy of the page naming files that do not exist."""
    html = page.read_text("utf-8")
    broken = page.with_name("broken.html")
    broken.write_text(html.replace('src="media/dawn-', 'src="media/gone-', 1)
                      .replace('src="thumbs/leap-', 'src="thumbs/gone-', 1), "utf-8")
    try:
        done = run_chromium(chromium, tmp_path / "profile", "--virtual-time-budget=15000",
                            "--dump-dom", broken.resolve().as_uri() + "?check")
    finally:
        broken.unlink()
    body = done.stdout[done.stdout.index("<body"):].split(">", 1)[0]
    assert 'data-images-ok="no"' in body and "thumbs/gone-" in body
    assert 'data-videos-ok="no"' in body and "media/gone-" in body
