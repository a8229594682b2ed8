"""Settings: production mode's refusals, and configuration errors as one line per problem."""

from __future__ import annotations

import os

import pytest
from pydantic import ValidationError

from app.core.config import (
    DEFAULT_DATABASE_URL,
    Settings,
    configuration_problems,
    load_settings,
)
from tests.fixtures import ADMIN_KEY

POSTGRES = "postgresql+asyncpg://capmatch@db/capmatch"
SECRET = "short-but-very-secret"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only what a test sets: the runner's own CAPMATCH_ variables must not leak in."""
    for name in list(os.environ):
        if name.startswith("CAPMATCH_"):
            monkeypatch.delenv(name)


def problems_of(**values: object) -> list[str]:
    with pytest.raises(ValidationError) as raised:
        Settings(**values)  # type: ignore[arg-type]
    return configuration_problems(raised.value)


def test_development_needs_nothing() -> None:
    settings = Settings()
    assert settings.environment == "development"
    assert settings.database_url == DEFAULT_DATABASE_URL
    assert settings.admin_api_key is None


def test_production_with_key_and_database_starts() -> None:
    settings = Settings(environment="production", admin_api_key=ADMIN_KEY, database_url=POSTGRES)
    assert settings.environment == "production"


def test_production_refuses_a_missing_admin_key() -> None:
    assert problems_of(environment="production", database_url=POSTGRES) == [
        "configuration error: CAPMATCH_ADMIN_API_KEY: required in production mode "
        "(at least 32 characters)"
    ]
    # An empty value counts as unset.
    assert len(problems_of(environment="production", database_url=POSTGRES, admin_api_key="")) == 1


def test_production_refuses_the_default_sqlite_file() -> None:
    [problem] = problems_of(environment="production", admin_api_key=ADMIN_KEY)
    assert problem.startswith("configuration error: CAPMATCH_DATABASE_URL: ")
    assert "CAPMATCH_ALLOW_DEFAULT_SQLITE_IN_PRODUCTION=true" in problem


def test_production_may_allow_the_default_sqlite_file() -> None:
    settings = Settings(
        environment="production",
        admin_api_key=ADMIN_KEY,
        allow_default_sqlite_in_production=True,
    )
    assert settings.is_sqlite


def test_production_accepts_a_chosen_sqlite_file() -> None:
    # The Docker image keeps its SQLite database in /data on purpose.
    url = "sqlite+aiosqlite:////data/capmatch.db"
    settings = Settings(environment="production", admin_api_key=ADMIN_KEY, database_url=url)
    assert settings.database_url == url


def test_other_environments_do_not_refuse() -> None:
    for environment in ("development", "test"):
        assert Settings(environment=environment).admin_api_key is None


def test_one_line_per_problem_naming_the_variable_never_the_value(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CAPMATCH_ADMIN_API_KEY", SECRET)
    monkeypatch.setenv("CAPMATCH_DB_POOL_SIZE", "abc")
    monkeypatch.setenv("CAPMATCH_ENVIRONMENT", "staging")
    with pytest.raises(ValidationError) as raised:
        Settings()
    assert SECRET in str(raised.value)  # what pydantic would print
    lines = configuration_problems(raised.value)
    assert [line.split(": ")[1] for line in lines] == [
        "CAPMATCH_ENVIRONMENT",
        "CAPMATCH_ADMIN_API_KEY",
        "CAPMATCH_DB_POOL_SIZE",
    ]
    assert all("\n" not in line for line in lines)
    assert not any(SECRET in line or "abc" in line or "staging" in line for line in lines)


def test_load_settings_exits_with_2_and_prints_the_lines(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CAPMATCH_ADMIN_API_KEY", SECRET)
    with pytest.raises(SystemExit) as exited:
        load_settings()
    assert exited.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        "configuration error: CAPMATCH_ADMIN_API_KEY: must be at least 32 characters long\n"
    )


def test_load_settings_overrides_win_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAPMATCH_ENVIRONMENT", "production")
    assert load_settings(environment="test").environment == "test"
