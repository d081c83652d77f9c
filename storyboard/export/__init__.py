"""storyboard.export: hand a cut over to an editing application.

`export_cut` writes the cut as OTIO, an OTIO bundle, FCPXML, FCP7 XML or a CMX 3600 EDL
through OpenTimelineIO's adapters (`formats.py`), from one timeline model (`timeline.py`);
its media are placed beside the file and named relative to it.
"""

from __future__ import annotations

from pathlib import Path

from storyboard.export.formats import FORMAT_NAMES, FORMATS, Export, Format, export_cut
from storyboard.project import Project


def export_otio(project: Project, cut_name: str, path: Path | str) -> Path:
    """`export_cut(project, cut_name, path, "otio")`, returning the path (the first API)."""
    return export_cut(project, cut_name, path, "otio").path


__all__ = ["FORMATS", "FORMAT_NAMES", "Export", "Format", "export_cut", "export_otio"]
