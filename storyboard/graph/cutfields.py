"""What a cut asks for, in words, as the `fields` its lock entry records for `why CUT`.

Its entries in order (clip, trim, transition), the music and the output settings; the key is
made from the request (`engine/status.cut_body`), never from these, so their wording can change
without re-rendering anything. `cache/stale.cut_changes` compares two of them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from storyboard.graph.nodes import CutPlan


def cut_fields(plan: CutPlan, label: Callable[[str], str]) -> dict[str, Any]:
    entries: list[dict[str, str]] = []
    for s in plan.segments:
        entry = {"clip": label(s.node)}
        if s.trim_in or s.trim_out is not None:
            end = "end" if s.trim_out is None else f"{s.trim_out:g}"
            entry["trim"] = f"{s.trim_in:g}-{end} s"
        if s.transition != "cut":
            entry["transition"] = f"{s.transition} {s.transition_duration:g} s"
        entries.append(entry)
    fields: dict[str, Any] = {
        "entries": entries,
        "frame": f"{plan.width}x{plan.height} at {plan.fps:g} fps, fit {plan.fit}",
        "clip_audio": plan.clip_audio,
        "output": plan.output,
    }
    if plan.audio is not None:
        a = plan.audio
        fields["music"] = (f"{label(a.node)} from {a.start:g} s, volume {a.volume:g}, "
                           f"fade in {a.fade_in:g} s, fade out {a.fade_out:g} s")
    return fields
