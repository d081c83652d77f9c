"""The peers a user would pick, installed into their own venv (bench/.peers, gitignored), so the
benchmarks can time them in the same run as storyboard: DVC (`dvc repro`) and MoviePy.

Run: python bench/peers.py        (creates bench/.peers and pip-installs dvc and moviepy)
Other scripts ask `peer(name)` for the path of a peer's executable or interpreter; a peer that
is not installed is reported as missing, never faked.
"""

from __future__ import annotations

import subprocess
import sys
import venv
from pathlib import Path

HERE = Path(__file__).resolve().parent
PEERS = HERE / ".peers"
PACKAGES = ["dvc", "moviepy"]


def python() -> Path:
    return PEERS / "bin" / "python"


def peer(name: str) -> Path | None:
    """`dvc`: the dvc executable; `moviepy`: the peers' python when it imports moviepy."""
    if name == "dvc":
        exe = PEERS / "bin" / "dvc"
        return exe if exe.is_file() else None
    if name == "moviepy" and python().is_file():
        r = subprocess.run([str(python()), "-c", "import moviepy"], capture_output=True,
                           check=False)
        return python() if r.returncode == 0 else None
    return None


def install() -> int:
    if not python().is_file():
        venv.EnvBuilder(with_pip=True).create(PEERS)
    r = subprocess.run([str(python()), "-m", "pip", "install", "--quiet", *PACKAGES],
                       check=False)
    for name in PACKAGES:
        print(f"{name}: {peer(name) or 'MISSING'}")
    return r.returncode


if __name__ == "__main__":
    sys.exit(install())
