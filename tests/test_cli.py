"""Every entry point stops on a bad setting: one line per problem, exit code 2, no
traceback and never the value (it may be a secret)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli import main, render_openapi

SECRET = "short-but-very-secret"
BAD = {"CAPMATCH_ADMIN_API_KEY": SECRET, "CAPMATCH_DB_POOL_SIZE": "abc"}
EXPECTED = [
    "configuration error: CAPMATCH_ADMIN_API_KEY: must be at least 32 characters long",
    "configuration error: CAPMATCH_DB_POOL_SIZE: Input should be a valid integer, "
    "unable to parse string as an integer",
]


def bad_environment() -> dict[str, str]:
    clean = {name: value for name, value in os.environ.items() if not name.startswith("CAPMATCH_")}
    return {**clean, **BAD}


def assert_refused(returncode: int | str | None, stderr: str) -> None:
    assert returncode == 2
    assert stderr.splitlines() == EXPECTED
    assert "Traceback" not in stderr
    assert SECRET not in stderr


@pytest.mark.parametrize(
    "argv",
    [["serve"], ["migrate"], ["migrate", "--downgrade", "base"], ["openapi", "--check"]],
    ids=["serve", "migrate", "downgrade", "openapi"],
)
def test_commands_refuse_a_bad_configuration(
    argv: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, value in BAD.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert_refused(exited.value.code, capsys.readouterr().err)


def test_gazetteer_load_refuses_a_bad_configuration(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    postal_codes = tmp_path / "DE.txt"
    postal_codes.write_text("", encoding="utf-8")
    for name, value in BAD.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SystemExit) as exited:
        main(["gazetteer", "load", str(postal_codes)])
    assert_refused(exited.value.code, capsys.readouterr().err)


def test_the_command_process_exits_2_without_traceback() -> None:
    finished = subprocess.run(
        [sys.executable, "-m", "app.cli", "migrate"],
        env=bad_environment(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert finished.stdout == ""
    assert_refused(finished.returncode, finished.stderr)


def test_the_uvicorn_factory_exits_2_without_traceback() -> None:
    # Were the settings accepted, the server would start: the timeout fails the test then.
    finished = subprocess.run(
        [sys.executable, "-m", "uvicorn", "--factory", "app.main:app", "--port", "0"],
        env=bad_environment(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert_refused(finished.returncode, finished.stderr)


def test_openapi_renders_whatever_the_environment_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    # render_openapi asks for a test-mode app: production's refusals do not apply to it.
    monkeypatch.setenv("CAPMATCH_ENVIRONMENT", "production")
    monkeypatch.delenv("CAPMATCH_ADMIN_API_KEY", raising=False)
    assert '"openapi"' in render_openapi()


def test_serve_runs_uvicorn_without_a_server_header(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """``Server: uvicorn`` tells an attacker the stack; capmatch serve does not send it."""
    import uvicorn

    calls: list[dict[str, object]] = []
    monkeypatch.setenv("CAPMATCH_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'serve.db'}")
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: calls.append(kwargs))
    assert main(["serve", "--port", "8123"]) == 0
    assert calls[0]["server_header"] is False
    assert calls[0]["port"] == 8123
