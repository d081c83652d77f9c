"""Probing for `Ffmpeg`: one ffprobe per file at most, none for what is already known.

Known means probed earlier in this process, kept in the workspace's memo from an earlier
command (same stat signature), or derived from the MP4 header of a clip shaped like one that
was probed (`mp4.py`). The rest run a few ffprobes at a time.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from storyboard.errors import MediaError
from storyboard.media.files import plain_path, stat_key, workdir
from storyboard.media.info import Probed, parse_probe, probe_argv
from storyboard.media.memo import ProbeMemo, memo_key
from storyboard.media.mp4 import Mp4Header, derive_probe, read_header

_MAX_PROBE_THREADS = 8


class Prober:
    """`run(argv, what)` runs ffprobe and names the failure; `ffprobe()` gives its path."""

    def __init__(self, run: Callable[[list[str], str], str], ffprobe: Callable[[], str],
                 memo: ProbeMemo | None = None) -> None:
        self._run = run
        self._ffprobe = ffprobe
        self._memo = memo
        # A cut probes every clip; the engine has usually probed them already this run.
        self._cache: dict[tuple[str, int, int, int], Probed] = {}
        self._cache_lock = threading.Lock()

    def probe(self, path: Path) -> Probed:
        key = stat_key(path)
        with self._cache_lock:
            cached = self._cache.get(key)
        if cached is None:
            cached = self._remembered(path, key)
        if cached is not None:
            return cached
        with workdir() as work:
            argv = probe_argv(self._ffprobe(), plain_path(path.resolve(), work, "probe"))
            what = (
                f"ffprobe cannot read {path}; check that it is a complete image, video or "
                "audio file (re-export or re-download it)"
            )
            output = self._run(argv, what)
        try:
            data = json.loads(output)
        except json.JSONDecodeError as exc:
            raise MediaError(f"{what} (unreadable ffprobe output: {exc})", argv) from exc
        probed = parse_probe(data, path, key[1])
        self._keep(path, key, probed)
        return probed

    def _remembered(self, path: Path, key: tuple[str, int, int, int]) -> Probed | None:
        if self._memo is None:
            return None
        found = self._memo.get(memo_key(path, key))
        if found is not None:
            with self._cache_lock:
                self._cache[key] = found
        return found

    def _keep(self, path: Path, key: tuple[str, int, int, int], probed: Probed) -> None:
        with self._cache_lock:
            self._cache[key] = probed
        if self._memo is not None:
            self._memo.put(memo_key(path, key), probed)

    def save(self) -> None:
        """Write the probes made so far to the memo (a no-op without one)."""
        if self._memo is not None:
            self._memo.save()

    def probe_all(self, paths: Sequence[Path]) -> list[Probed]:
        """Probe many files at once: clips whose MP4 headers have the same shape need only one
        ffprobe between them; the others run a few at a time."""
        unique = list(dict.fromkeys(paths))
        keys = {p: stat_key(p) for p in unique}
        with self._cache_lock:
            found = {p: self._cache[k] for p, k in keys.items() if k in self._cache}
        for path in unique:
            remembered = None if path in found else self._remembered(path, keys[path])
            if remembered is not None:
                found[path] = remembered
        todo = [p for p in unique if p not in found]
        followers: dict[Path, tuple[Path, Mp4Header, Mp4Header]] = {}
        if len(todo) > 2:
            leaders: dict[tuple[object, ...], tuple[Path, Mp4Header]] = {}
            for path in todo:
                header = read_header(path)
                if header is None:
                    continue
                first, first_header = leaders.setdefault(header.shape(), (path, header))
                if first != path:
                    followers[path] = (first, first_header, header)
        found.update(self._each([p for p in todo if p not in followers]))
        missed: list[Path] = []
        for path, (leader, leader_header, header) in followers.items():
            derived = derive_probe(found[leader], leader_header, header, keys[path][1])
            if derived is None:
                missed.append(path)
                continue
            found[path] = derived
            self._keep(path, keys[path], derived)
        found.update(self._each(missed))
        if todo:
            self.save()
        return [found[p] for p in paths]

    def _each(self, paths: list[Path]) -> dict[Path, Probed]:
        if len(paths) <= 1:
            return {p: self.probe(p) for p in paths}
        # Each ffprobe is mostly process start-up, so a handful in flight hides the latency.
        with ThreadPoolExecutor(max_workers=min(_MAX_PROBE_THREADS, len(paths))) as pool:
            return dict(zip(paths, pool.map(self.probe, paths), strict=True))

