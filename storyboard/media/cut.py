"""Assembling finished shots into a cut: planning in frames, then one ffmpeg filter graph.

Lengths are counted in output frames so that "sum of entries minus overlaps" holds exactly and
every xfade offset lands on a frame. When nothing needs re-encoding (uniform H.264/AAC clips,
hard cuts, no trims, no music) the clips are joined by the concat demuxer with stream copy.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import ffmpeg

from storyboard.errors import MediaError
from storyboard.media.graph import (
    FINAL_PRESET,
    SAMPLE_RATE,
    Stream,
    encode_args,
    fit_audio,
    frame_count,
    frames_in,
    normalise_video,
    rate_text,
    read_length,
    sample_count,
    silence,
)
from storyboard.media.info import Probed
from storyboard.media.specs import AudioBed, CutSegment, CutSpec

_XFADE = {"crossfade": "fade", "fade": "fadeblack"}


@dataclass(frozen=True)
class PlannedSegment:
    segment: CutSegment
    probed: Probed
    trim_in: float
    length: float  # seconds kept after trimming
    frames: int
    overlap: int  # frames shared with the previous segment (0: hard cut)


def plan_cut(spec: CutSpec, probed: list[Probed]) -> list[PlannedSegment]:
    """Check the cut against the probed clips and count every segment in output frames."""
    if not spec.segments:
        raise MediaError("a cut needs at least one segment")
    if spec.width <= 0 or spec.height <= 0 or spec.width % 2 or spec.height % 2:
        raise MediaError(
            f"cannot render a cut at {spec.width}x{spec.height}: H.264 yuv420p needs positive, "
            "even width and height"
        )
    if spec.fps <= 0:
        raise MediaError(f"cannot render a cut at {spec.fps} fps; fps must be positive")
    half_frame = 0.5 / spec.fps
    plan: list[PlannedSegment] = []
    for index, (segment, probe) in enumerate(zip(spec.segments, probed, strict=True)):
        info = probe.info
        where = f"cut segment {index + 1} ({segment.path})"
        if info.kind != "video" or not info.duration:
            raise MediaError(f"{where} is {info.kind}, not a video clip; cuts join video clips")
        trim_out = info.duration if segment.trim_out is None else segment.trim_out
        if segment.trim_in < 0 or trim_out > info.duration + half_frame:
            raise MediaError(
                f"{where}: trim [{segment.trim_in}, {trim_out}] is outside the clip "
                f"(0 to {info.duration:.3f}s); change the trim points"
            )
        length = min(trim_out, info.duration) - segment.trim_in
        if length < half_frame:
            raise MediaError(f"{where}: trim [{segment.trim_in}, {trim_out}] keeps nothing")
        frames = frame_count(length, spec.fps)
        overlap = 0
        if index > 0 and segment.transition != "cut":
            overlap = frames_in(segment.transition_duration, spec.fps)
            if segment.transition_duration < 0 or overlap > min(frames, plan[-1].frames):
                raise MediaError(
                    f"{where}: a {segment.transition_duration}s {segment.transition} is longer "
                    "than one of the clips it joins; shorten the transition"
                )
        plan.append(PlannedSegment(segment, probe, segment.trim_in, length, frames, overlap))
    return plan


def total_frames(plan: list[PlannedSegment]) -> int:
    return sum(p.frames - p.overlap for p in plan)


def can_stream_copy(spec: CutSpec, plan: list[PlannedSegment]) -> bool:
    """True when the concat demuxer can join the files as they are and match the request."""
    if spec.audio is not None or not spec.clip_audio:
        return False
    first = plan[0].probed
    for item in plan:
        info, probe = item.probed.info, item.probed
        untrimmed = item.trim_in < 0.5 / spec.fps and item.length >= (info.duration or 0) - (
            0.5 / spec.fps
        )
        # The concat demuxer places each file after the previous container's end: a file whose
        # audio outlasts its video would leave gaps in the picture.
        container = probe.container_duration or 0.0
        tight = abs(container - (info.duration or 0.0)) <= 0.5 / spec.fps
        if not (
            item.overlap == 0
            and untrimmed
            and tight
            and probe.copy_signature == first.copy_signature
            and info.video_codec == "h264"
            and info.pix_fmt == "yuv420p"
            and (info.width, info.height) == (spec.width, spec.height)
            and info.fps is not None
            and abs(info.fps - spec.fps) < 1e-3
            and info.audio_codec == "aac"
            and probe.audio_sample_rate == SAMPLE_RATE
            and probe.audio_channels == 2
        ):
            return False
    return True


def concat_list(paths: list[Path]) -> str:
    """A concat-demuxer script; quotes inside paths are closed, escaped and reopened."""
    lines = ["ffconcat version 1.0"]
    for path in paths:
        quoted = str(path.resolve()).replace("'", "'\\''")
        lines.append(f"file '{quoted}'")
    return "\n".join(lines) + "\n"


def build_cut(spec: CutSpec, plan: list[PlannedSegment], bed: Probed | None, dst: Path) -> Stream:
    """The ffmpeg-python output that renders the cut by re-encoding."""
    return ffmpeg.output(
        cut_video(spec, plan),
        cut_audio(spec, plan, bed),
        str(dst),
        **encode_args(FINAL_PRESET, 20),
        r=rate_text(spec.fps),
    )


def cut_video(spec: CutSpec, plan: list[PlannedSegment]) -> Stream:
    """The cut's picture: every segment trimmed and fitted, joined by cuts and transitions."""
    videos: list[Stream] = []
    for index, item in enumerate(plan):
        source = _source(item, spec.fps, index)
        videos.append(
            normalise_video(source["v:0"], spec.width, spec.height, spec.fps, item.frames, spec.fit)
        )
    video, _ = _join(plan, videos, None, spec.fps)
    return video.filter("format", "yuv420p")


def cut_audio(spec: CutSpec, plan: list[PlannedSegment], bed: Probed | None) -> Stream:
    """The cut's sound: clip audio (silence where a clip has none) under the same cuts and
    transitions as the picture, mixed with the music bed, exactly as long as the picture."""
    fps = spec.fps
    audio: Stream | None = None
    if spec.clip_audio:
        audios: list[Stream] = []
        for index, item in enumerate(plan):
            if item.probed.info.has_audio:
                audios.append(fit_audio(_source(item, fps, index)["a:0"], item.frames, fps))
            else:
                audios.append(silence(item.frames, fps, index))
        audio = _join_audio(plan, audios, fps)
    frames = total_frames(plan)
    if spec.audio is not None and bed is not None:
        music = _bed(spec.audio, bed, frames, fps)
        if audio is None:
            audio = music
        else:
            audio = ffmpeg.filter(
                [audio, music], "amix", inputs=2, normalize=0, duration="first"
            ).filter("atrim", end_sample=sample_count(frames, fps))
    if audio is None:
        audio = silence(frames, fps, len(plan))
    return audio


def _source(item: PlannedSegment, fps: float, index: int) -> Stream:
    options = {"t": read_length(item.length, fps, index)}
    if item.trim_in > 0:
        options["ss"] = item.trim_in
    return ffmpeg.input(str(item.segment.path.resolve()), **options)


def _join_audio(plan: list[PlannedSegment], audios: list[Stream], fps: float) -> Stream:
    # The same runs as _join: hard cuts concatenate, each transition folds in an acrossfade.
    run = [audios[0]]
    for index in range(1, len(plan)):
        item = plan[index]
        if item.overlap == 0:
            run.append(audios[index])
            continue
        joined = run[0] if len(run) == 1 else ffmpeg.concat(*run, v=0, a=1)
        run = [
            ffmpeg.filter(
                [joined, audios[index]], "acrossfade", nb_samples=sample_count(item.overlap, fps)
            )
        ]
    return run[0] if len(run) == 1 else ffmpeg.concat(*run, v=0, a=1)


def _join(
    plan: list[PlannedSegment], videos: list[Stream], audios: list[Stream] | None, fps: float
) -> tuple[Stream, Stream | None]:
    # Runs of hard cuts become one concat; each transition folds the run so far into an xfade.
    run_v: list[Stream] = [videos[0]]
    run_a: list[Stream] = [audios[0]] if audios else []
    done = plan[0].frames
    for index in range(1, len(plan)):
        item = plan[index]
        if item.overlap == 0:
            run_v.append(videos[index])
            if audios:
                run_a.append(audios[index])
        else:
            joined_v, joined_a = _concat(run_v, run_a, fps)
            seconds = item.overlap / fps
            run_v = [
                ffmpeg.filter(
                    [joined_v, videos[index]],
                    "xfade",
                    transition=_XFADE[item.segment.transition],
                    duration=seconds,
                    offset=(done - item.overlap) / fps,
                )
            ]
            if audios and joined_a is not None:
                run_a = [
                    ffmpeg.filter(
                        [joined_a, audios[index]],
                        "acrossfade",
                        nb_samples=sample_count(item.overlap, fps),
                    )
                ]
        done += item.frames - item.overlap
    return _concat(run_v, run_a, fps)


def _concat(videos: list[Stream], audios: list[Stream], fps: float) -> tuple[Stream, Stream | None]:
    if len(videos) == 1:
        return videos[0], audios[0] if audios else None
    if audios:
        interleaved = [s for pair in zip(videos, audios, strict=True) for s in pair]
        node = ffmpeg.concat(*interleaved, v=1, a=1).node
        video, audio = node[0], node[1]
    else:
        video, audio = ffmpeg.concat(*videos, v=1, a=0), None
    # concat outputs microsecond timestamps; xfade insists on both inputs' 1/fps time base.
    return video.filter("settb", f"1/({rate_text(fps)})"), audio


def _bed(bed: AudioBed, probed: Probed, frames: int, fps: float) -> Stream:
    total = frames / fps
    if not probed.info.has_audio:
        raise MediaError(f"audio bed {bed.path} has no audio stream; choose a music file")
    if probed.info.duration is not None and bed.start >= probed.info.duration:
        raise MediaError(
            f"audio bed {bed.path} starts at {bed.start}s but is only "
            f"{probed.info.duration:.2f}s long; lower `start`"
        )
    options = {"ss": bed.start} if bed.start > 0 else {}
    music = ffmpeg.input(str(bed.path.resolve()), **options)["a:0"]
    music = fit_audio(music, frames, fps).filter("volume", bed.volume)
    if bed.fade_in > 0:
        music = music.filter("afade", t="in", st=0, d=min(bed.fade_in, total))
    if bed.fade_out > 0:
        fade = min(bed.fade_out, total)
        music = music.filter("afade", t="out", st=total - fade, d=fade)
    return music
