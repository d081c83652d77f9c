"""A stand-in provider that renders nothing, so a build measures only storyboard's own cost.

Each job answers at once and "renders" a few bytes (the request key), so every output is a
distinct object and nothing but the orchestration (plan, keys, store, run index, lock, events)
takes time. It is registered as plugins are: `--provider nullprovider:make` with this folder on
PYTHONPATH (bench/scaling.py does that). `make_project` writes an equivalent project of N shots.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from storyboard.providers import BaseProvider, Fetched, JobStatus, Provider, Request


class NullProvider(BaseProvider):
    name = "null"
    paid = False
    poll_interval = 0.0

    async def estimate(self, request: Request) -> float | None:
        return 0.0

    async def submit(self, request: Request) -> str:
        return f"job-{request.key[:16]}"  # derived from the key: reruns record the same job

    async def poll(self, job_id: str) -> JobStatus:
        return JobStatus("done", 1.0, "done")

    async def fetch(self, job_id: str, request: Request, workdir: Path) -> Fetched:
        out = workdir / f"{job_id}.bin"
        out.write_bytes(request.key.encode())
        return Fetched(out, 0.0)


def make(project: Any) -> Provider:
    """The plugin factory: `--provider nullprovider:make`."""
    return NullProvider()


def make_project(root: Path, shots: int) -> Path:
    """N shots: runs of ten, each shot after the first in a run editing the previous one, so
    the graph has long dependency chains as well as independent branches. No cuts: the
    stand-in's outputs are not video."""
    lines = ["version: 1", f"name: scale-{shots}", "defaults:",
             '  generate: {model: ray-flash-2, resolution: 540p, aspect_ratio: "16:9"}',
             "shots:"]
    for i in range(shots):
        if i % 10:
            lines += [f"  s{i}:", "    edit:", f"      source: s{i - 1}",
                      f"      prompt: Shot {i}, repainted", "      strength: flex_1"]
        else:
            lines += [f"  s{i}:", "    generate:", f"      prompt: Shot {i} of the film",
                      "      duration: 5"]
    root.mkdir(parents=True, exist_ok=True)
    f = root / "storyboard.yaml"
    f.write_text("\n".join(lines) + "\n", "utf-8")
    return f
