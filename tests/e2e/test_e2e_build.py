"""The main job, end to end with real ffmpeg and the preview provider (issue: the build)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import filelock
import pytest
from click.testing import CliRunner

from storyboard.cache import digest
from storyboard.cli.main import cli
from storyboard.engine import RecordingReporter, Summary
from storyboard.media import Ffmpeg
from storyboard.project import Project

pytestmark = pytest.mark.e2e
HERE = Path(__file__).parent


def build(root: Path, **kw: object) -> tuple[Summary, Project]:
    project = Project.load(root / "storyboard.yaml")
    summary = project.build(reporter=RecordingReporter(), **kw)  # type: ignore[arg-type]
    return summary, project


def ran(summary: Summary) -> set[str]:
    return {r.node for r in summary.results if r.status == "done"}


@pytest.fixture
def copy(built: Path, tmp_path: Path) -> Path:
    dst = tmp_path / "copy"
    shutil.copytree(built, dst)
    return dst


def test_first_build_makes_every_node_and_renders_every_cut(built: Path) -> None:
    assert (built / "renders" / "trailer.mp4").is_file()
    assert (built / "renders" / "vertical.mp4").is_file()
    lock = (built / "storyboard.lock").read_text()
    assert lock.startswith("schema: 1\n")
    assert "shot:dawn:" in lock and "cut:trailer:" in lock


def test_noop_build_runs_nothing_and_hashes_no_media(copy: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    # Recorded "an hour later": files written just before their entry are racy and re-hashed
    # (tests/cache/test_store.py); here the second build comes long after the first.
    monkeypatch.setattr(digest, "now_ns", lambda: time.time_ns() + 3600 * 10**9)
    build(copy)  # the copy has new paths: the stat cache learns them once
    summary, project = build(copy)
    assert ran(summary) == set()
    assert summary.count("failed") == 0
    assert project.ws.stat.hashed == 0


def test_build_twice_gives_byte_identical_lock(copy: Path) -> None:
    before = (copy / "storyboard.lock").read_bytes()
    build(copy)
    assert (copy / "storyboard.lock").read_bytes() == before


def test_changing_one_prompt_reruns_it_its_dependents_and_only_cuts_using_them(copy: Path) -> None:
    f = copy / "storyboard.yaml"
    f.write_text(f.read_text().replace("The fox leaps", "The fox leaps higher"))
    summary, _ = build(copy)
    assert ran(summary) == {"shot:leap", "cut:trailer"}


def test_upstream_prompt_change_reruns_frames_and_downstream(copy: Path) -> None:
    f = copy / "storyboard.yaml"
    f.write_text(f.read_text().replace("A fox at first light", "A fox at dusk"))
    summary, _ = build(copy)
    assert ran(summary) == {"shot:dawn", "frame:dawn.last_frame", "shot:leap", "shot:tall",
                            "cut:trailer", "cut:vertical"}


def test_rename_reorder_and_cut_edit_rerun_no_shot(copy: Path) -> None:
    f = copy / "storyboard.yaml"
    text = f.read_text()
    text = text.replace("dawn", "sunrise")  # rename the shot and every reference to it
    # move the globe shot to the top of the shots mapping
    text = text.replace("  globe:\n    loop: {prompt: A snow globe turning}\n", "")
    text = text.replace("shots:\n  sunrise:", "shots:\n  globe:\n    loop: {prompt: A snow globe "
                        "turning}\n  sunrise:")
    text = text.replace("fit: blur", "fit: crop")  # edit only a cut
    f.write_text(text)
    summary, _ = build(copy)
    assert {n for n in ran(summary) if not n.startswith("cut:")} == set()
    assert ran(summary) == {"cut:vertical"}


def test_copy_with_lock_and_cache_builds_with_zero_nodes_run(copy: Path) -> None:
    shutil.rmtree(copy / ".storyboard" / "index")  # a clone knows only the lock
    shutil.rmtree(copy / "renders")
    summary, _ = build(copy)
    assert ran(summary) == set()
    assert (copy / "renders" / "trailer.mp4").is_file()


def test_deleting_a_cache_object_remakes_only_that_node(copy: Path) -> None:
    project = Project.load(copy)
    digest = project.ws.lock.nodes["shot:globe"].output
    project.ws.store.path(digest).unlink()
    summary, _ = build(copy)
    assert {n for n in ran(summary) if not n.startswith("cut:")} == {"shot:globe"}


def test_corrupt_cache_object_is_reported_and_remade(copy: Path) -> None:
    project = Project.load(copy)
    digest = project.ws.lock.nodes["shot:globe"].output
    p = project.ws.store.path(digest)
    data = p.read_bytes()
    p.write_bytes(data[: len(data) // 2])  # truncated
    reporter = RecordingReporter()
    project = Project.load(copy, warn=lambda m: reporter.warning(m))
    summary = project.build(reporter=reporter)
    assert "shot:globe" in ran(summary)
    assert any("corrupt" in str(e[1]) for e in reporter.events if e[0] == "warning")


def _probe(path: Path) -> dict[str, object]:
    ffprobe = Ffmpeg().ffprobe_path
    out = subprocess.run(
        [ffprobe, "-v", "error", "-show_streams", "-show_format", "-of", "json", str(path)],
        capture_output=True, text=True, check=True,
    ).stdout
    return json.loads(out)  # type: ignore[no-any-return]


@pytest.mark.parametrize("cut", ["trailer", "vertical"])
def test_rendered_cut_has_its_implied_duration_frame_and_audio(built: Path, cut: str) -> None:
    project = Project.load(built)
    plan = project.graph.nodes[f"cut:{cut}"].cut
    assert plan is not None and plan.duration is not None
    info = _probe(built / "renders" / f"{cut}.mp4")
    streams = info["streams"]  # type: ignore[index]
    video = next(s for s in streams if s["codec_type"] == "video")
    audio = next(s for s in streams if s["codec_type"] == "audio")
    assert (video["width"], video["height"]) == (plan.width, plan.height)
    assert video["codec_name"] == "h264" and video["pix_fmt"] == "yuv420p"
    num, den = (int(x) for x in video["r_frame_rate"].split("/"))
    assert abs(num / den - plan.fps) < 0.01
    vdur = float(video["duration"])
    assert abs(vdur - plan.duration) <= 1 / plan.fps + 1e-3
    assert abs(float(audio["duration"]) - vdur) <= 0.05


def _gray(png: Path) -> bytes:
    ffmpeg = Ffmpeg().ffmpeg_path
    return subprocess.run(
        [ffmpeg, "-v", "error", "-i", str(png), "-vf", "scale=64:36", "-f", "rawvideo",
         "-pix_fmt", "gray", "-"], capture_output=True, check=True,
    ).stdout


@pytest.mark.parametrize("shot", ["globe", "footage"])
def test_loop_clip_first_and_last_frames_match(built: Path, shot: str, tmp_path: Path) -> None:
    project = Project.load(built)
    clip = project.ws.store.path(project.ws.lock.nodes[f"shot:{shot}"].output)
    ff = Ffmpeg()
    ff.extract_frame(clip, tmp_path / "first.png", "first")
    ff.extract_frame(clip, tmp_path / "last.png", "last")
    a, b = _gray(tmp_path / "first.png"), _gray(tmp_path / "last.png")
    diff = sum(abs(x - y) for x, y in zip(a, b, strict=True)) / len(a)
    assert diff < 6.0, diff


def test_hostile_prompt_text_renders(tmp_path: Path, media_inputs: Path) -> None:
    root = tmp_path / "p"
    root.mkdir()
    prompt = "It's 100% \\\\ done: yes\\nnew line 🦊 きつねが跳ぶ"
    (root / "storyboard.yaml").write_text(
        'version: 1\nname: t\nshots:\n  s:\n    generate:\n      resolution: 540p\n'
        f'      prompt: "{prompt}"\n', "utf-8")
    summary, _ = build(root)
    assert summary.count("done") == 1, summary.failed


def test_failing_node_skips_dependents_finishes_the_rest_and_exits_1(copy: Path) -> None:
    f = copy / "storyboard.yaml"
    f.write_text(f.read_text().replace("A fox at first light", "A fox at first light FAIL"))
    sys.path.insert(0, str(HERE))
    try:
        result = CliRunner().invoke(
            cli, ["build", "-f", str(copy), "--provider", "flaky:make", "--json"],
        )
    finally:
        sys.path.remove(str(HERE))
    assert result.exit_code == 1, result.output
    events = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    done = {e["node"]: e["status"] for e in events if e["event"] == "done"}
    assert done["shot:dawn"] == "failed"
    assert done["shot:leap"] == "skipped" and done["cut:trailer"] == "skipped"
    assert done["shot:tall"] == "skipped" and done["cut:vertical"] == "skipped"
    summary = next(e for e in events if e["event"] == "summary")
    assert summary["failures"][0]["label"] == "dawn"
    assert "refused" in summary["failures"][0]["error"]


def test_second_build_at_the_same_time_stops_with_a_clear_message(copy: Path) -> None:
    (copy / ".storyboard").mkdir(exist_ok=True)
    with filelock.FileLock(str(copy / ".storyboard" / "build.lock")):
        result = CliRunner().invoke(cli, ["build", "-f", str(copy)])
    assert result.exit_code == 1
    assert "another storyboard build is running" in result.stderr
    assert "Traceback" not in result.output


def test_ctrl_c_stops_cleanly_and_keeps_finished_outputs(film: Path) -> None:
    # The gated preview finishes one job and holds the rest: the signal always finds the build
    # running, however late a busy machine delivers it.
    path = os.pathsep.join(filter(None, [str(HERE), os.environ.get("PYTHONPATH")]))
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPATH": path}
    proc = subprocess.Popen(
        [sys.executable, "-m", "storyboard", "build", "-f", str(film), "--json", "--jobs", "1",
         "--provider", "flaky:gated"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )
    assert proc.stdout is not None
    finished = []
    for line in proc.stdout:
        event = json.loads(line)
        if event["event"] == "done" and event["status"] == "done":
            finished.append(event["node"])
            break
    proc.send_signal(signal.SIGINT)
    _out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    store = film / ".storyboard" / "cache" / "objects"
    from storyboard.cache import hash_file

    for obj in store.glob("*/*"):
        assert hash_file(obj) == obj.name  # no partial object ever
    summary, _ = build(film)
    assert not summary.failed
    assert finished[0] not in ran(summary)
