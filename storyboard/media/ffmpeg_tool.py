"""`Ffmpeg`: the one object through which storyboard probes, renders and stitches media.

It turns requests into argv (via ffmpeg-python graphs), hands each argv to the injected Runner,
and owns the file-level guarantees: outputs appear atomically (temp file + rename, never a
partial dst), temp files are removed, and failures name the file and what to do.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import ffmpeg

from storyboard.errors import FfmpegNotFound, MediaError
from storyboard.media import binaries
from storyboard.media.cut import build_cut, plan_cut, total_frames
from storyboard.media.cutter import CutRenderer
from storyboard.media.files import atomic_output, plain_path, workdir
from storyboard.media.graph import (
    FINAL_PRESET,
    PREVIEW_PRESET,
    SAMPLE_RATE,
    compile_argv,
    encode_args,
    fit_audio,
    frame_count,
    frames_in,
    normalise_video,
    rate_text,
    sample_count,
    silence,
)
from storyboard.media.info import MediaInfo, Probed
from storyboard.media.memo import ProbeMemo
from storyboard.media.prober import Prober
from storyboard.media.progress import PROGRESS_ARGS, Progress, Tally, parse_out_time
from storyboard.media.runner import Runner, run_streaming, run_subprocess
from storyboard.media.specs import CutReport, CutSpec, PreviewSpec

StrPath = str | os.PathLike[str]

_LAVFI_WORD = re.compile(r"^[A-Za-z0-9_]+$")
_COLOUR = re.compile(r"^[#A-Za-z0-9_.@]+$")


class Ffmpeg:
    """Media operations over ffmpeg/ffprobe. `run` is the seam for tests; `fonts` lists the font
    files slates are set in, in fallback order (None: the shipped Noto faces; empty: previews
    without overlays)."""

    def __init__(
        self,
        ffmpeg: str | None = None,
        ffprobe: str | None = None,
        run: Runner | None = None,
        *,
        fonts: Sequence[Path] | None = None,
        memo: ProbeMemo | None = None,
    ) -> None:
        self._ffmpeg = ffmpeg
        self._ffprobe = ffprobe
        self._run_argv: Runner = run or run_subprocess
        self._fonts = fonts
        # `memo`: probes kept between commands (the workspace's), if any.
        self._prober = Prober(lambda argv, what: self._run(argv, what),
                              lambda: self.ffprobe_path, memo)

    @property
    def ffmpeg_path(self) -> str:
        if self._ffmpeg is None:
            self._ffmpeg = binaries.locate()[0]
        return self._ffmpeg

    @property
    def ffprobe_path(self) -> str:
        if self._ffprobe is None:
            self._ffprobe = binaries.locate()[1]
        return self._ffprobe

    # -- probing ---------------------------------------------------------------------------

    def probe(self, path: StrPath) -> MediaInfo:
        """What the file is (image, video, audio) and its streams; MediaError if unreadable."""
        return self._probe(Path(path)).info

    def probe_many(self, paths: Sequence[StrPath]) -> list[MediaInfo]:
        """`probe` for many files at once (cheaper than one by one: see `Prober`); the first
        unreadable file raises MediaError."""
        return [p.info for p in self._probe_all([Path(p) for p in paths])]

    def _probe(self, path: Path) -> Probed:
        return self._prober.probe(path)

    def _probe_all(self, paths: Sequence[Path]) -> list[Probed]:
        return self._prober.probe_all(paths)

    def save_probes(self) -> None:
        """Write what was probed to the memo, if there is one (a cut's probes are written
        as soon as they are made)."""
        self._prober.save()

    # -- frames ----------------------------------------------------------------------------

    def extract_frame(self, video: StrPath, dst: StrPath, which: Literal["first", "last"]) -> None:
        """Write the exact first or last decoded frame of a video as PNG."""
        source, target = Path(video), Path(dst)
        probed = self._probe(source)
        if probed.info.kind != "video":
            raise MediaError(
                f"{source} is {probed.info.kind}, not a video; frames come from videos"
            )
        what = f"cannot extract the {which} frame of {source}"
        with atomic_output(target) as tmp:
            if which == "first":
                self._run(self._frame_argv(source, tmp, None, probed.picture), what)
                return
            # Seeking from the end decodes only the tail; the window covers the gap between
            # the container's end and the video's plus a few frames.
            info = probed.info
            gap = max(0.0, (probed.container_duration or 0.0) - (info.duration or 0.0))
            window = gap + 4.0 / (info.fps or 24.0)
            self._run(self._frame_argv(source, tmp, window, probed.picture), what)
            if not tmp.is_file() or tmp.stat().st_size == 0:
                # No frame in the window (variable frame rate, odd timestamps): decode it all.
                self._run(self._frame_argv(source, tmp, 0.0, probed.picture), what)

    def _frame_argv(self, source: Path, tmp: Path, tail: float | None, picture: str) -> list[str]:
        options: dict[str, float] = {"sseof": -tail} if tail else {}
        # A preview's plate, never its slate: frames start other shots (see Probed.picture).
        stream = ffmpeg.input(str(source.resolve()), **options)[picture]
        # update=1 keeps overwriting one image, so the file ends as the last frame decoded.
        out_options: dict[str, str | int] = {"update": 1, "c:v": "png"}
        if tail is None:
            out_options["frames:v"] = 1
        return compile_argv(ffmpeg.output(stream, str(tmp), **out_options), self.ffmpeg_path)

    # -- previews and loops ----------------------------------------------------------------

    def render_preview(self, spec: PreviewSpec, dst: StrPath) -> None:
        """Render a local animatic for a shot (see PreviewSpec)."""
        with workdir() as work, atomic_output(Path(dst)) as tmp:
            sources: dict[str, Path] = {}
            for role, path in (
                ("start", spec.start_image),
                ("end", spec.end_image),
                ("source", spec.source_video),
            ):
                if path is None:
                    continue
                if not Path(path).is_file():
                    raise MediaError(
                        f"shot '{spec.title}': {role} file {path} does not exist; check the path"
                    )
                sources[role] = plain_path(Path(path).resolve(), work, role)
            picture = self._probe(sources["source"]).picture if "source" in sources else "v:0"
            # Slates and burn-ins set type with Pillow (~0.1 s to import): loaded when drawn,
            # so a cut or a probe does not pay for them.
            from storyboard.media.captions import resolve_chain
            from storyboard.media.preview import build_preview

            chain = resolve_chain(self._fonts)
            output = build_preview(spec, tmp, chain, work, sources, picture)
            self._run(
                compile_argv(output, self.ffmpeg_path),
                f"cannot render the preview of shot '{spec.title}'",
            )

    def make_loop(self, src: StrPath, dst: StrPath, crossfade: float = 1.0) -> None:
        """A seamless loop: the tail dissolves into the head, so the last frame is the first.
        The result is `crossfade` seconds shorter than src."""
        source = Path(src)
        probed = self._probe(source)
        info = probed.info
        if info.kind != "video" or not info.duration or not info.width or not info.height:
            raise MediaError(f"{source} is not a video clip; only footage can be looped")
        fps = info.fps or 24.0
        frames = frame_count(info.duration, fps)
        overlap = frames_in(crossfade, fps)
        if overlap < 2 or frames < 2 * overlap + 1:
            raise MediaError(
                f"cannot loop {source} ({info.duration:.2f}s) with a {crossfade}s crossfade; "
                "the crossfade must be at least two frames and under half the clip"
            )
        width, height = info.width - info.width % 2, info.height - info.height % 2
        length = frames - overlap
        inp = ffmpeg.input(str(source.resolve()))
        whole = normalise_video(inp[probed.picture], width, height, fps, frames, "pad").split()
        body = whole[0].filter("trim", start_frame=overlap).filter("setpts", "PTS-STARTPTS")
        head = (
            whole[1]
            .filter("trim", start_frame=1, end_frame=overlap + 1)
            .filter("setpts", "PTS-STARTPTS")
        )
        # The dissolve ends on the last frame showing source frame `overlap`, which is also
        # the loop's first frame: first and last frames match.
        video = ffmpeg.filter(
            [body, head],
            "xfade",
            transition="fade",
            duration=(overlap - 1) / fps,
            offset=(length - overlap) / fps,
        )
        if info.has_audio:
            sound = ffmpeg.filter_multi_output(fit_audio(inp["a:0"], frames, fps), "asplit")
            body_a = (
                sound[0]
                .filter("atrim", start_sample=sample_count(overlap, fps))
                .filter("asetpts", "PTS-STARTPTS")
            )
            head_a = (
                sound[1]
                .filter(
                    "atrim",
                    start_sample=sample_count(1, fps),
                    end_sample=sample_count(overlap + 1, fps),
                )
                .filter("asetpts", "PTS-STARTPTS")
            )
            audio = ffmpeg.filter(
                [body_a, head_a], "acrossfade", nb_samples=sample_count(overlap, fps)
            )
        else:
            audio = silence(length, fps)
        with atomic_output(Path(dst)) as tmp:
            output = ffmpeg.output(
                video.filter("format", "yuv420p"),
                audio,
                str(tmp),
                **encode_args(FINAL_PRESET, 20),
                r=rate_text(fps),
            )
            self._run(compile_argv(output, self.ffmpeg_path), f"cannot loop {source}")

    # -- cuts ------------------------------------------------------------------------------

    def render_cut(self, spec: CutSpec, dst: StrPath, *, smart: bool = True,
                   progress: Progress | None = None) -> CutReport:
        """Trim, fit, join and mix the segments into one H.264/AAC MP4 (see CutSpec), copying
        what needs no change; `smart=False` re-encodes the whole cut (the reference the smart
        path is checked against). `progress` receives the fraction done, ending at 1.0."""
        paths = [s.path for s in spec.segments]
        if spec.audio is not None:
            paths.append(spec.audio.path)
        probed = self._probe_all(paths)
        plan = plan_cut(spec, probed[: len(spec.segments)])
        bed = probed[-1] if spec.audio is not None else None
        target = Path(dst)
        tally = Tally(progress or (lambda _: None))
        with workdir() as work, atomic_output(target) as tmp:
            if not smart:
                output = build_cut(spec, plan, bed, tmp)
                self._run(compile_argv(output, self.ffmpeg_path), f"cannot render the cut {target}",
                          tally.part(total_frames(plan) / spec.fps))
                report = CutReport(total_frames(plan) / spec.fps, False, "encode")
            else:
                renderer = CutRenderer(self._run, self._probe, self.ffmpeg_path,
                                       self.ffprobe_path, work, tally)
                report = renderer.render(spec, plan, bed, tmp, target)
        tally.finish()
        return report

    def burn_in(self, spec: CutSpec, labels: Sequence[str], cut: StrPath, dst: StrPath) -> None:
        """A review copy of the rendered `cut` (made from `spec`): record timecode and each
        entry's name (`labels`, one per segment) burned in below the safe area."""
        from storyboard.media.burnin import draw_burn_in, windows
        from storyboard.media.captions import resolve_chain

        chain = resolve_chain(self._fonts)
        if chain is None:
            raise MediaError("no font to burn in with; reinstall storyboard (it ships fonts)")
        probed = self._probe_all([s.path for s in spec.segments])
        spans = windows(plan_cut(spec, probed), labels)
        source = Path(cut)
        info = self._probe(source).info
        with workdir() as work, atomic_output(Path(dst)) as tmp:
            inp = ffmpeg.input(str(source.resolve()))
            video = draw_burn_in(inp["v:0"], spans, spec.width, spec.height, spec.fps, chain,
                                 work).filter("format", "yuv420p")
            streams = [video, inp["a:0"]] if info.has_audio else [video]
            output = ffmpeg.output(*streams, str(tmp), **encode_args(PREVIEW_PRESET, 20))
            self._run(compile_argv(output, self.ffmpeg_path),
                      f"cannot burn timecode and names into a copy of {source}")

    # -- generated test media --------------------------------------------------------------

    def make_test_clip(
        self,
        dst: StrPath,
        duration: float,
        width: int,
        height: int,
        fps: int = 24,
        with_audio: bool = True,
        pattern: str = "testsrc2",
    ) -> None:
        """A synthetic H.264/AAC clip (lavfi `pattern` source, a 440 Hz tone) for tests."""
        if not _LAVFI_WORD.match(pattern):
            raise MediaError(f"unknown test pattern {pattern!r}; use a lavfi source name")
        frames = frame_count(duration, fps)
        video = ffmpeg.input(f"{pattern}=s={width}x{height}:r={fps}", f="lavfi").video.filter(
            "trim", end_frame=frames
        )
        streams = [video.filter("format", "yuv420p")]
        if with_audio:
            tone = ffmpeg.input(f"sine=frequency=440:sample_rate={SAMPLE_RATE}", f="lavfi")
            streams.append(fit_audio(tone.audio, frames, fps))
        args = encode_args(PREVIEW_PRESET, 23)
        if not with_audio:
            args = {k: v for k, v in args.items() if k not in {"c:a", "b:a", "ar", "ac"}}
        with atomic_output(Path(dst)) as tmp:
            output = ffmpeg.output(*streams, str(tmp), **args)
            self._run(compile_argv(output, self.ffmpeg_path), f"cannot make test clip {dst}")

    def make_test_image(self, dst: StrPath, width: int, height: int, color: str = "orange") -> None:
        """A flat-colour still (PNG, JPEG or WebP by the file's extension)."""
        if not _COLOUR.match(color):
            raise MediaError(f"unknown colour {color!r}; use a name like 'orange' or '#ff8800'")
        source = ffmpeg.input(f"color=c={color}:s={width}x{height}", f="lavfi")
        with atomic_output(Path(dst)) as tmp:
            output = ffmpeg.output(source.video, str(tmp), **{"frames:v": 1, "update": 1})
            self._run(compile_argv(output, self.ffmpeg_path), f"cannot make test image {dst}")

    def make_test_tone(self, dst: StrPath, duration: float) -> None:
        """A stereo 48 kHz sine tone; the codec follows the file's extension (.m4a, .wav)."""
        tone = ffmpeg.input(f"sine=frequency=330:sample_rate={SAMPLE_RATE}", f="lavfi").audio
        audio = tone.filter("aformat", sample_rates=SAMPLE_RATE, channel_layouts="stereo").filter(
            "atrim", end_sample=round(duration * SAMPLE_RATE)
        )
        with atomic_output(Path(dst)) as tmp:
            output = ffmpeg.output(audio, str(tmp))
            self._run(compile_argv(output, self.ffmpeg_path), f"cannot make test tone {dst}")

    # -- running ---------------------------------------------------------------------------

    def _run(self, argv: list[str], what: str, progress: Progress | None = None) -> str:
        """Runs argv; `progress` receives seconds of output written, when ffmpeg can tell (the
        default runner only: an injected one is given exactly the argv it was built for)."""
        try:
            if progress is not None and self._run_argv is run_subprocess:
                timed = [argv[0], *PROGRESS_ARGS, *argv[1:]]
                return run_streaming(timed, lambda line: _report(line, progress))
            return self._run_argv(argv)
        except FfmpegNotFound:
            raise
        except MediaError as exc:
            reason = str(exc).partition("\nffmpeg said:")[0]
            raise MediaError(f"{what} ({reason})", exc.argv or argv, exc.stderr_tail) from exc


def _report(line: str, progress: Progress) -> None:
    seconds = parse_out_time(line)
    if seconds is not None:
        progress(seconds)
