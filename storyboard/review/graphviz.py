"""The graph as SVG, drawn by Graphviz's `dot` from `render_graph(..., "dot")`.

Used by `storyboard graph --format svg` and by the review page (which falls back to Mermaid
text when `dot` is missing). The only place storyboard runs Graphviz; `dot` is an argument.
"""

from __future__ import annotations

import re
import shutil
import subprocess

from storyboard.errors import GraphvizError

INSTALL_HINT = "install Graphviz (apt-get install graphviz, brew install graphviz)"


def find_dot() -> str | None:
    return shutil.which("dot")


def dot_to_svg(dot_text: str, *, dot: str | None = None, timeout: float = 60.0) -> str:
    """Run `dot -Tsvg` on `dot_text`; GraphvizError when dot is missing or fails."""
    binary = dot or find_dot()
    if binary is None:
        raise GraphvizError(f"cannot draw SVG: Graphviz's `dot` is not on PATH; {INSTALL_HINT}, "
                            "or use --format dot / mermaid")
    try:
        done = subprocess.run([binary, "-Tsvg"], input=dot_text.encode("utf-8"),
                              capture_output=True, check=False, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise GraphvizError(f"cannot run {binary}: {exc}; {INSTALL_HINT}") from None
    if done.returncode != 0:
        tail = done.stderr.decode("utf-8", "replace").strip()[-500:]
        raise GraphvizError(f"dot exited with status {done.returncode}: {tail} (please report "
                            "it with `storyboard graph --format dot`)")
    return done.stdout.decode("utf-8", "replace")


_PROLOGUE = re.compile(r"^.*?(?=<svg\b)", re.DOTALL)
_NAMESPACES = re.compile(r'\s+xmlns(:xlink)?="[^"]*"')


def inline_svg(svg: str) -> str:
    """The <svg> element alone, ready to sit inside HTML: no XML prologue, doctype or
    namespace declarations (HTML's parser supplies the namespace)."""
    body = _PROLOGUE.sub("", svg, count=1)
    head, sep, rest = body.partition(">")
    return _NAMESPACES.sub("", head) + sep + rest
