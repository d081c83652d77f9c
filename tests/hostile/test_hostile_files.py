"""Hostile and broken input: each case ends in a clear message and an intact project."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from storyboard.cache import LockFile, hash_file
from storyboard.cli.main import cli
from storyboard.media import Ffmpeg
from storyboard.testing import FakeScenario

pytest_plugins = ["storyboard.testing.pytest_plugin"]

HEAD = "version: 1\nname: hostile\n"


def run(root: Path, *args: str) -> tuple[int, str]:
    r = CliRunner().invoke(cli, [*args, "-f", str(root)])
    assert "Traceback" not in r.output
    return r.exit_code, r.output


def project(tmp_path: Path, body: str) -> Path:
    root = tmp_path / "p"
    (root / "assets").mkdir(parents=True, exist_ok=True)
    (root / "storyboard.yaml").write_text(HEAD + body, "utf-8")
    return root


def test_symlink_pointing_out_of_the_project_is_refused(tmp_path: Path) -> None:
    secret = tmp_path / "outside.png"
    Ffmpeg().make_test_image(secret, 64, 36)
    root = project(tmp_path, "assets:\n  a: assets/link.png\nshots:\n  s:\n    generate:\n"
                   "      prompt: x\n      start_frame: a\n")
    os.symlink(secret, root / "assets" / "link.png")
    code, out = run(root, "validate")
    assert code == 3
    assert "asset 'a'" in out and "outside the project folder" in out


def test_an_asset_link_loop_is_called_a_link_loop(tmp_path: Path) -> None:
    root = project(tmp_path, "assets:\n  a: assets/a.png\nshots:\n  s:\n    generate:\n"
                   "      prompt: x\n      start_frame: a\n")
    os.symlink(root / "assets" / "b.png", root / "assets" / "a.png")
    os.symlink(root / "assets" / "a.png", root / "assets" / "b.png")
    code, out = run(root, "validate")
    assert code == 3, out
    assert "asset 'a'" in out and "is a link loop" in out and "outside" not in out, out
    assert "storyboard.yaml:" in out  # located at the asset's line


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores permissions: the folder would "
                    "be written all the same")
def test_a_read_only_project_root_is_a_clear_message(tmp_path: Path) -> None:
    root = project(tmp_path, "shots:\n  s:\n    generate: {prompt: x}\n"
                   "cuts:\n  c:\n    shots: [s]\n")
    shutil.rmtree(root / "assets")
    root.chmod(0o555)
    try:
        code, out = run(root, "build")
    finally:
        root.chmod(0o755)
    assert code == 1, out
    assert "internal error" not in out and "cannot write" in out and str(root) in out, out
    assert "make it writable" in out


@pytest.mark.e2e  # a child process
@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("setpriv"),
                    reason="needs root and setpriv (util-linux) to drop the permission override")
def test_a_read_only_project_root_as_root_without_its_permission_override(tmp_path: Path) -> None:
    """Root ignores permissions only through CAP_DAC_OVERRIDE: without it, root sees the
    read-only folder the way any user does."""
    root = project(tmp_path, "shots:\n  s:\n    generate: {prompt: x}\n"
                   "cuts:\n  c:\n    shots: [s]\n")
    shutil.rmtree(root / "assets")
    root.chmod(0o555)
    drop = "-dac_override,-dac_read_search"
    try:
        r = subprocess.run(["setpriv", f"--bounding-set={drop}", f"--inh-caps={drop}",
                            sys.executable, "-m", "storyboard", "build", "-f", str(root)],
                           capture_output=True, text=True, check=False, timeout=120)
    finally:
        root.chmod(0o755)
    out = r.stdout + r.stderr
    if "setpriv:" in out:
        pytest.skip(f"setpriv cannot drop capabilities here: {out.strip()[:200]}")
    assert r.returncode == 1, out
    assert "Traceback" not in out and "internal error" not in out, out
    assert f"cannot write {root / '.storyboard'}" in out and "make it writable" in out, out


def test_a_refused_write_anywhere_is_a_clear_message_not_an_internal_error(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What a read-only root gives, made without dropping root's privileges: any command whose
    write is refused names the path and says what to do."""
    root = project(tmp_path, "shots:\n  s:\n    generate: {prompt: x}\n")
    from storyboard.engine import workspace

    def refused(*_a: object, **_k: object) -> None:
        raise PermissionError(13, "Permission denied", str(root / ".storyboard"))

    monkeypatch.setattr(workspace, "_check_work", refused)
    code, out = run(root, "build")
    assert code == 1, out
    assert f"cannot write {root / '.storyboard'}: Permission denied" in out, out
    assert "internal error" not in out and "make it writable" in out


def test_output_path_through_a_symlinked_folder_is_refused(tmp_path: Path) -> None:
    root = project(tmp_path, "shots:\n  s:\n    generate: {prompt: x}\n"
                   "cuts:\n  c:\n    shots: [s]\n    output: out/c.mp4\n")
    (tmp_path / "elsewhere").mkdir()
    os.symlink(tmp_path / "elsewhere", root / "out")
    code, out = run(root, "validate")
    assert code == 3 and "cut 'c'" in out and "outside the project folder" in out


@pytest.mark.parametrize("output", ["/tmp/evil.mp4", "../evil.mp4"])
def test_output_paths_outside_are_refused(tmp_path: Path, output: str) -> None:
    root = project(tmp_path, "shots:\n  s:\n    generate: {prompt: x}\n"
                   f"cuts:\n  c:\n    shots: [s]\n    output: {output}\n")
    code, out = run(root, "validate")
    assert code == 3 and "field 'output'" in out


def test_object_constructing_tags_are_refused_and_run_nothing(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    root = project(tmp_path, f"shots: !!python/object/apply:os.system ['touch {marker}']\n")
    code, out = run(root, "validate")
    assert code == 3 and "not allowed" in out
    assert not marker.exists()


def test_huge_file_is_refused_without_reading_it_all(tmp_path: Path) -> None:
    root = project(tmp_path, "shots:\n  s:\n    generate:\n      prompt: x\n")
    with (root / "storyboard.yaml").open("a") as f:
        f.write("# " + "x" * (3 * 1024 * 1024) + "\n")
    code, out = run(root, "validate")
    assert code == 3 and "larger than" in out


def test_too_many_shots_and_too_long_prompts_are_bounded(tmp_path: Path) -> None:
    shots = "".join(f"  s{i}:\n    generate: {{prompt: p}}\n" for i in range(5001))
    root = project(tmp_path, "shots:\n" + shots)
    code, out = run(root, "validate")
    assert code == 3 and "at most 5000" in out
    long_prompt = "y" * 6000
    root = project(tmp_path / "b", f"shots:\n  s:\n    generate:\n      prompt: {long_prompt}\n")
    code, out = run(root, "validate")
    assert code == 3 and "at most 5000" in out and "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyy" not in out


BROKEN = {
    "unreadable video": ("clip", "assets/clip.mp4", b"\x00\x00\x00\x18ftypmp42garbage" * 50),
    "zero-length file": ("clip", "assets/clip.mp4", b""),
    "image that is not an image": ("photo", "assets/photo.png", b"this is just text\n" * 20),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_media_is_named_before_any_paid_call(
    tmp_path: Path, case: str, fake_scenario: FakeScenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    name, rel, data = BROKEN[case]
    field = "source" if rel.endswith(".mp4") else "start_frame"
    kind = "edit" if field == "source" else "generate"
    root = project(tmp_path, f"assets:\n  {name}: {rel}\nshots:\n  s:\n    {kind}:\n"
                   f"      prompt: x\n      {field}: {name}\n")
    (root / rel).write_bytes(data)
    monkeypatch.setenv("SCENARIO_BASE_URL", fake_scenario.base_url)
    monkeypatch.setenv("SCENARIO_API_KEY", "test-key")
    monkeypatch.setenv("SCENARIO_API_SECRET", "test-secret")
    r = CliRunner().invoke(cli, ["build", "-f", str(root), "--provider", "scenario"])
    assert r.exit_code == 3, r.output
    assert f"asset '{name}'" in r.output and rel in r.output
    assert "Traceback" not in r.output
    assert sum(fake_scenario.counters.requests.values()) == 0


@contextlib.contextmanager
def small_disk(path: Path, size: str) -> Iterator[bool]:
    """A size-limited tmpfs at `path` when this machine lets us mount one (root)."""
    path.mkdir(parents=True, exist_ok=True)
    ok = shutil.which("mount") is not None and subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
        capture_output=True, check=False).returncode == 0
    try:
        yield ok
    finally:
        if ok:
            subprocess.run(["umount", "-l", str(path)], capture_output=True, check=False)


@pytest.mark.e2e  # a small filesystem mounted and filled: seconds
def test_disk_full_fails_clearly_keeps_cache_and_lock_intact(tmp_path: Path) -> None:
    with small_disk(tmp_path / "disk", "1500k") as mounted:
        if not mounted:
            pytest.skip("cannot mount a size-limited tmpfs here (needs root)")
        root = tmp_path / "disk" / "p"
        root.mkdir()
        shots = "".join(f"  s{i}:\n    generate: {{prompt: shot {i}, resolution: 540p}}\n"
                        for i in range(12))
        (root / "storyboard.yaml").write_text(HEAD + "shots:\n" + shots, "utf-8")
        r = CliRunner().invoke(cli, ["build", "-f", str(root), "--jobs", "1"])
        assert r.exit_code == 1, r.output
        assert "Traceback" not in r.output
        assert "No space left on device" in r.output or "disk" in r.output
        lock = LockFile(root / "storyboard.lock")  # parses: not damaged
        objects = root / ".storyboard" / "cache" / "objects"
        for obj in objects.glob("*/*"):
            assert hash_file(obj) == obj.name  # no partial object
        for rec in lock.nodes.values():
            assert (objects / rec.output[:2] / rec.output).is_file()
