"""Local nodes: frames, local loops and cuts, made with ffmpeg in a worker thread.

Kept apart from the runner (which schedules them and records what they made): these functions
only turn a node and the files behind its inputs into a stored output.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

from storyboard.engine.workspace import Workspace
from storyboard.errors import MediaError
from storyboard.graph import CutPlan, FrameData, LocalLoopData, Node
from storyboard.media import AudioBed, CutSegment, CutSpec
from storyboard.providers.base import InputFile


def run_local(ws: Workspace, node: Node, inputs: dict[str, InputFile],
              progress: Callable[[float], None] | None = None) -> tuple[str, tuple[str, ...]]:
    """The output's digest, and what the user should hear about how it was made (a cut
    names each clip it could not copy, and why). `progress` hears a cut's fraction done."""
    ff = ws.ffmpeg
    work = node.payload
    notes: tuple[str, ...] = ()
    with tempfile.TemporaryDirectory(dir=ws.tmp()) as tmp:
        if isinstance(work, FrameData):
            dst = Path(tmp) / "frame.png"
            ff.extract_frame(inputs[node.inputs[0]].path, dst, work.which)
        elif isinstance(work, LocalLoopData):
            dst = Path(tmp) / "loop.mp4"
            ff.make_loop(inputs[node.inputs[0]].path, dst, work.crossfade)
        elif isinstance(work, CutPlan):
            dst = Path(tmp) / "cut.mp4"
            notes = ff.render_cut(cut_spec(work, inputs), dst, progress=progress).notes
        else:  # pragma: no cover - model kinds never reach here
            raise MediaError(f"no local runner for {node.kind}")
        # Our own render on the store's disk: renamed in, and no fsync (free to make again).
        digest = ws.store.put(dst, move=True, durable=False)
    if node.kind == "cut":
        materialize(ws, node, digest)
    return digest, notes


def cut_spec(c: CutPlan, inputs: dict[str, InputFile]) -> CutSpec:
    segs = tuple(CutSegment(inputs[s.node].path, s.trim_in, s.trim_out, s.transition,
                            s.transition_duration) for s in c.segments)
    audio = None
    if c.audio:
        a = c.audio
        audio = AudioBed(inputs[a.node].path, a.volume, a.fade_in, a.fade_out, a.start)
    return CutSpec(segs, c.width, c.height, c.fps, c.fit, audio, c.clip_audio)


def materialize(ws: Workspace, node: Node, digest: str) -> None:
    assert node.cut is not None
    ws.store.materialize(digest, ws.root / node.cut.output, known=ws.lock.outputs())
