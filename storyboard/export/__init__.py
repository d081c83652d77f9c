"""storyboard.export: hand a cut over to an editing application.

`export_cut` (what `Project.export` calls) writes the cut as OTIO, an OTIO bundle, FCPXML,
FCP7 XML or a CMX 3600 EDL through OpenTimelineIO's adapters (`formats.py`), from one timeline
model (`timeline.py`); its media are placed beside the file and named relative to it. Like the
review, it reads a project's builds through `Project` methods, never its workspace.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from storyboard.export.formats import FORMAT_NAMES, FORMATS, ExportResult, Format, export_cut

if TYPE_CHECKING:  # annotations only: Project calls into this package
    from storyboard.project import Project


def export_otio(project: Project, cut_name: str, path: Path | str) -> Path:
    """`export_cut(project, cut_name, path, "otio")`, returning the path (the first API)."""
    return export_cut(project, cut_name, path, "otio").path


__all__ = ["FORMATS", "FORMAT_NAMES", "ExportResult", "Format", "export_cut", "export_otio"]
