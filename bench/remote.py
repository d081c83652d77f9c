"""Remote cache transfers for a lock naming 200 objects.

1. `storyboard pull` when every object is already here: answered by the stat cache, without
   reading a byte or contacting the remote. Goal: under 1 s for the whole command.
2. `push` of 200 small objects to a folder remote, in parallel (8 transfers) next to a
   sequential baseline (1 transfer) measured in the same run; the same against S3 (moto's
   server on loopback, when moto is installed), where each object is a round trip.
Run: python bench/remote.py
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _timing import import_time, report, time_call, time_command

from storyboard.cache import LockFile, Record
from storyboard.project import Project
from storyboard.remote import open_remote, push

OBJECTS = 200
FILM = """\
version: 1
name: remote-bench
shots:
  s0:
    generate: {prompt: A fox}
"""


def make_project(root: Path) -> Path:
    """A project whose lock names OBJECTS small objects (4-68 KB) in the local cache."""
    (root / "storyboard.yaml").write_text(FILM, "utf-8")
    project = Project.load(root)
    lock = LockFile(root / "storyboard.lock")
    blob = root / "blob"
    for i in range(OBJECTS):
        blob.write_bytes(os.urandom(4096 + (i % 16) * 4096))
        digest = project.ws.store.put(blob)
        lock.nodes[f"shot:s{i:03d}"] = Record(key=f"{i:064x}", output=digest,
                                              provider="preview", kind="generate")
    blob.unlink()
    lock.save()
    project.ws.stat.save()
    return root / "storyboard.yaml"


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "film"
        root.mkdir()
        f = make_project(root)
        remote = Path(tmp) / "remote"

        # -- pull with everything present -------------------------------------------------
        project = Project.load(f, remote=str(remote))
        t0 = time.perf_counter()
        r = project.pull()
        inproc = time.perf_counter() - t0
        assert r.present == OBJECTS and not r.moved, r
        print(f"pull, {OBJECTS} objects present (in process): {inproc * 1000:.1f} ms, "
              f"files hashed: {project.ws.stat.hashed}")
        cmd = [sys.executable, "-m", "storyboard", "pull", "-f", str(f), "--remote", str(remote)]
        subprocess.run(cmd, check=True, capture_output=True)
        pull_cli = time_command(cmd, repeat=5)
        report("storyboard pull (nothing missing)", pull_cli, "import storyboard",
               import_time(), "pull < 1 s")

        # -- push: parallel vs sequential -------------------------------------------------
        digests = project.ws.lock.outputs()

        def push_with(jobs: int) -> None:
            shutil.rmtree(remote, ignore_errors=True)
            rep = push(project.ws.store, open_remote(str(remote)), digests, jobs=jobs)
            assert len(rep.moved) == OBJECTS and rep.ok, rep

        sequential = time_call(lambda: push_with(1), repeat=3)
        parallel = time_call(lambda: push_with(8), repeat=3)
        print(f"push {OBJECTS} objects to a folder: sequential {sequential:.3f} s, "
              f"parallel (8) {parallel:.3f} s, speed-up {sequential / parallel:.2f}x")
        push_s3(project, digests)


def push_s3(project: Project, digests: set[str]) -> None:
    try:
        import boto3
        from moto.server import ThreadedMotoServer
    except ImportError:
        print("push to S3: skipped (pip install 'moto[server]')")
        return
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench",
                          AWS_DEFAULT_REGION="us-east-1", STORYBOARD_S3_ENDPOINT=endpoint)
        s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
        runs = iter(range(100))

        def push_with(jobs: int) -> None:
            bucket = f"bench-{next(runs)}"
            s3.create_bucket(Bucket=bucket)
            rep = push(project.ws.store, open_remote(f"s3://{bucket}/c"), digests, jobs=jobs)
            assert len(rep.moved) == OBJECTS and rep.ok, rep

        sequential = time_call(lambda: push_with(1), repeat=2)
        parallel = time_call(lambda: push_with(8), repeat=2)
        print(f"push {OBJECTS} objects to S3 (moto on loopback): sequential {sequential:.3f} s, "
              f"parallel (8) {parallel:.3f} s, speed-up {sequential / parallel:.2f}x")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
