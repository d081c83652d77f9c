"""Remote cache transfers for a lock naming 200 objects.

1. `storyboard pull` when every object is already here: answered by the stat cache, without
   reading a byte or contacting the remote. Goal: under 1 s for the whole command.
2. `storyboard push --jobs 8` of 200 small objects to a folder remote next to `--jobs 1`,
   measured in the same run; the same against S3 (moto's server on loopback, when moto is
   installed), where each object is a round trip. Every figure is a child process.
Run: python bench/remote.py
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _timing import best_runs, floor, load, run, verdict

from storyboard.cache import LockFile, Record
from storyboard.project import Project

ROOT = Path(__file__).resolve().parents[1]

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
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    sb = [sys.executable, "-m", "storyboard"]
    print(f"measured with {load()}")
    base = floor()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "film"
        root.mkdir()
        f = make_project(root)
        remote = Path(tmp) / "remote"
        run([*sb, "push", "-f", str(f), "--remote", str(remote)], env=env)

        # -- pull with everything present -------------------------------------------------
        pull = best_runs([*sb, "pull", "-f", str(f), "--remote", str(remote)], 5, env=env)
        print(f"`storyboard pull`, {OBJECTS} objects all present: {pull.wall:.3f} s wall "
              f"({pull.cpu:.3f} s CPU) | import floor {base.wall:.3f} s | goal: under 1 s: "
              f"{verdict(pull.wall < 1.0)}")

        # -- push: parallel vs sequential -------------------------------------------------
        def push_with(jobs: int, url: str, extra: dict[str, str]) -> float:
            r = run([*sb, "push", "-f", str(f), "--remote", url, "--jobs", str(jobs)],
                    env={**env, **extra})
            return r.wall

        def to_folder(jobs: int) -> float:
            shutil.rmtree(remote, ignore_errors=True)
            return push_with(jobs, str(remote), {})

        sequential = statistics.median(to_folder(1) for _ in range(3))
        parallel = statistics.median(to_folder(8) for _ in range(3))
        print(f"`storyboard push` of {OBJECTS} objects to a folder: --jobs 1 {sequential:.3f} s, "
              f"--jobs 8 {parallel:.3f} s, speed-up {sequential / parallel:.2f}x | goal: "
              f"faster than sequential: {verdict(parallel < sequential)}")
        push_s3(push_with)


def push_s3(push_with: Callable[[int, str, dict[str, str]], float]) -> None:
    try:
        import boto3
        from moto.server import ThreadedMotoServer
    except ImportError:
        print("push to S3: not run (moto is missing: pip install 'moto[server]')")
        return
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        creds = dict(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench",
                     AWS_DEFAULT_REGION="us-east-1", STORYBOARD_S3_ENDPOINT=endpoint)
        s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                          aws_access_key_id="bench", aws_secret_access_key="bench")
        runs = iter(range(100))

        def to_s3(jobs: int) -> float:
            bucket = f"bench-{next(runs)}"
            s3.create_bucket(Bucket=bucket)
            return push_with(jobs, f"s3://{bucket}/c", creds)

        sequential = statistics.median(to_s3(1) for _ in range(3))
        parallel = statistics.median(to_s3(8) for _ in range(3))
        print(f"`storyboard push` of {OBJECTS} objects to S3 (moto on loopback): --jobs 1 "
              f"{sequential:.3f} s, --jobs 8 {parallel:.3f} s, speed-up "
              f"{sequential / parallel:.2f}x | goal: faster than sequential: "
              f"{verdict(parallel < sequential)}")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
