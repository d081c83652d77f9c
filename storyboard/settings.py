"""Settings from the environment and the project's `.env`: credentials, base URL, knobs.

pydantic-settings reads `SCENARIO_*` (and the official SDK's `SCENARIO_SDK_*` names) so users
can keep what they already have. The secret is a `SecretStr`: it never shows in a repr, a log
line or an error message.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from storyboard.errors import CredentialsError, ProjectError

DEFAULT_BASE_URL = "https://api.cloud.scenario.com/v1"


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

    @classmethod
    def load(cls, project_root: Path | None = None) -> Settings:
        """Environment first, then `<project>/.env` for what the environment does not set."""
        env_file = project_root / ".env" if project_root is not None else None
        try:
            if env_file is not None and env_file.is_file():
                return cls(_env_file=env_file)  # type: ignore[call-arg]
            return cls()
        except ValidationError as exc:
            bad = "; ".join(f"{e['loc'][0] if e['loc'] else '?'}: {e['msg']}"
                            for e in exc.errors())
            raise ProjectError(f"a setting in the environment or .env is invalid ({bad}); "
                               "fix or unset it") from None

    def now(self) -> str:
        """The time a build records for what it makes (UTC, to the second)."""
        when = (datetime.fromtimestamp(self.source_date_epoch, UTC)
                if self.source_date_epoch is not None else datetime.now(UTC))
        return when.strftime("%Y-%m-%dT%H:%M:%SZ")

    def credentials(self) -> tuple[str, str]:
        """(key, secret), or a CredentialsError that says how to provide them."""
        if self.scenario_api_key is None or self.scenario_api_secret is None:
            missing = [n for n, v in (("SCENARIO_API_KEY", self.scenario_api_key),
                                      ("SCENARIO_API_SECRET", self.scenario_api_secret))
                       if v is None]
            raise CredentialsError(
                f"the scenario provider needs {' and '.join(missing)}: set them in the "
                "environment or in a .env file next to storyboard.yaml (never commit it); "
                "or build with --provider preview")
        return (self.scenario_api_key.get_secret_value(),
                self.scenario_api_secret.get_secret_value())
