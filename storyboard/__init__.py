"""storyboard: make films with AI video models, declaratively.

`Project.load("storyboard.yaml").build()` is the whole job; see the README for the file format.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
