"""storyboard.export: hand a cut over to an editing application.

`export_otio` writes an OpenTimelineIO timeline whose media paths are relative to the project
folder (see `otio.py` for how trims, repeats, transitions and the music bed are mapped).
"""

from __future__ import annotations

from storyboard.export.otio import export_otio

__all__ = ["export_otio"]
