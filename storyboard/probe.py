"""What the graph needs to know about input files: kind, duration, frame size, bytes.

The graph checks limits (a source too long for a model, a trim past the end) before anything
runs, but it never touches media; this probes each video, image and audio asset through
`media/` once per content digest (remembered in the stat cache) and hands it the facts.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from storyboard.cache import StatCache
from storyboard.errors import MediaError, Problem, SpecError
from storyboard.graph import AssetFacts, media_kind_of
from storyboard.paths import length_problem
from storyboard.spec import SourceMap, Storyboard

if TYPE_CHECKING:
    from storyboard.media import Ffmpeg
    from storyboard.media.info import MediaKind


def probe_assets(board: Storyboard, smap: SourceMap, root: Path, stat: StatCache,
                 ffmpeg: Callable[[], Ffmpeg]) -> dict[str, AssetFacts]:
    """Probe video and audio assets (cached by content digest) so limits can be checked;
    `ffmpeg` is asked for only when a file is new (media/ is not even imported otherwise)."""
    facts: dict[str, AssetFacts] = {}
    problems: list[Problem] = []
    found: list[tuple[str, str, MediaKind, Path, str]] = []
    for name, rel in board.assets.items():
        kind = media_kind_of(rel)
        path = root / rel
        if kind is None or length_problem(rel) or Path(rel).is_absolute():
            continue  # the graph reports these
        try:
            if not path.is_file():
                continue  # the graph reports it (missing, a folder, a link loop)
        except OSError:
            continue
        try:
            if not path.resolve().is_relative_to(root.resolve()):
                continue
            digest = stat.digest(path)
        except OSError:
            continue
        found.append((name, rel, kind, path, digest))
    new = [path for _, _, _, path, digest in found if digest not in stat.facts]
    if len(new) > 1:
        # All at once: clips alike need one ffprobe between them, the rest run a few at a
        # time. What fails is probed again alone below, to say which file and why.
        with contextlib.suppress(MediaError):
            ffmpeg().probe_many(new)
    for name, rel, kind, path, digest in found:
        cached = stat.facts.get(digest)
        if cached is None:
            try:
                info = ffmpeg().probe(path)
            except MediaError as exc:
                first = str(exc).splitlines()[0]
                problems.append(smap.problem(
                    ("assets", name), f"'{rel}' cannot be read as {kind}: {first}",
                    where=f"asset '{name}'", hint="re-export the file, or point to another one",
                ))
                continue
            empty = (kind in ("image", "video") and not (info.width and info.height)) or (
                kind in ("video", "audio") and not info.duration)
            if empty:
                problems.append(smap.problem(
                    ("assets", name), f"'{rel}' holds no readable {kind} (ffprobe finds no "
                    "frames or no duration)", where=f"asset '{name}'",
                    hint="re-export the file, or point to another one",
                ))
                continue
            if info.kind != kind:
                problems.append(smap.problem(
                    ("assets", name), f"'{rel}' is named like an {kind} but holds {info.kind}",
                    where=f"asset '{name}'", hint="fix the file or its extension",
                ))
                continue
            cached = {"kind": info.kind, "duration": info.duration, "width": info.width,
                      "height": info.height, "size": info.size_bytes}
            stat.facts[digest] = cached
            stat.dirty = True
        facts[name] = AssetFacts(cached["kind"], cached.get("duration"), cached.get("width"),
                                 cached.get("height"), cached.get("size"))
    stat.save()
    if problems:
        raise SpecError(problems)
    return facts
