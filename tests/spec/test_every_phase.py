"""`validate` reports every problem at once: one of each phase in one run, no problem hiding
another, profiles checked at their own line, and the same problems as JSON for tools."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from storyboard.cli.main import cli
from storyboard.errors import SpecError
from storyboard.graph import graph_of
from storyboard.project import Project
from storyboard.spec import parse_all

REPO = Path(__file__).resolve().parents[2]
EVERY_PHASE = REPO / "tests" / "data" / "invalid" / "every-phase.yaml"
PHASE_CODES = ["profile", "unknown-key", "unknown-reference", "bad-value", "model-rule",
               "loop-crossfade", "cut-trim"]  # in file order


def problems_of(text: str, tmp_path: Path) -> list[str]:
    path = tmp_path / "storyboard.yaml"
    path.write_text(text)
    with pytest.raises(SpecError) as info:
        graph_of(parse_all(text, path.name), tmp_path)
    return [str(p) for p in info.value.problems]


def test_one_problem_of_each_phase_is_reported_in_one_run(tmp_path: Path,
                                                          real_media: Path) -> None:
    shutil.copytree(real_media, tmp_path / "assets")
    path = Path(shutil.copy(EVERY_PHASE, tmp_path / "storyboard.yaml"))
    r = CliRunner().invoke(cli, ["validate", "-f", str(path), "--json"])
    assert r.exit_code == 3, r.output
    found = json.loads(r.stdout)["diagnostics"]
    assert [d["code"] for d in found] == PHASE_CODES
    assert [d["shot"] for d in found] == [None, "dawn", "leap", "painted", "lake", "looped",
                                          None]
    assert r.stderr.strip().endswith("7 problems found")


@pytest.mark.parametrize(("text", "expected"), [
    ("""version: 1
name: typo
shots:
  dawn: {generate: {promt: A fox}}
  leap: {generate: {prompt: A leap, duration: 7}}
cuts:
  t: {shots: [dawn, nosuch]}
""", ["field 'promt': unknown key", "field 'duration': 7 is not allowed",
      "unknown shot 'nosuch'"]),
    ("""version: 1
name: edit
shots:
  dawn: {generate: {prompt: A fox}}
  painted: {edit: {source: dawn, prompt: Paint, strength: flex_9, params: {nosuch: 1}}}
""", ["'flex_9' is not allowed", "field 'params.nosuch': ray-3.2-edit has no parameter"]),
    ("""version: 1
name: fps
shots:
  dawn: {generate: {prompt: A fox, duration: 1000}}
cuts:
  t: {fps: 100000, shots: [dawn]}
""", ["field 'duration': 1000 is not allowed", "field 'fps': 100000 is above 120 "]),
    ("""version: 1
name: trims
shots:
  dawn: {generate: {prompt: A fox}}
cuts:
  t: {shots: [{shot: dawn, trim: [3, 1]}, {shot: dawn, trim: [1, 9]}]}
""", ["field 'shots[0].trim': trim must be", "shots[1].trim': trim [1, 9] ends after"]),
    ("""version: 1
name: transitions
shots:
  dawn: {generate: {prompt: A fox}}
cuts:
  t:
    shots:
      - {shot: dawn, transition: {type: fade}}
      - {shot: dawn, transition: {type: fade, duration: -1}}
""", ["the first clip has no previous clip", "field 'shots[1].transition.duration': -1"]),
    ("""version: 1
name: kinds
shots:
  dawn: {generat: {prompt: A fox, camera: [push_in]}}
  both: {generate: {prompt: A}, loop: {prompt: B}}
  leap: {generate: {prompt: A leap, start_frame: both.last_frame}}
""", ["field 'generat': unknown key 'generat' (did you mean 'generate'?)",
      "shot 'dawn', field 'camera': ray-3.2 does not take 'camera'",
      "shot 'both': a node is a mapping with exactly one of"]),
])
def test_no_problem_hides_another(text: str, expected: list[str], tmp_path: Path) -> None:
    found = problems_of(text, tmp_path)
    assert len(found) == len(expected), found
    for line, part in zip(found, expected, strict=True):
        assert part in line, (part, found)


def test_a_shot_refused_whole_is_not_also_an_unknown_name(tmp_path: Path) -> None:
    found = problems_of("""version: 1
name: gone
shots:
  both: {generate: {prompt: A}, loop: {prompt: B}}
  leap: {generate: {prompt: A leap, start_frame: both.last_frame}}
cuts:
  t: {shots: [both, leap]}
""", tmp_path)
    assert len(found) == 1 and "exactly one of generate" in found[0], found


def test_a_profile_problem_is_at_the_profile_and_names_the_shots(tmp_path: Path) -> None:
    found = problems_of("""version: 1
name: prof
profiles:
  draft: {generate: {resolution: 540p}}
  final:
    generate: {resolution: 1080p}
shots:
  dawn: {generate: {prompt: A fox}}
  leap: {generate: {model: ray-flash-2, prompt: A leap}}
  jump: {generate: {model: ray-flash-2, prompt: A jump}}
""", tmp_path)
    assert found == [
        "storyboard.yaml:6:28: profile 'final', field 'resolution': with this profile, shot "
        "'leap', shot 'jump': 1080p is not allowed for ray-flash-2 (allowed: 540p, 720p) "
        "(use 540p or 720p, or a ray-3.2 model for 1080p)"]


def test_plan_and_build_json_stream_a_diagnostics_event(tmp_path: Path) -> None:
    path = tmp_path / "storyboard.yaml"
    path.write_text("version: 1\nname: x\nshots:\n  dawn: {generate: {promt: A fox}}\n")
    for command in ("plan", "build"):
        r = CliRunner().invoke(cli, [command, "-f", str(path), "--json"])
        assert r.exit_code == 3, r.output
        events = [json.loads(line) for line in r.stdout.splitlines()]
        assert [e["event"] for e in events] == ["diagnostics"]
        assert [d["code"] for d in events[0]["diagnostics"]] == ["unknown-key"]


EXAMPLES = sorted(REPO.glob("examples/*/storyboard.yaml"))


@pytest.mark.parametrize("file", EXAMPLES, ids=[p.parent.name for p in EXAMPLES])
def test_examples_validate_under_every_profile_they_declare(file: Path, tmp_path: Path) -> None:
    if shutil.which("ffprobe") is None and shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg is not on PATH: the examples' assets are probed")
    root = Path(shutil.copytree(file.parent, tmp_path / file.parent.name))
    project = Project.load(root / file.name)
    for profile in [None, *project.board.profiles]:
        Project.load(root / file.name, profile=profile)  # raises SpecError when invalid
    assert EXAMPLES and any(Project.load(f).board.profiles for f in EXAMPLES)
