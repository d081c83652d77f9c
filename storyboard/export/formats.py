"""Writing a cut's timeline in the formats editing applications read, through OpenTimelineIO's
maintained adapters (never hand-written XML): OTIO, an OTIO bundle, FCPXML, FCP7 XML, EDL.

Each format gets a copy of the one timeline (`timeline.py`) shaped for what its adapter and the
applications reading it understand; what a format cannot carry is reported as a warning (and
listed in the README's table), never dropped silently:

- fcpxml (otio-fcpx-xml-adapter): writes no transitions, so dissolves become cuts at their
  midpoints (the clips' ranges already end there); no volume. Two amendments to its output
  (`_fcpxml_amend`): the cut's frame size on `format`, one browser clip per file.
- xml (otio-fcp-adapter, xmeml): every track and transition; a dip to black is the pair of
  dissolves to and from black FCP7 and Premiere write (`end-black`/`start-black`); the
  music's volume and fades as `Audio Levels` keyframes, passed through the adapter's
  `fcp_xml` metadata (its documented way to add elements).
- edl (otio-cmx3600-adapter): one video track, cuts and dissolves (a dip is a dissolve to and
  from the `BL` reel); each event names a unique 8-character reel and the file
  (`* FROM CLIP NAME:`, `* FROM CLIP:`); no audio.
- otio / otioz: everything; volume and fades only as storyboard metadata (OTIO has no audio
  levels). otioz zips the timeline with its media.
"""

from __future__ import annotations

import os
import re
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import opentimelineio as otio

from storyboard.errors import ProjectError
from storyboard.export.timeline import (
    MEDIA_FOLDER,
    NAMESPACE,
    Built,
    build_timeline,
    cut_node,
)
from storyboard.graph import Node

if TYPE_CHECKING:  # annotations only: Project calls into this package
    from storyboard.project import Project


@dataclass(frozen=True)
class Format:
    name: str  # --format
    suffix: str
    adapter: str  # OpenTimelineIO adapter name
    reads: str  # which applications read it
    transitions: bool  # dissolves (and dips to black) carried
    audio: bool  # audio tracks carried
    levels: bool  # music volume and fades as keyframes


FORMATS: dict[str, Format] = {f.name: f for f in (
    Format("otio", ".otio", "otio_json", "DaVinci Resolve 18.5+, Hiero/Nuke Studio, OpenRV, "
           "Premiere Pro (beta builds), any OpenTimelineIO tool", True, True, False),
    Format("otioz", ".otioz", "otioz", "the same as otio; one zip with the media inside",
           True, True, False),
    Format("fcpxml", ".fcpxml", "fcpx_xml", "Final Cut Pro, DaVinci Resolve", False, True,
           False),
    Format("xml", ".xml", "fcp_xml", "Premiere Pro, DaVinci Resolve, Final Cut Pro 7, Avid "
           "(via import)", True, True, True),
    Format("edl", ".edl", "cmx_3600", "every editing application (CMX 3600: one video track)",
           True, False, False),
)}
FORMAT_NAMES = tuple(FORMATS)


@dataclass
class ExportResult:
    """What `export_cut` (`Project.export`) wrote."""

    cut: str
    format: str
    path: Path
    stale: tuple[str, ...]  # labels that changed since the build the timeline shows
    media: list[Path]  # the files it names, beside it (inside it for otioz)
    warnings: list[str] = field(default_factory=list)  # what the format cannot carry


def format_for(path: Path | str | None, fmt: str | None) -> Format:
    """`fmt`, else the one the file's suffix names, else otio."""
    if fmt is not None:
        if fmt not in FORMATS:
            raise ProjectError(f"unknown export format '{fmt}' (formats: "
                               f"{', '.join(FORMAT_NAMES)})")
        return FORMATS[fmt]
    suffix = Path(path).suffix.lower() if path is not None else ""
    return next((f for f in FORMATS.values() if f.suffix == suffix), FORMATS["otio"])


def export_cut(project: Project, cut_name: str, path: Path | str | None = None,
               fmt: str | None = None, *, absolute_paths: bool = False) -> ExportResult:
    """Write cut `cut_name` for an editing application; nothing is built or paid.

    `path` defaults to `renders/CUT.SUFFIX`; `fmt` defaults to the one its suffix names, else
    otio. Shot outputs and the files the cut uses are placed in `media/` beside the file and
    referenced relative to it (or by absolute `file://` URLs with `absolute_paths`), so the
    folder resolves wherever it is moved. Every shot the cut uses must be built.
    """
    spec = format_for(path, fmt)
    cut = cut_node(project, cut_name)
    target = Path(path) if path is not None else project.root / "renders" / (
        cut_name + spec.suffix)
    if target.is_dir():  # -o FOLDER: the usual name inside it
        target = target / (cut_name + spec.suffix)
    try:
        built, media = _export(project, cut, spec, target, absolute_paths)
    except OSError as exc:  # a folder that cannot be made or written, a full disk
        raise ProjectError(f"cannot write {target}: {exc.strerror} ({exc.filename}; choose "
                           "another place with -o)") from None
    stale = tuple(built.timeline.metadata[NAMESPACE]["stale"])
    return ExportResult(cut_name, spec.name, target, stale, media, _warnings(spec, built))


def _export(project: Project, cut: Node, spec: Format, target: Path, absolute_paths: bool
            ) -> tuple[Built, list[Path]]:
    folder = target.parent
    if spec.name == "otioz":
        # The bundle carries its media: place it in a scratch folder the adapter zips.
        work = project.work_dir()  # beside the cache: media are hard-linked, not copied
        with tempfile.TemporaryDirectory(prefix=".storyboard-otioz-",
                                         dir=work if work.is_dir() else None) as scratch:
            placer = project.placer(Path(scratch))
            built = build_timeline(project, cut, placer, _absolute,
                                   "the bundle (media/ inside it)")
            _write(spec, built, target)
            placer.forget()  # gone with the scratch folder: not worth a stat entry
            placer.save()
        media = [Path(MEDIA_FOLDER) / p.name for p in built.media]
    else:
        placer = project.placer(folder)
        url = _absolute if absolute_paths else _relative_to(folder)
        paths = ("absolute file:// URLs" if absolute_paths
                 else "the folder of this file (media/ beside it)")
        built = build_timeline(project, cut, placer, url, paths, sound=spec.audio)
        _write(spec, built, target)
        placer.save()
        media = built.media
    return built, media


def _absolute(path: Path) -> str:
    return path.resolve().as_uri()


def _relative_to(folder: Path) -> Callable[[Path], str]:
    def url(path: Path) -> str:
        return quote(Path(os.path.relpath(path, folder)).as_posix())
    return url


def _warnings(spec: Format, built: Built) -> list[str]:
    video = built.timeline.video_tracks()[0]
    dissolves = sum(1 for i in video if isinstance(i, otio.schema.Transition)
                    and i.metadata[NAMESPACE].get("part") != "from black")
    out = []
    if dissolves and not spec.transitions:
        out.append(f"{spec.name}: the adapter writes no transitions; {dissolves} "
                   f"dissolve{'s' if dissolves != 1 else ''} (and dips to black) become cuts at "
                   "their midpoints (the timing is kept; add them back in the editor)")
    if built.left_out:
        names = " and ".join(built.left_out)
        out.append(f"{spec.name}: one video track only; the {names} "
                   f"{'are' if len(built.left_out) > 1 else 'is'} not in it (export xml or "
                   "fcpxml for sound)")
    elif built.has_music_levels and not spec.levels:
        out.append(f"{spec.name}: no volume keyframes in this format; the music's volume and "
                   "fades are not carried (they are in the clip's storyboard metadata for "
                   "otio; export xml for Audio Levels keyframes)")
    return out


def _write(spec: Format, built: Built, target: Path) -> None:
    shape: dict[str, Callable[[Built], Any]] = {
        "fcpxml": _for_fcpxml, "xml": _for_xml, "edl": _for_edl}
    timeline = shape[spec.name](built) if spec.name in shape else built.timeline
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.partial{os.getpid()}{spec.suffix}")
    tmp.unlink(missing_ok=True)
    try:
        if spec.name == "fcpxml":
            text = otio.adapters.write_to_string(timeline, adapter_name=spec.adapter)
            tmp.write_text(_fcpxml_amend(text, built), "utf-8")
        elif spec.name == "edl":
            text = otio.adapters.write_to_string(
                timeline, adapter_name=spec.adapter, rate=built.plan.fps, style="avid",
                reelname_len=REEL_LENGTH)
            tmp.write_text(text, "utf-8")
        else:
            otio.adapters.write_to_file(timeline, str(tmp), adapter_name=spec.adapter)
        tmp.replace(target)
    except (otio.exceptions.OTIOError, ValueError, KeyError) as exc:
        raise ProjectError(f"cannot write {target} as {spec.name}: {exc} (export another "
                           f"format: {', '.join(FORMAT_NAMES)})") from None
    finally:
        tmp.unlink(missing_ok=True)


def _copy(built: Built) -> otio.schema.Timeline:
    timeline: otio.schema.Timeline = built.timeline.deepcopy()  # the adapters change it
    return timeline


# -- fcpxml ------------------------------------------------------------------------------
FCPXML_RATES = (24, 25, 30, 50, 60)  # the adapter's frame-duration table (whole rates)
STANDARD_SIZES = {(1920, 1080): "1080", (1280, 720): "720", (3840, 2160): "2160"}


def _for_fcpxml(built: Built) -> otio.schema.Timeline:
    fps = built.plan.fps
    if fps not in FCPXML_RATES:
        raise ProjectError(f"FCPXML export needs one of {', '.join(map(str, FCPXML_RATES))} "
                           f"fps (the adapter's table); cut '{built.timeline.name}' is "
                           f"{fps:g} fps (set `fps:` on the cut, or export xml or otio)")
    timeline = _copy(built)
    for track in timeline.tracks:
        # No transitions in this adapter; without them the zero-length black of a dip is a
        # "0s" gap that means nothing to an editor.
        drop = [i for i, item in enumerate(track)
                if isinstance(item, otio.schema.Transition)
                or (isinstance(item, otio.schema.Gap) and item.duration().value == 0)]
        for index in reversed(drop):
            del track[index]
    return timeline


def _fcpxml_amend(text: str, built: Built) -> str:
    """Two fixes to the adapter's output: its `format` elements get the cut's frame size (it
    asks `ffprobe` for a name and leaves it empty when none is on PATH, and Final Cut Pro then
    complains), and its browser `asset-clip`s are written once per media file (it repeats one
    per use: an Element's truth value is its having children, so its "already there" check
    never holds)."""
    root = ET.fromstring(text)
    seen: set[str] = set()
    for element in root.findall("asset-clip"):
        ref = element.get("ref", "")
        if ref in seen:
            root.remove(element)
        seen.add(ref)
    plan = built.plan
    size = STANDARD_SIZES.get((plan.width, plan.height))
    for element in root.iter("format"):
        element.set("width", str(plan.width))
        element.set("height", str(plan.height))
        if size is not None:
            element.set("name", f"FFVideoFormat{size}p{plan.fps:g}")
        elif not element.get("name"):
            element.attrib.pop("name", None)
    ET.indent(root, space="    ")
    body = ET.tostring(root, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE fcpxml>\n{body}\n'


# -- xml (xmeml) -----------------------------------------------------------------------
AUDIO_CROSSFADE = {"name": "Cross Fade (+3dB)", "effectid": "KGAudioTransCrossFade3dB",
                   "effecttype": "transition", "mediatype": "audio"}


def _for_xml(built: Built) -> otio.schema.Timeline:
    timeline = _copy(built)
    for track in timeline.audio_tracks():
        for item in track:
            if isinstance(item, otio.schema.Transition):
                item.metadata["fcp_xml"] = {"effect": dict(AUDIO_CROSSFADE)}
            elif isinstance(item, otio.schema.Clip):
                meta: dict[str, Any] = {"sourcetrack": {"mediatype": "audio", "trackindex": 1}}
                levels = _audio_levels(item)
                if levels is not None:
                    meta["filter"] = levels
                item.metadata["fcp_xml"] = meta
    return timeline


def _audio_levels(clip: otio.schema.Clip) -> dict[str, Any] | None:
    """An `Audio Levels` filter (linear gain) for the music, with its fades as keyframes whose
    `when` counts frames in the media, as FCP7 and Premiere write them."""
    ours = clip.metadata.get(NAMESPACE, {})
    if "volume" not in ours:
        return None
    volume = float(ours["volume"])
    levels = [(int(f), float(g)) for f, g in ours.get("levels", [])]
    if volume == 1 and not levels:
        return None
    start = round(clip.source_range.start_time.value)
    parameter: dict[str, Any] = {
        "@authoringApp": "PremierePro", "parameterid": "level", "name": "Level",
        "valuemin": 0, "valuemax": 3.98109, "value": volume,
    }
    if levels:
        parameter["keyframe"] = [{"when": start + f, "value": g} for f, g in levels]
    return {"effect": {"name": "Audio Levels", "effectid": "audiolevels",
                       "effectcategory": "audiolevels", "effecttype": "audiolevels",
                       "mediatype": "audio", "parameter": parameter}}


# -- edl -------------------------------------------------------------------------------
REEL_LENGTH = 8  # CMX 3600


def _for_edl(built: Built) -> otio.schema.Timeline:
    timeline = _copy(built)
    reels: dict[str, str] = {}  # file -> reel
    for clip in timeline.find_clips():
        ours = clip.metadata[NAMESPACE]
        file = str(ours["file"])
        if file not in reels:
            reels[file] = reel_name(str(ours.get("shot") or ours.get("asset")),
                                    set(reels.values()))
        # Editors conform an EDL by reel and by the clip name, which here is the file's name.
        clip.name = file
        clip.metadata["cmx_3600"] = {"reel": reels[file]}
    return timeline


def reel_name(name: str, taken: set[str]) -> str:
    """Up to 8 capitals and digits from `name`, unique among `taken` (a numbered suffix when
    two names share their first letters)."""
    base = re.sub(r"[^A-Z0-9]", "", name.upper()) or "CLIP"
    reel = base[:REEL_LENGTH]
    number = 1
    while reel in taken or reel == "BL":
        number += 1
        tail = f"{number:02d}"
        reel = base[:REEL_LENGTH - len(tail)] + tail
    return reel

