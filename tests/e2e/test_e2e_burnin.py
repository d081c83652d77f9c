"""`storyboard build --burn-in`: a review copy beside each cut, the cut itself left clean."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from storyboard.cli.main import cli
from storyboard.media import Ffmpeg

pytestmark = pytest.mark.e2e


def test_burn_in_writes_review_copies_and_leaves_the_cuts_alone(built: Path,
                                                                tmp_path: Path) -> None:
    film = tmp_path / "film"
    shutil.copytree(built, film)
    renders = film / "renders"
    clean = {p.name: p.read_bytes() for p in renders.glob("*.mp4")}
    result = CliRunner().invoke(cli, ["build", "-f", str(film / "storyboard.yaml"),
                                      "--burn-in"])
    assert result.exit_code == 0, result.output
    assert "trailer.burnin.mp4" in result.output
    assert {p.name: p.read_bytes() for p in renders.glob("*.mp4")
            if ".burnin" not in p.name} == clean
    ff = Ffmpeg()
    for name in ("trailer", "vertical"):
        copy, cut = ff.probe(renders / f"{name}.burnin.mp4"), ff.probe(renders / f"{name}.mp4")
        assert (copy.width, copy.height) == (cut.width, cut.height)
        assert copy.duration == pytest.approx(cut.duration, abs=0.05)
