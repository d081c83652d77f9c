"""storyboard.review: see a project at a glance, offline: a static HTML page of every shot and
cut (video, poster, prompt, model, take, cost, staleness), the graph, and a contact sheet.

`collect` gathers plain views from a `Project`, `page` renders them, `site` places the files;
ffmpeg work goes through `storyboard.media.stills`, Graphviz through `graphviz`.
"""

from __future__ import annotations

from storyboard.errors import GraphvizError  # re-exported: users catch it from here too
from storyboard.review.graphviz import dot_to_svg
from storyboard.review.site import ReviewResult, write_review

__all__ = ["GraphvizError", "ReviewResult", "dot_to_svg", "write_review"]
