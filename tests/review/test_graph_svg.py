"""`storyboard graph --format svg`: Graphviz's drawing when `dot` is there, a clear error
naming the fix when it is not."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from review_helpers import EXAMPLE

from storyboard.cli.main import cli
from storyboard.review.graphviz import GraphvizError, dot_to_svg, find_dot, inline_svg


@pytest.fixture
def example(tmp_path: Path) -> Path:
    return Path(shutil.copytree(EXAMPLE, tmp_path / "trailer",
                                ignore=shutil.ignore_patterns(".storyboard", "renders")))


@pytest.mark.skipif(find_dot() is None, reason="Graphviz (dot) is not installed")
def test_graph_svg_draws_every_node(example: Path) -> None:
    result = CliRunner().invoke(cli, ["graph", "-f", str(example), "--format", "svg"])
    assert result.exit_code == 0, result.output
    svg = result.output
    assert "<svg" in svg and svg.rstrip().endswith("</svg>")
    for label in ("dawn", "leap", "portrait step 2", "trailer", "vertical", "fox_photo"):
        assert f">{label}</text>" in svg


def test_graph_svg_without_graphviz_says_how_to_install_it(example: Path, tmp_path: Path
                                                            ) -> None:
    empty = tmp_path / "bin"
    empty.mkdir()
    result = CliRunner().invoke(cli, ["graph", "-f", str(example), "--format", "svg"],
                                env={"PATH": str(empty)})
    assert result.exit_code == 1
    assert "install Graphviz (apt-get install graphviz" in result.output
    assert "Traceback" not in result.output


def test_dot_failure_is_an_error_not_a_crash(tmp_path: Path) -> None:
    fake = tmp_path / "dot"
    fake.write_text("#!/bin/sh\necho 'syntax error in line 1' >&2\nexit 1\n", "utf-8")
    fake.chmod(0o755)
    with pytest.raises(GraphvizError, match="dot exited with status 1: syntax error"):
        dot_to_svg("digraph {", dot=str(fake))


def test_inline_svg_drops_the_xml_prologue_and_namespaces() -> None:
    svg = ('<?xml version="1.0"?>\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN"\n '
           '"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n<!-- by graphviz -->\n'
           '<svg width="10pt" xmlns="http://www.w3.org/2000/svg" '
           'xmlns:xlink="http://www.w3.org/1999/xlink">\n<g/></svg>\n')
    assert inline_svg(svg) == '<svg width="10pt">\n<g/></svg>\n'
