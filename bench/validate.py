"""Validate a generated 1,000-shot storyboard, timed next to `python -c "import storyboard"`.

Goal: validation (parse, catalogue checks, graph) under 1 s beyond the import on this machine.
Run: python bench/validate.py
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _timing import import_time, report, time_command

SHOTS = 1000


def make_project(root: Path, shots: int = SHOTS) -> Path:
    lines = [
        "version: 1",
        "name: bench",
        "defaults:",
        '  generate: {model: ray-3.2, aspect_ratio: "16:9", resolution: 720p}',
        '  style: "cinematic"',
        "shots:",
    ]
    for i in range(shots):
        lines.append(f"  s{i}:")
        if i % 4 == 1:
            lines += [
                "    generate:",
                f"      prompt: Shot {i} continues",
                f"      start_frame: s{i - 1}.last_frame",
                "      model: ray-flash-2",
                "      camera: [push_in]",
            ]
        elif i % 4 == 2:
            lines += [
                "    edit:",
                f"      source: s{i - 1}",
                f"      prompt: Restyle {i}",
                "      strength: flex_1",
            ]
        else:
            lines += [
                "    generate:",
                f"      prompt: Shot number {i} of the film",
                "      duration: 5",
            ]
    lines += ["cuts:", "  all:", "    shots:"]
    lines += [f"      - s{i}" for i in range(0, shots, 2)]
    f = root / "storyboard.yaml"
    f.write_text("\n".join(lines) + "\n", "utf-8")
    return f


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        f = make_project(Path(tmp))
        base = import_time()
        total = time_command(
            [sys.executable, "-m", "storyboard", "validate", "-f", str(f)], repeat=3
        )
        print(f"storyboard validate on {SHOTS} shots (wall, median of 3): {total:.3f} s")
        report(
            "validate beyond import",
            total - base,
            "import storyboard",
            base,
            "validate beyond import < 1 s",
        )


if __name__ == "__main__":
    main()
