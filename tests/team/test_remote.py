"""Remote caches: a fresh clone pulls what the lock names (from a folder or from S3 on loopback)
and builds without submitting a job; damaged remote objects are caught; uploads are atomic."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

import pytest
from fsspec.implementations.local import LocalFileSystem
from team_helpers import Git, build, edit, ran, sb, store_with

from storyboard.cache import LockFile
from storyboard.errors import StoreError
from storyboard.project import Project
from storyboard.remote import Remote, RemoteError, Transfer, open_remote, pull, push
from storyboard.testing import FakeScenario

pytestmark = pytest.mark.e2e

FILM = """\
version: 1
name: remote-film
defaults:
  generate: {model: ray-flash-2, resolution: 540p, aspect_ratio: "16:9"}
shots:
  dawn:
    generate: {prompt: A fox at dawn, duration: 5}
  leap:
    generate: {prompt: The fox leaps, start_frame: dawn.last_frame, duration: 9}
cuts:
  trailer:
    shots: [dawn, leap]
"""


def made_and_pushed(tmp_path: Path, remote: str, fake: FakeScenario) -> Git:
    """A repository whose film was built on the fake Scenario and pushed to `remote`."""
    g = Git.init(tmp_path / "ann")
    (g.root / "storyboard.yaml").write_text(FILM)
    r = sb("build", "-f", str(g.root), "--provider", "scenario", "--remote", remote, "--push")
    assert r.exit_code == 0, r.output
    assert "pushed " in r.output
    assert fake.counters.jobs_created == 2
    g.commit("film, built and pushed")
    return g


def clone_pull_build(g: Git, tmp_path: Path, remote: str, fake: FakeScenario) -> None:
    bob = Git.clone(g.root, tmp_path / "bob")
    assert not (bob.root / ".storyboard").exists()
    r = sb("pull", "-f", str(bob.root), "--remote", remote)
    assert r.exit_code == 0, r.output
    assert "pulled 4 objects" in r.output  # two shots, dawn's last frame, the cut
    summary = build(bob.root, provider="scenario")
    assert fake.counters.jobs_created == 2  # nothing submitted in the clone
    assert ran(summary) == set() and summary.count("cached") == 4
    assert (bob.root / "renders" / "trailer.mp4").is_file()


def test_fresh_clone_pulls_from_a_folder_remote_and_submits_no_job(
        tmp_path: Path, scenario_env: FakeScenario) -> None:
    remote = str(tmp_path / "team-cache")
    g = made_and_pushed(tmp_path, remote, scenario_env)
    assert len(list((tmp_path / "team-cache" / "objects").glob("*/*"))) == 4
    clone_pull_build(g, tmp_path, remote, scenario_env)


def test_fresh_clone_pulls_from_s3_on_loopback_and_submits_no_job(
        tmp_path: Path, scenario_env: FakeScenario, s3_bucket: str) -> None:
    remote = f"s3://{s3_bucket}/films/fox"
    g = made_and_pushed(tmp_path, remote, scenario_env)
    listed = open_remote(remote).listing()
    assert set(listed) == LockFile(g.root / "storyboard.lock").outputs()
    clone_pull_build(g, tmp_path, remote, scenario_env)


def test_a_build_reads_through_the_remote_named_in_the_file(
        tmp_path: Path, scenario_env: FakeScenario) -> None:
    g = made_and_pushed(tmp_path, str(tmp_path / "team-cache"), scenario_env)
    edit(g.root / "storyboard.yaml", "name: remote-film\n",
         "name: remote-film\nremote: ../team-cache\n")
    g.commit("remote in the file")
    bob = Git.clone(g.root, tmp_path / "bob")
    summary = build(bob.root, provider="scenario")  # no pull: the build fetches what it needs
    assert scenario_env.counters.jobs_created == 2
    assert ran(summary) == set()


@pytest.mark.parametrize("where", ["folder", "s3"])
def test_a_corrupt_remote_object_is_reported_and_never_used(
        tmp_path: Path, where: str, request: pytest.FixtureRequest) -> None:
    ann = tmp_path / "ann"
    ann.mkdir()
    (ann / "storyboard.yaml").write_text(FILM)
    build(ann)
    remote = (str(tmp_path / "team-cache") if where == "folder"
              else f"s3://{request.getfixturevalue('s3_bucket')}/c")
    assert sb("push", "-f", str(ann), "--remote", remote).exit_code == 0
    lock = LockFile(ann / "storyboard.lock")
    bad = lock.nodes["shot:dawn"].output
    r = open_remote(remote)
    r.fs.pipe_file(r.object_path(bad), b"not the video it claims to be")

    bob = tmp_path / "bob"
    bob.mkdir()
    for name in ("storyboard.yaml", "storyboard.lock"):
        (bob / name).write_bytes((ann / name).read_bytes())
    res = sb("pull", "-f", str(bob), "--remote", remote)
    assert res.exit_code == 1
    assert f"corrupt on the remote: {bad[:12]}" in res.output
    assert "pulled 3 objects" in res.output
    objects = bob / ".storyboard" / "cache" / "objects"
    assert not (objects / bad[:2] / bad).exists()  # not stored
    assert not list((bob / ".storyboard" / "cache" / "tmp").glob("*"))  # nor left behind
    for p in objects.glob("*/*"):
        assert hashlib.sha256(p.read_bytes()).hexdigest() == p.name
    # A build through the same remote does not use it either: dawn is made again.
    p = Project.load(bob / "storyboard.yaml", remote=remote)
    assert ran(p.build()) >= {"shot:dawn"}


def test_an_unreachable_remote_stops_the_build_before_anything_runs(
        tmp_path: Path, scenario_env: FakeScenario, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "storyboard.yaml").write_text(FILM)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("STORYBOARD_S3_ENDPOINT", "http://127.0.0.1:9")  # nothing listens
    monkeypatch.setenv("STORYBOARD_REMOTE", "s3://films/fox")
    with pytest.raises(RemoteError) as info:
        Project.load(tmp_path).build(provider="scenario")
    assert "cannot reach the remote cache s3://films/fox" in str(info.value)
    assert "build without a remote" in str(info.value)
    assert isinstance(info.value, StoreError)
    assert scenario_env.counters.jobs_created == 0
    missing = tmp_path / "unmounted" / "team-cache"
    r = sb("build", "-f", str(tmp_path), "--provider", "scenario", "--remote", str(missing))
    assert r.exit_code == 1 and "Traceback" not in r.output
    assert f"error: the remote cache folder {missing} does not exist (create it, mount it" \
        in r.output
    assert scenario_env.counters.jobs_created == 0


def test_pull_without_a_remote_says_how_to_configure_one(tmp_path: Path) -> None:
    (tmp_path / "storyboard.yaml").write_text(FILM)
    for command in ("pull", "push"):
        r = sb(command, "-f", str(tmp_path))
        assert r.exit_code == 2  # usage: the project is fine, the command lacks a remote
        assert "no remote cache is configured" in r.output and "STORYBOARD_REMOTE" in r.output


class _DiesBeforeRename(LocalFileSystem):  # type: ignore[misc]
    def mv(self, path1: str, path2: str, **kwargs: object) -> None:
        raise OSError("the network went away")



def test_an_upload_that_dies_leaves_no_object_and_no_temp(tmp_path: Path) -> None:
    p, digests = store_with(tmp_path, FILM, 1)
    dead = Remote(str(tmp_path / "remote"), fs=_DiesBeforeRename())
    report = push(p.ws.store, dead, digests)
    assert [d for d, _ in report.failed] == digests and "network went away" in report.failed[0][1]
    assert not report.ok
    assert [f for f in (tmp_path / "remote").rglob("*") if f.is_file()] == []


def test_two_people_pushing_at_once_leave_only_whole_objects(tmp_path: Path) -> None:
    p, digests = store_with(tmp_path, FILM, 30)
    url = str(tmp_path / "remote")
    reports = []

    def one() -> None:
        reports.append(push(p.ws.store, open_remote(url), digests, force=True, jobs=4))

    threads = [threading.Thread(target=one) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(r.ok for r in reports)
    files = sorted((tmp_path / "remote" / "objects").glob("*/*"))
    assert sorted(f.name for f in files) == sorted(digests)  # no temp left behind
    for f in files:
        assert hashlib.sha256(f.read_bytes()).hexdigest() == f.name


def test_transfers_report_progress_per_object_and_skip_what_is_there(tmp_path: Path) -> None:
    p, digests = store_with(tmp_path, FILM, 12)
    remote = open_remote(str(tmp_path / "remote"))
    events: list[Transfer] = []
    first = push(p.ws.store, remote, digests, progress=events.append)
    assert len(first.moved) == 12
    assert first.bytes == sum(len(f"object {i} ") * 5000 for i in range(12))
    assert sorted(e.done for e in events) == list(range(1, 13))
    assert {e.total for e in events} == {12} and {e.state for e in events} == {"sent"}
    again = push(p.ws.store, remote, digests)
    assert again.moved == [] and again.present == 12

    fresh = Project.load(p.root)
    for d in digests[:5]:
        fresh.ws.store.path(d).unlink()
    events.clear()
    got = pull(fresh.ws.store, remote, digests, progress=events.append)
    assert sorted(got.moved) == sorted(digests[:5]) and got.present == 7
    assert len(events) == 5 and {e.state for e in events} == {"received"}
