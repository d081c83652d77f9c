"""Settings from the environment and the project's `.env`: credentials, base URL, knobs.

pydantic-settings reads `SCENARIO_*` (and the official SDK's `SCENARIO_SDK_*` names) so users
can keep what they already have. The secret is a `SecretStr`: it never shows in a repr, a log
line or an error message.
"""

from __future__ import annotations

import io
import ipaddress
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from dotenv import dotenv_values
from pydantic import AliasChoices, Field, PrivateAttr, SecretStr, ValidationError
from pydantic_core import ErrorDetails
from pydantic_settings import BaseSettings, SettingsConfigDict

from storyboard.errors import CredentialsError, ProjectError, UnsafePath
from storyboard.paths import read_bounded

DEFAULT_BASE_URL = "https://api.cloud.scenario.com/v1"
MAX_ENV_FILE = 64 * 1024  # a .env holds a few lines; a cloned project may plant anything
Source = Literal["environment", "project .env", "default"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", env_file_encoding="utf-8")

    scenario_api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("SCENARIO_API_KEY", "SCENARIO_SDK_API_KEY"))
    scenario_api_secret: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("SCENARIO_API_SECRET", "SCENARIO_SDK_API_SECRET"))
    scenario_base_url: str = Field(
        default=DEFAULT_BASE_URL,
        validation_alias=AliasChoices("SCENARIO_BASE_URL", "SCENARIO_SDK_BASE_URL"))
    poll_interval: float = Field(default=3.0, gt=0,
                                 validation_alias=AliasChoices("STORYBOARD_POLL_INTERVAL"))
    job_deadline: float = Field(default=3600.0, gt=0,
                                validation_alias=AliasChoices("STORYBOARD_JOB_DEADLINE"))
    # Seconds one HTTP request may go without progress (connecting is capped at 10 s).
    http_timeout: float = Field(default=60.0, gt=0,
                                validation_alias=AliasChoices("STORYBOARD_HTTP_TIMEOUT"))
    # Bounds on waiting out a 429 for one submission: one wait, and all of them together. A
    # server that asks for longer (a quota, a long cooldown) fails the node at once instead.
    rate_limit_wait: float = Field(default=30.0, ge=0,
                                   validation_alias=AliasChoices("STORYBOARD_RATE_LIMIT_WAIT"))
    rate_limit_total: float = Field(default=300.0, ge=0,
                                    validation_alias=AliasChoices("STORYBOARD_RATE_LIMIT_TOTAL"))
    remote: str | None = Field(default=None, validation_alias=AliasChoices("STORYBOARD_REMOTE"))
    # The reproducible-builds convention: when set, the lock records this time for what a
    # build makes, so two builds of the same project write the same bytes.
    source_date_epoch: int | None = Field(
        default=None, ge=0, validation_alias=AliasChoices("SOURCE_DATE_EPOCH"))
    _sources: dict[str, Source] = PrivateAttr(default_factory=dict)
    _env_file: Path | None = PrivateAttr(default=None)

    @classmethod
    def load(cls, project_root: Path | None = None) -> Settings:
        """Environment first, then `<project>/.env` for what the environment does not set;
        `sources` says which of the two (or the default) each setting came from."""
        env_file = project_root / ".env" if project_root is not None else None
        dotenv = _read_dotenv(env_file) if env_file is not None else {}
        in_env = {k.lower() for k in os.environ}
        given: dict[str, Any] = {}
        sources: dict[str, Source] = {}
        for name, aliases in _ALIASES.items():
            if any(a.lower() in in_env for a in aliases):
                sources[name] = "environment"
            elif (alias := next((a for a in aliases if a in dotenv), None)) is not None:
                given[aliases[0]] = dotenv[alias]
                sources[name] = "project .env"
            else:
                sources[name] = "default"
        try:
            settings = cls(**given)
        except ValidationError as exc:
            bad = "; ".join(_where(e, sources, env_file) for e in exc.errors())
            raise ProjectError(f"a setting is invalid: {bad}; fix or unset it") from None
        settings._sources = sources
        settings._env_file = env_file
        return settings

    @property
    def sources(self) -> dict[str, Source]:
        """Where each setting came from, by the first name users set it with."""
        return {_ALIASES[k][0]: v for k, v in self._sources.items()}

    def now(self) -> str:
        """The time a build records for what it makes (UTC, to the second)."""
        when = (datetime.fromtimestamp(self.source_date_epoch, UTC)
                if self.source_date_epoch is not None else datetime.now(UTC))
        return when.strftime("%Y-%m-%dT%H:%M:%SZ")

    def credentials(self) -> tuple[str, str]:
        """(key, secret), or a CredentialsError that says how to provide them, or why they
        may not go to the base URL (see `check_base_url`)."""
        if self.scenario_api_key is None or self.scenario_api_secret is None:
            missing = [n for n, v in (("SCENARIO_API_KEY", self.scenario_api_key),
                                      ("SCENARIO_API_SECRET", self.scenario_api_secret))
                       if v is None]
            raise CredentialsError(
                f"the scenario provider needs {' and '.join(missing)}: set them in the "
                "environment or in a .env file next to storyboard.yaml (never commit it); "
                "or build with --provider preview")
        self.check_base_url()
        return (self.scenario_api_key.get_secret_value(),
                self.scenario_api_secret.get_secret_value())

    def check_base_url(self) -> None:
        """The user's credentials go only to a host the user chose (docs/threat-model.md): a
        base URL that a cloned project's `.env` sets is used only with credentials from that
        same file, and any base URL but the default must be https, or http on loopback."""
        url = self.scenario_base_url
        src = self._sources.get("scenario_base_url", "default")
        if src == "project .env":
            foreign = [_ALIASES[n][0] for n in ("scenario_api_key", "scenario_api_secret")
                       if self._sources.get(n) != "project .env"]
            if foreign:
                raise CredentialsError(
                    f"{self._env_file} sets SCENARIO_BASE_URL to {_host(url)!r}, but "
                    f"{' and '.join(foreign)} come from your environment: storyboard never "
                    "sends your credentials to a host a project file chose (if you trust that "
                    "host, set SCENARIO_BASE_URL in your environment; else delete the line)")
        if url.rstrip("/") != DEFAULT_BASE_URL:
            problem = _url_problem(url)
            if problem:
                raise CredentialsError(
                    f"SCENARIO_BASE_URL ({src}) {problem}; credentials are only sent over "
                    "https, or over http to this machine (127.0.0.1, ::1, localhost)")


# Each setting's names, the first being the one messages and `doctor` use.
_ALIASES: dict[str, tuple[str, ...]] = {
    name: tuple(str(a) for a in field.validation_alias.choices)
    for name, field in Settings.model_fields.items()
    if isinstance(field.validation_alias, AliasChoices)
}


def _read_dotenv(path: Path) -> dict[str, str]:
    """The project's `.env`: a small regular file of UTF-8 text (never a FIFO or a device,
    never read past its limit); a bad one is a located ProjectError."""
    try:
        data = read_bounded(path, MAX_ENV_FILE)
    except FileNotFoundError:
        return {}
    except UnsafePath as exc:
        raise ProjectError(f"{exc} (the project's .env)") from None
    except OSError as exc:
        raise ProjectError(f"{path}: cannot be read ({exc.strerror}); fix or delete it") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise ProjectError(f"{path}:{line}: not UTF-8 text (byte {exc.start + 1}); a .env "
                           "holds NAME=value lines: fix or delete that line") from None
    if "\x00" in text:
        line = text[:text.index("\x00")].count("\n") + 1
        raise ProjectError(f"{path}:{line}: contains a NUL character; fix or delete that line")
    return {k: v for k, v in dotenv_values(stream=io.StringIO(text)).items() if v is not None}


def _where(err: ErrorDetails, sources: dict[str, Source], env_file: Path | None) -> str:
    name = str(err["loc"][0]) if err["loc"] else "?"
    field = next((f for f, al in _ALIASES.items() if name == f or name in al), None)
    src = sources.get(field, "default") if field else "default"
    where = f"in {env_file}" if src == "project .env" else f"in the {src}"
    shown = _ALIASES[field][0] if field else name
    return f"{shown} {where}: {err['msg']}"


def _host(url: str) -> str:
    try:
        return urlsplit(url).hostname or url[:80]
    except ValueError:
        return url[:80]


def _url_problem(url: str) -> str:
    """Why credentials may not go to `url` ('' when they may)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError:
        return f"{url[:80]!r} is not a URL"
    if parts.scheme == "https" and host:
        return ""
    if parts.scheme != "http" or not host:
        return f"{url[:80]!r} is not an https URL"
    if host == "localhost":
        return ""
    try:
        if ipaddress.ip_address(host).is_loopback:
            return ""
    except ValueError:
        pass
    return f"is plain http to {host!r}, another machine"


# What a remote cache on S3 may take from the project's `.env` (the environment and the AWS
# config/profile are read by botocore itself).
S3_NAMES = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
            "STORYBOARD_S3_ENDPOINT", "AWS_ENDPOINT_URL")


def s3_from_env_file(project_root: Path) -> dict[str, str]:
    """The S3 settings the project's `.env` sets (empty without one; a bad one is reported
    by `Settings.load`, which every command runs first)."""
    try:
        values = _read_dotenv(project_root / ".env")
    except ProjectError:
        return {}
    return {k: v for k, v in values.items() if k in S3_NAMES and v}
