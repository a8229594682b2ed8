"""openapi/openapi.json is generated from the app and checked in; drift fails here."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from app.cli import render_openapi
from app.main import create_app

CHECKED_IN = Path(__file__).resolve().parent.parent / "openapi" / "openapi.json"


def test_checked_in_openapi_matches_the_app() -> None:
    assert CHECKED_IN.read_text(encoding="utf-8") == render_openapi(), (
        "openapi/openapi.json is out of date: run `capmatch openapi` and commit the result"
    )


def _operations() -> list[tuple[str, str, dict[str, Any]]]:
    schema = create_app().openapi()
    return [
        (method, path, operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
    ]


@pytest.mark.parametrize(("method", "path", "operation"), _operations())
def test_every_v1_operation_documents_its_errors(
    method: str, path: str, operation: dict[str, Any]
) -> None:
    assert operation.get("description") or operation.get("summary")
    if not path.startswith("/v1/"):
        return
    errors = {code for code in operation["responses"] if code.startswith(("4", "5"))}
    assert {"401", "503"} <= errors, f"{method.upper()} {path} documents only {errors}"
    for code in errors:
        content = operation["responses"][code]["content"]
        assert list(content) == ["application/problem+json"]
    if method in ("post", "patch"):
        assert "422" in errors
    if "requestBody" in operation:
        assert "400" in errors, f"{method.upper()} {path} takes a body but documents no 400"
    if "{" in path:
        assert "404" in errors
    if method == "patch":
        assert "412" in errors
