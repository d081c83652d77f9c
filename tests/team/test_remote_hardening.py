"""A remote cache is untrusted too (issue 10): objects that are links to devices, FIFOs or huge
sparse files are refused without filling the disk or hanging; a push never uploads a damaged
local copy and removes the temps a killed upload left; a remote URL that cannot name a cache
gets a located message (exit 3), never "internal error"."""

from __future__ import annotations

import io
import os
import time
from pathlib import Path

import pytest
from team_helpers import sb, store_with

from storyboard.errors import RemoteError
from storyboard.project import Project
from storyboard.remote import open_remote, pull, push
from storyboard.remote.backend import _copy_capped

FILM = """\
version: 1
name: hostile-remote
shots:
  dawn:
    generate: {prompt: A fox at dawn, model: ray-flash-2, duration: 5}
"""



def _pushed(tmp_path: Path) -> tuple[Project, list[str], Path]:
    p, digests = store_with(tmp_path, FILM, 2, repeat=1000)
    url = tmp_path / "remote"
    assert push(p.ws.store, open_remote(str(url)), digests).ok
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    (fresh / "storyboard.yaml").write_text(FILM)
    return Project.load(fresh), digests, url


def _obj(remote: Path, digest: str) -> Path:
    return remote / "objects" / digest[:2] / digest


def _assert_refused(fresh: Project, digests: list[str], url: Path, bad: str, says: str) -> None:
    report = pull(fresh.ws.store, open_remote(str(url)), digests)
    assert [d for d, _ in report.failed] == [bad], report
    assert says in report.failed[0][1]
    assert not fresh.ws.store.has(bad)
    assert fresh.ws.store.has(next(d for d in digests if d != bad))  # the good one came
    assert not list(fresh.ws.store.tmp.glob("*"))  # no partial copy left behind


def test_a_remote_object_linked_to_dev_zero_is_refused(tmp_path: Path) -> None:
    fresh, digests, url = _pushed(tmp_path)
    bad = digests[0]
    _obj(url, bad).unlink()
    _obj(url, bad).symlink_to("/dev/zero")
    _assert_refused(fresh, digests, url, bad, "not a regular file")


def test_a_fifo_on_the_remote_is_refused_without_hanging(tmp_path: Path) -> None:
    fresh, digests, url = _pushed(tmp_path)
    bad = digests[1]
    _obj(url, bad).unlink()
    os.mkfifo(_obj(url, bad))
    _assert_refused(fresh, digests, url, bad, "not a regular file")


def test_a_20_gb_sparse_remote_object_is_refused_before_a_byte_is_copied(tmp_path: Path) -> None:
    fresh, digests, url = _pushed(tmp_path)
    bad = digests[0]
    with _obj(url, bad).open("r+b") as f:
        f.truncate(20 * 1024**3)  # sparse: costs no disk here
    _assert_refused(fresh, digests, url, bad, "over the")
    # The build's read-through says so as a warning and makes the node again.
    warned: list[str] = []
    remote = open_remote(str(url), warn=warned.append)
    assert remote.fetch(bad, fresh.ws.store) is False
    assert "claims 21,474,836,480 bytes" in warned[0]


def test_an_object_sending_more_than_it_claims_is_cut_off() -> None:
    out = io.BytesIO()
    with pytest.raises(RemoteError, match="more bytes than the 10 it claims"):
        _copy_capped(io.BytesIO(b"x" * 10_000), out, 10, "remote object abc")
    assert len(out.getvalue()) <= 10


def test_push_leaves_a_damaged_local_copy_behind(tmp_path: Path) -> None:
    p, digests = store_with(tmp_path, FILM, 2, repeat=1000)
    bad = p.ws.store.path(digests[0])
    st = bad.stat()
    bad.chmod(0o644)
    bad.write_bytes(b"damaged on disk, same size?".ljust(st.st_size, b"!"))
    os.utime(bad, ns=(st.st_atime_ns, st.st_mtime_ns))  # the stat cache would trust it
    remote = tmp_path / "remote"
    report = push(p.ws.store, open_remote(str(remote)), digests)
    # The store's own check may catch it first (then it is missing here); either way the
    # damaged bytes never reach the remote under that name.
    assert digests[0] in report.corrupt + report.missing, report
    assert not _obj(remote, digests[0]).exists()
    assert _obj(remote, digests[1]).is_file()
    assert not list((remote / "objects").glob("*/.tmp-*"))


@pytest.mark.parametrize("where", ["folder", "s3"])
def test_upload_verifies_what_it_sends(tmp_path: Path, where: str,
                                       request: pytest.FixtureRequest) -> None:
    url = (str(tmp_path / "remote") if where == "folder"
           else f"s3://{request.getfixturevalue('s3_bucket')}/c")
    remote = open_remote(url)
    remote.check(create=True)
    src = tmp_path / "obj"
    src.write_bytes(b"what is really on disk")
    claimed = "ab" * 32
    assert remote.upload(src, claimed) != claimed
    assert remote.listing() == {}
    if where == "folder":
        assert not [f for f in (tmp_path / "remote").rglob("*") if f.is_file()]


def test_push_removes_the_temps_a_killed_upload_left(tmp_path: Path) -> None:
    p, digests = store_with(tmp_path, FILM, 2, repeat=1000)
    remote = tmp_path / "remote"
    assert push(p.ws.store, open_remote(str(remote)), digests[:1]).ok
    folder = _obj(remote, digests[0]).parent
    old = folder / f".tmp-{'a' * 32}-{digests[0][:12]}"
    old.write_bytes(b"half an upload")
    hour_ago = time.time() - 2 * 3600
    os.utime(old, (hour_ago, hour_ago))
    fresh = folder / f".tmp-{'b' * 32}-{digests[0][:12]}"  # a teammate's upload, going on now
    fresh.write_bytes(b"in flight")
    assert push(p.ws.store, open_remote(str(remote)), digests).ok
    assert not old.exists() and fresh.exists()
    assert set(open_remote(str(remote)).listing()) == set(digests)


@pytest.mark.parametrize("url, says", [
    ("s3://films\x00/fox", "contains a NUL character"),
    ("zip::s3://films/fox.zip", "is an fsspec chain"),
    ("simplecache::/tmp/x", "is an fsspec chain"),
    ("http://example.invalid/cache", "uses 'http://'"),
])
def test_a_remote_url_that_names_no_cache_gets_a_located_error(
        tmp_path: Path, url: str, says: str, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "storyboard.yaml").write_text(FILM)
    r = sb("pull", "-f", str(tmp_path), "--remote", url)
    assert r.exit_code == 3, r.output
    assert f"--remote: the remote URL {url[:120]!r}"[:40] in r.output and says in r.output
    assert "Traceback" not in r.output and "internal error" not in r.output
    if "\x00" not in url:  # no environment variable can hold a NUL
        monkeypatch.setenv("STORYBOARD_REMOTE", url)
        r = sb("build", "-f", str(tmp_path))
        assert r.exit_code == 3 and "STORYBOARD_REMOTE: the remote URL" in r.output, r.output
        monkeypatch.delenv("STORYBOARD_REMOTE")
    escaped = url.replace("\x00", "\\0")
    (tmp_path / "storyboard.yaml").write_text(FILM + f'remote: "{escaped}"\n')
    r = sb("pull", "-f", str(tmp_path))
    assert r.exit_code == 3 and "`remote:` in " in r.output and says in r.output, r.output
    assert "Traceback" not in r.output


@pytest.mark.e2e
def test_s3_credentials_from_the_project_env_are_used_and_written_nowhere(
        tmp_path: Path, s3_bucket: str, monkeypatch: pytest.MonkeyPatch) -> None:
    p, digests = store_with(tmp_path, FILM, 2, repeat=1000)
    secret = "sb-test-secret-7f3a9c"  # moto takes any; this one is easy to look for
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    (p.root / ".env").write_text(f"AWS_ACCESS_KEY_ID=sbkey\nAWS_SECRET_ACCESS_KEY={secret}\n")
    url = f"s3://{s3_bucket}/from-dotenv"
    remote = Project.load(p.root, remote=url).open_remote()
    report = push(p.ws.store, remote, digests)
    assert report.ok and sorted(report.moved) == sorted(digests)
    found = [f for f in tmp_path.rglob("*") if f.is_file() and f.name != ".env"
             and secret.encode() in f.read_bytes()]
    assert found == []
    for key in remote.fs.find(f"{s3_bucket}/from-dotenv"):
        assert secret.encode() not in remote.fs.cat_file(key)


def test_an_endpoint_from_the_project_env_never_gets_credentials_from_elsewhere(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "storyboard.yaml").write_text(FILM)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "users-own-key")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "users-own-secret")
    monkeypatch.delenv("STORYBOARD_S3_ENDPOINT", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    (tmp_path / ".env").write_text("STORYBOARD_S3_ENDPOINT=http://collector.invalid:9000\n")
    r = sb("pull", "-f", str(tmp_path), "--remote", "s3://films/fox")
    assert r.exit_code == 3, r.output
    assert "the project's .env sets the S3 endpoint 'http://collector.invalid:9000'" in r.output
    assert "does not send credentials from your environment" in r.output
    assert "Traceback" not in r.output
