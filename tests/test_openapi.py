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


SCHEMA = create_app().openapi()


def _resolved(response: dict[str, Any]) -> dict[str, Any]:
    """A response, or the shared one it refers to (``#/components/responses/...``)."""
    reference = response.get("$ref")
    if reference is None:
        return response
    found: dict[str, Any] = SCHEMA["components"]["responses"][reference.rsplit("/", 1)[1]]
    return found


def _operations() -> list[tuple[str, str, dict[str, Any]]]:
    schema = SCHEMA
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
    assert {"401", "429", "503"} <= errors, f"{method.upper()} {path} documents only {errors}"
    for code in errors:
        content = _resolved(operation["responses"][code])["content"]
        assert list(content) == ["application/problem+json"]
    assert "Retry-After" in _resolved(operation["responses"]["429"])["headers"]
    for code, response in operation["responses"].items():
        if code.startswith("2"):
            assert {"RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"} <= set(
                response["headers"]
            )
    if method in ("post", "patch"):
        assert "422" in errors
    if "requestBody" in operation:
        assert "400" in errors, f"{method.upper()} {path} takes a body but documents no 400"
    if "{" in path:
        assert "404" in errors
    if method == "patch":
        assert "412" in errors


def _schemas_in(node: Any) -> list[dict[str, Any]]:
    """Every JSON object in the document, depth first."""
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        found.append(node)
        for value in node.values():
            found.extend(_schemas_in(value))
    elif isinstance(node, list):
        for value in node:
            found.extend(_schemas_in(value))
    return found


def test_no_constraint_is_lost_to_pydantic_spelling() -> None:
    # A bound written after a validator reaches the document as Pydantic's own key ("gt",
    # "le"), which no OpenAPI tool reads: the document would allow what the API refuses.
    document = create_app().openapi()
    leaked = [
        node for node in _schemas_in(document["components"]) if {"gt", "ge", "lt", "le"} & set(node)
    ]
    assert leaked == []


def test_codes_countries_and_regions_carry_their_patterns() -> None:
    document = create_app().openapi()
    schemas = document["components"]["schemas"]
    skill = schemas["OfferCreate"]["properties"]["skills"]["items"]
    assert skill["pattern"].startswith("^[A-Za-z0-9]+")
    assert schemas["Address"]["properties"]["country"]["pattern"] == "^[A-Za-z]{2}$"
    region = next(
        parameter
        for parameter in document["paths"]["/v1/offers"]["get"]["parameters"]
        if parameter["name"] == "region"
    )
    assert region["schema"]["anyOf"][0]["pattern"] == "^[A-Za-z]{2}-[A-Za-z0-9]{1,3}$"


@pytest.mark.parametrize(
    ("name", "clearable"),
    [
        ("OfferUpdate", {"description", "service_radius_km", "external_ref"}),
        ("RequestUpdate", {"description", "max_distance_km", "weights", "external_ref"}),
        ("OrganizationUpdate", {"address", "contact", "description", "website", "external_ref"}),
        ("PartnerUpdate", set()),
    ],
)
def test_patch_bodies_declare_null_only_where_it_clears(name: str, clearable: set[str]) -> None:
    properties = create_app().openapi()["components"]["schemas"][name]["properties"]
    nullable = {
        field for field, prop in properties.items() if {"type": "null"} in prop.get("anyOf", [])
    }
    assert nullable == clearable
