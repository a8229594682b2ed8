"""The one settings object. Every knob is an environment variable prefixed ``CAPMATCH_``.

A bad value stops the process at start-up: ``load_settings`` turns pydantic's
ValidationError into one line per problem, naming the variable and never its value.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Literal

from limits import parse_many
from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_PREFIX = "CAPMATCH_"
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./capmatch.db"
ADMIN_KEY_MIN_LENGTH = 32
CONFIGURATION_ERROR_EXIT_CODE = 2
RATE_LIMIT_OFF = "off"
METRICS_PUBLIC, METRICS_ADMIN = "public", "admin"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore")

    # Declared first: the validators of the fields below read it (pydantic validates
    # fields in declaration order, and gives each validator the ones before it).
    environment: Literal["development", "production", "test"] = "development"
    allow_default_sqlite_in_production: bool = Field(
        default=False,
        description="Let production mode run on the default SQLite file ./capmatch.db.",
    )
    database_url: str = Field(
        default=DEFAULT_DATABASE_URL,
        description="SQLAlchemy async URL: sqlite+aiosqlite:///path or postgresql+asyncpg://...",
        validate_default=True,
    )
    admin_api_key: SecretStr | None = Field(
        default=None,
        description="Operator key (>= 32 characters). Without it the admin endpoints are disabled "
        "(and production mode does not start).",
        validate_default=True,
    )
    log_level: str = "INFO"
    max_body_bytes: int = Field(default=1024 * 1024, gt=0)
    idempotency_ttl_hours: int = Field(default=24, gt=0)
    idempotency_purge_s: float = Field(
        default=3600.0,
        gt=0,
        description="Seconds between a worker's purges of idempotency records past their TTL.",
    )
    event_retention_days: int = Field(
        default=30,
        ge=30,
        description="Days the outbox keeps events for GET /v1/events (at least 30).",
    )
    event_purge_s: float = Field(
        default=3600.0,
        gt=0,
        description="Seconds between a worker's deletions of events past their retention.",
    )
    db_pool_size: int = Field(default=20, gt=0)
    db_max_overflow: int = Field(default=10, ge=0)
    db_pool_timeout_s: float = Field(default=10.0, gt=0)
    db_connect_timeout_s: float = Field(default=5.0, gt=0)
    sqlite_busy_timeout_ms: int = Field(default=30_000, gt=0)
    key_cache_ttl_s: float = Field(
        default=5.0,
        ge=0,
        description="Seconds a verified API key is trusted without a query (0: never). "
        "A revocation reaches other workers within this time.",
    )
    match_preload: bool = Field(
        default=True,
        description="Load the matching index when the worker starts (else on the first match).",
    )
    match_refresh_s: float = Field(
        default=0.5,
        gt=0,
        description="Seconds between a worker's reads of the change log when idle; every "
        "matching call also catches up first.",
    )
    match_snapshot: str = Field(
        default="auto",
        min_length=1,
        description="Where a worker keeps its matching base for the next start and the other "
        "workers on this host (at 10,000 offers or more): a directory, 'auto' (a private "
        "directory under the system's temporary directory) or 'off'.",
    )
    match_change_log_hours: int = Field(
        default=24, gt=0, description="Hours the change log keeps entries for the workers."
    )
    match_change_log_prune_s: float = Field(
        default=3600.0,
        gt=0,
        description="Seconds between a worker's deletions of change-log entries past their hours.",
    )
    engagement_hold_hours: int = Field(
        default=72,
        gt=0,
        le=24 * 90,
        description="Hours a pending engagement holds capacity before it lapses.",
    )
    engagement_hold_share: float = Field(
        default=0.5,
        gt=0,
        le=1,
        description="Share of an offer's total that one buyer's pending holds may add up to.",
    )
    engagement_sweep_s: float = Field(
        default=15.0,
        gt=0,
        description="Seconds between sweeps that expire lapsed holds and free their capacity.",
    )
    key_last_used_resolution_s: int = Field(
        default=60,
        ge=0,
        description="Seconds between writes of an API key's last_used_at (saves a write per call).",
    )

    webhook_delivery: Literal["embedded", "off"] = Field(
        default="embedded",
        description="embedded: `capmatch serve` delivers webhooks too; off: only `capmatch worker`",
    )
    webhook_allow_private: bool = Field(
        default=None,  # resolved from the environment by the validator below
        description="Allow webhook targets on loopback, private or link-local addresses, and "
        "http (default true only in development and test).",
        validate_default=True,
    )
    webhook_poll_s: float = Field(
        default=0.5, gt=0, description="Seconds a delivery worker waits when nothing is due."
    )

    max_import_bytes: int = Field(
        default=50_000_000, gt=0, description="Largest file POST /v1/imports accepts (else 413)."
    )
    max_import_rows: int = Field(
        default=200_000, gt=0, description="Most data rows one import file may have."
    )
    import_worker: Literal["embedded", "off"] = Field(
        default="embedded",
        description="embedded: `capmatch serve` runs imports too; off: only `capmatch worker`",
    )
    import_poll_s: float = Field(
        default=1.0, gt=0, description="Seconds an import runner waits when nothing is queued."
    )

    rate_limit: str = Field(
        default="1200/minute",
        description="Requests per API key (per client address without one), e.g. 1200/minute, "
        "or off. Several limits: '20/second;1200/minute'.",
    )
    rate_limit_write: str = Field(
        default="300/minute",
        description="POST, PATCH and DELETE per API key, on top of the rate limit (or off).",
    )
    rate_limit_auth_failures: str = Field(
        default="20/minute",
        description="Answers 401 per client address; past it, requests with a key not "
        "recently verified get 429 (guessing keys stays slow), or off.",
    )
    redis_url: SecretStr | None = Field(
        default=None,
        description="redis://host:6379/0: rate limits and key revocations shared by every "
        "worker and host. Without it both are per process.",
    )
    metrics_bind: str = Field(
        default=METRICS_PUBLIC,
        description="Where GET /metrics is served: 'public' (on the API port, no key), "
        "'admin' (on the API port, with the admin key) or HOST:PORT (a listener of its own, "
        "e.g. 127.0.0.1:9100; the API port then answers 404).",
    )
    taxonomy_file: Path | None = Field(
        default=None,
        description="Operator YAML merged over the built-in vocabulary (adds codes and labels, "
        "marks codes deprecated; never removes one).",
    )

    @field_validator("database_url")
    @classmethod
    def _no_default_sqlite_in_production(cls, value: str, info: ValidationInfo) -> str:
        # A missing entry means its own value was invalid (and is reported already).
        allowed = info.data.get("allow_default_sqlite_in_production", True)
        production = info.data.get("environment") == "production"
        if production and value == DEFAULT_DATABASE_URL and not allowed:
            raise ValueError(
                "production mode needs a database URL; the default SQLite file ./capmatch.db "
                f"is refused unless {ENV_PREFIX}ALLOW_DEFAULT_SQLITE_IN_PRODUCTION=true"
            )
        return value

    @field_validator("admin_api_key")
    @classmethod
    def _admin_key_long_enough(
        cls, value: SecretStr | None, info: ValidationInfo
    ) -> SecretStr | None:
        if value is not None and value.get_secret_value() == "":
            value = None
        if value is not None and len(value.get_secret_value()) < ADMIN_KEY_MIN_LENGTH:
            raise ValueError(f"must be at least {ADMIN_KEY_MIN_LENGTH} characters long")
        if value is None and info.data.get("environment") == "production":
            raise ValueError(
                f"required in production mode (at least {ADMIN_KEY_MIN_LENGTH} characters)"
            )
        return value

    @field_validator("webhook_allow_private", mode="before")
    @classmethod
    def _private_targets_outside_production(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None or value == "":
            return info.data.get("environment") in ("development", "test")
        return value

    @field_validator("rate_limit", "rate_limit_write", "rate_limit_auth_failures")
    @classmethod
    def _rate_limit_readable(cls, value: str) -> str:
        value = value.strip()
        if value.lower() == RATE_LIMIT_OFF:
            return RATE_LIMIT_OFF
        try:
            parse_many(value)
        except ValueError:
            raise ValueError(
                "must read like 1200/minute (several separated by ';'), or off"
            ) from None
        return value

    @field_validator("metrics_bind")
    @classmethod
    def _metrics_bind_readable(cls, value: str) -> str:
        value = value.strip()
        if value in (METRICS_PUBLIC, METRICS_ADMIN):
            return value
        host, separator, port = value.rpartition(":")
        if not separator or not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError("must be public, admin or HOST:PORT (such as 127.0.0.1:9100)")
        return value

    @property
    def metrics_address(self) -> tuple[str, int] | None:
        """The own listener of /metrics, when it has one."""
        if self.metrics_bind in (METRICS_PUBLIC, METRICS_ADMIN):
            return None
        host, _, port = self.metrics_bind.rpartition(":")
        return host.strip("[]"), int(port)

    @field_validator("redis_url")
    @classmethod
    def _redis_scheme(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or value.get_secret_value() == "":
            return None
        if not value.get_secret_value().startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must start with redis://, rediss:// or unix://")
        return value

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def configuration_problems(error: ValidationError) -> list[str]:
    """One line per problem, naming the environment variable.

    Built from each error's location and message only: pydantic's own text repeats
    the input value, and the input may be a secret.
    """
    lines = []
    for problem in error.errors(include_url=False, include_input=False):
        location = problem.get("loc", ())
        message = str(problem.get("msg", "invalid value")).removeprefix("Value error, ")
        if location:
            message = f"{ENV_PREFIX}{str(location[0]).upper()}: {message}"
        lines.append(f"configuration error: {message}")
    return lines


def load_settings(**overrides: Any) -> Settings:
    """Settings from the environment; a bad value prints its problems and exits with 2."""
    try:
        return Settings(**overrides)
    except ValidationError as error:
        for line in configuration_problems(error):
            print(line, file=sys.stderr)
        raise SystemExit(CONFIGURATION_ERROR_EXIT_CODE) from None
