"""Rendering a planned cut the cheapest way that gives the same frames.

1. Uniform clips, hard cuts, no trims, no music: the concat demuxer copies every stream.
2. Otherwise, when some clips can be copied: smart rendering (`smart.py`) - pieces around the
   transitions are re-encoded, the rest of the picture is copied, and the sound is rendered
   once for the whole cut and muxed in the same pass.
3. Else the whole cut is re-encoded in one filter graph (`cut.py`).
Every clip that cannot be copied is named, with why, in the report's notes.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Protocol

import ffmpeg

from storyboard.errors import MediaError
from storyboard.media.cut import (
    PlannedSegment,
    build_cut,
    can_stream_copy,
    concat_list,
    cut_audio,
    cut_video,
    plan_cut,
    total_frames,
)
from storyboard.media.graph import SAMPLE_RATE, Stream, compile_argv, rate_text
from storyboard.media.info import Probed
from storyboard.media.progress import Progress, Tally
from storyboard.media.samples import read_packets, video_frames
from storyboard.media.smart import (
    CopyPart,
    Keyframes,
    Part,
    RenderPart,
    audio_options,
    concat_script,
    keyframes_argv,
    keyframes_of,
    parse_keyframes,
    piece_options,
    plan_parts,
    refusal,
)
from storyboard.media.specs import CutReport, CutSpec


class Run(Protocol):
    """Runs argv; `what` names the failure; `progress` receives seconds of output written."""

    def __call__(self, argv: list[str], what: str, progress: Progress | None = None) -> str: ...


Probe = Callable[[Path], Probed]
_WORKERS = 2  # x264 threads itself; two pieces at once keep both cores busy at the seams
# Ten seconds of AAC-LC 48 kHz stereo digital silence (1024 samples a packet), as the cut's.
SILENCE = Path(__file__).parent / "data" / "silence.m4a"
SILENCE_PACKET = 1024 / SAMPLE_RATE


class CutRenderer:
    """Renders one cut into `tmp` using the scratch folder `work`; `run` runs an argv."""

    def __init__(
        self, run: Run, probe: Probe, ffmpeg_path: str, ffprobe_path: str, work: Path,
        tally: Tally | None = None,
    ) -> None:
        self.run = run
        self.probe = probe
        self.ffmpeg = ffmpeg_path
        self.ffprobe = ffprobe_path
        self.work = work
        self.tally = tally or Tally(lambda _: None)

    def render(
        self, spec: CutSpec, plan: list[PlannedSegment], bed: Probed | None, tmp: Path, name: Path
    ) -> CutReport:
        if can_stream_copy(spec, plan):
            self._copy_all(plan, tmp, name,
                           self.tally.part(sum(p.probed.info.duration or 0.0 for p in plan)))
            return CutReport(sum(p.probed.info.duration or 0.0 for p in plan), True, "copy")
        frames = total_frames(plan)
        keys, notes = self._copyable(spec, plan)
        parts = plan_parts(spec, plan, keys) if any(keys) else []
        copied = sum(p.last - p.first for p in parts if isinstance(p, CopyPart))
        if copied:
            reference = next(plan[i].probed for i, k in enumerate(keys) if k is not None)
            self._smart(spec, plan, bed, parts, reference, tmp, name)
            got = self._frames(tmp, spec.fps)
            if got == frames:
                return CutReport(frames / spec.fps, False, "smart", copied, tuple(notes))
            notes.append(
                f"smart rendering gave {got} frames instead of {frames}; "
                "the whole cut was re-encoded instead (please report this)"
            )
            copied = 0
        self.run(compile_argv(build_cut(spec, plan, bed, tmp), self.ffmpeg),
                 f"cannot render the cut {name}", self.tally.part(frames / spec.fps))
        return CutReport(frames / spec.fps, False, "encode", 0, tuple(notes))

    def _copy_all(self, plan: list[PlannedSegment], tmp: Path, name: Path,
                  progress: Progress) -> None:
        listing = self.work / "segments.ffconcat"
        listing.write_text(concat_list([p.segment.path for p in plan]), encoding="utf-8")
        joined = ffmpeg.input(str(listing), f="concat", safe=0)
        # copyts keeps the first file's audio priming as a negative start (an edit list)
        # instead of shifting the whole picture 21 ms late.
        output = ffmpeg.output(
            joined["v:0"], joined["a:0"], str(tmp), c="copy", movflags="+faststart", copyts=None
        )
        self.run(compile_argv(output, self.ffmpeg), f"cannot join the clips of {name}", progress)

    def _copyable(
        self, spec: CutSpec, plan: list[PlannedSegment]
    ) -> tuple[list[Keyframes | None], list[str]]:
        """Keyframes of each clip whose video can be copied (None for the others), and a note
        naming each clip that cannot, with why."""
        notes: list[str] = []
        reference: tuple[int, Probed] | None = None
        eligible: list[bool] = []
        for index, item in enumerate(plan):
            why = refusal(spec, item, reference)
            if not why and reference is None:
                reference = (index, item.probed)
            eligible.append(not why)
            if why:
                notes.append(f"cut segment {index + 1} ({item.segment.path.name}) is "
                             f"re-encoded, not copied: {why}")
        paths = list(dict.fromkeys(p.segment.path for p, ok in zip(plan, eligible, strict=True)
                                   if ok))
        with ThreadPoolExecutor(max_workers=max(1, min(8, len(paths)))) as pool:
            found = dict(zip(paths, pool.map(lambda p: self._keyframes(p, spec.fps), paths),
                             strict=True))
        keys: list[Keyframes | None] = []
        for index, (item, ok) in enumerate(zip(plan, eligible, strict=True)):
            key = found.get(item.segment.path) if ok else None
            if ok and key is None:
                notes.append(f"cut segment {index + 1} ({item.segment.path.name}) is "
                             "re-encoded, not copied: its video is not the file's first stream "
                             "or its packets have no timestamps")
            keys.append(key)
        return keys, notes

    def _frames(self, path: Path, fps: float) -> int:
        """How many frames a rendered cut shows: counted in its sample table (no decoding,
        no process), or from ffprobe's duration when the table is not one we read."""
        counted = video_frames(path)
        if counted is not None:
            return counted
        return round((self.probe(path).info.duration or 0.0) * fps)

    def _keyframes(self, path: Path, fps: float) -> Keyframes | None:
        # The MP4 sample tables say what ffprobe's packet list says, without a process.
        packets = read_packets(path)
        if packets is not None:
            return keyframes_of(packets, fps)
        text = self.run(keyframes_argv(self.ffprobe, path.resolve()),
                        f"cannot read the keyframes of {path}")
        return parse_keyframes(text, fps)

    def _smart(self, spec: CutSpec, plan: list[PlannedSegment], bed: Probed | None,
               parts: list[Part], reference: Probed, tmp: Path, name: Path) -> None:
        pieces = {n: self.work / f"piece{n:04d}.mp4" for n, p in enumerate(parts)
                  if isinstance(p, RenderPart)}
        options = piece_options(reference, rate_text(spec.fps))
        # Every command's share is known before the first starts, so the fraction never jumps.
        shares = {n: self.tally.part(part.frames / spec.fps) for n, part in enumerate(parts)
                  if isinstance(part, RenderPart)}
        # The join copies the picture and renders only the sound: cheap per second.
        joining = self.tally.part(total_frames(plan) / spec.fps, weight=0.1)

        def encode(number: int) -> None:
            part = parts[number]
            assert isinstance(part, RenderPart)
            sub = CutSpec(part.segments, spec.width, spec.height, spec.fps, spec.fit,
                          None, False)
            subplan = plan_cut(sub, [self.probe(s.path) for s in part.segments])
            if total_frames(subplan) != part.frames:
                raise MediaError(f"internal error: a smart-render piece of {name} has "
                                 f"{total_frames(subplan)} frames, not {part.frames}")
            output = ffmpeg.output(cut_video(sub, subplan), str(pieces[number]), **options)
            self.run(compile_argv(output, self.ffmpeg), f"cannot render part of the cut {name}",
                     shares[number])

        with ThreadPoolExecutor(max_workers=_WORKERS) as pool:
            list(pool.map(encode, pieces))
        listing = self.work / "parts.ffconcat"
        listing.write_text(concat_script(parts, pieces, spec.fps), encoding="utf-8")
        joined = ffmpeg.input(str(listing), f="concat", safe=0)
        sound, options = self._sound(spec, plan, bed)
        output = ffmpeg.output(joined["v:0"], sound, str(tmp), **{"c:v": "copy"}, **options,
                               movflags="+faststart")
        self.run(compile_argv(output, self.ffmpeg), f"cannot render the cut {name}", joining)

    def _sound(self, spec: CutSpec, plan: list[PlannedSegment], bed: Probed | None
               ) -> tuple[Stream, dict[str, str | int]]:
        """The join's sound and its encoder options. A cut with nothing to hear copies packets
        of shipped AAC silence: encoding minutes of silence costs more than the whole join."""
        heard = bed is not None or (spec.clip_audio and any(p.probed.info.has_audio
                                                            for p in plan))
        if heard or not SILENCE.is_file():
            return cut_audio(spec, plan, bed), audio_options()
        # Whole packets: stopping one packet short of the picture's end keeps the sound
        # within it (the container stays as long as the video), short by under 22 ms.
        seconds = total_frames(plan) / spec.fps - SILENCE_PACKET
        silence = ffmpeg.input(str(SILENCE), stream_loop=-1, t=f"{max(seconds, 0.001):.6f}")
        return silence["a:0"], {"c:a": "copy"}
