"""Probe results kept between commands, by each file's stat signature.

Every cut probes its clips; a project's clips rarely change between builds, yet each ffprobe
is a process (tens of milliseconds). The workspace hands `Ffmpeg` one of these, kept under
.storyboard/; a file whose size, times or inode changed is probed again. Only a cache: a
damaged or unwritable file costs a probe, never a wrong answer.
"""

from __future__ import annotations

import json
import threading
from dataclasses import asdict
from pathlib import Path
from typing import Any

from storyboard.errors import UnsafePath
from storyboard.media.info import MediaInfo, Probed
from storyboard.paths import read_bounded, write_atomic

StatKey = tuple[str, int, int, int, int]  # resolved path, size, mtime_ns, inode, ctime_ns
_MAX_BYTES = 8 << 20
_MAX_ENTRIES = 5000  # the oldest are dropped beyond this: a cache, not a record


class ProbeMemo:
    """`get` and `put` Probed values by stat key; `save` writes them when something changed."""

    def __init__(self, file: Path) -> None:
        self.file = file
        self._entries: dict[str, dict[str, Any]] = {}
        self._dirty = False
        self._lock = threading.Lock()
        try:
            data = json.loads(read_bounded(file, _MAX_BYTES, follow=False))
            if isinstance(data, dict):
                self._entries = {k: v for k, v in data.items() if isinstance(v, dict)}
        except (OSError, ValueError, UnsafePath):
            pass  # absent or damaged: probed again, and rewritten on save

    def get(self, key: StatKey) -> Probed | None:
        with self._lock:
            found = self._entries.get(_text(key))
        if found is None:
            return None
        try:
            return _probed(found)
        except (TypeError, ValueError, KeyError):
            return None

    def put(self, key: StatKey, probed: Probed) -> None:
        with self._lock:
            self._entries.pop(_text(key), None)
            self._entries[_text(key)] = asdict(probed)
            while len(self._entries) > _MAX_ENTRIES:
                del self._entries[next(iter(self._entries))]
            self._dirty = True

    def save(self) -> None:
        with self._lock:
            if not self._dirty:
                return
            data = json.dumps(self._entries).encode("utf-8")
            self._dirty = False
        try:
            self.file.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(self.file, data)
        except OSError:
            return  # only a cache: the next command probes again


def memo_key(path: Path, key: tuple[str, int, int, int]) -> StatKey:
    """`Ffmpeg`'s in-process key plus the change time, which a rewrite in place moves even
    when it keeps the size and the modification time."""
    try:
        ctime = path.stat().st_ctime_ns
    except OSError:
        ctime = -1
    return (*key, ctime)


def _text(key: StatKey) -> str:
    return "\0".join(map(str, key))


def _probed(data: dict[str, Any]) -> Probed:
    """JSON turned back into the dataclass (lists back into tuples); a field that does not
    fit raises TypeError, and the file is probed again."""
    fields: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v
                              for k, v in data.items() if k != "info"}
    probed = Probed(info=MediaInfo(**data["info"]), **fields)
    info = probed.info
    numbers = (info.duration, info.width, info.height, info.fps, info.size_bytes,
               probed.container_duration, probed.audio_sample_rate, probed.audio_channels,
               probed.reorder_delay, probed.plate_stream)
    texts = (info.video_codec, info.audio_codec, info.pix_fmt, probed.time_base)
    signatures = (*probed.copy_signature, *probed.video_signature, *probed.colour)
    if (info.kind not in ("image", "video", "audio") or not isinstance(info.has_audio, bool)
            or not all(n is None or type(n) in (int, float) for n in numbers)
            or not all(t is None or isinstance(t, str) for t in texts)
            or not all(isinstance(t, str) for t in signatures)):
        raise ValueError("a remembered probe of the wrong shape")
    return probed
