"""The one settings object. Every knob is an environment variable prefixed ``CAPMATCH_``."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CAPMATCH_", extra="ignore")

    database_url: str = Field(
        default="sqlite+aiosqlite:///./capmatch.db",
        description="SQLAlchemy async URL: sqlite+aiosqlite:///path or postgresql+asyncpg://...",
    )
    admin_api_key: SecretStr | None = Field(
        default=None,
        description="Operator key (>= 32 characters). Without it the admin endpoints are disabled.",
    )
    environment: Literal["development", "production", "test"] = "development"
    log_level: str = "INFO"
    max_body_bytes: int = Field(default=1024 * 1024, gt=0)
    idempotency_ttl_hours: int = Field(default=24, gt=0)
    idempotency_purge_s: float = Field(
        default=3600.0,
        gt=0,
        description="Seconds between a worker's purges of idempotency records past their TTL.",
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

    taxonomy_file: Path | None = Field(
        default=None,
        description="Operator YAML merged over the built-in vocabulary (adds codes and labels, "
        "marks codes deprecated; never removes one).",
    )

    @field_validator("admin_api_key")
    @classmethod
    def _admin_key_long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and value.get_secret_value() == "":
            return None
        if value is not None and len(value.get_secret_value()) < 32:
            raise ValueError("CAPMATCH_ADMIN_API_KEY must be at least 32 characters long")
        return value

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")
