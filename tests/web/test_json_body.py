"""JSON bodies at the edge: 400 when malformed, 422 naming the field for a NUL character,
parsed once, other media types left to their parser."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from starlette.requests import Request

from app.web.json_body import MAX_JSON_DEPTH, is_json_media_type, nul_fields
from tests.fixtures.assertions import assert_invalid, assert_problem
from tests.fixtures.factories import Market, make_offer, offer_body, organization_body

JSON = {"Content-Type": "application/json"}


def assert_malformed(response: httpx.Response, fragment: str) -> None:
    problem = assert_problem(response, 400)
    assert problem["type"] == "urn:capmatch:problem:bad-request"
    assert [error["field"] for error in problem["errors"]] == ["body"]
    assert fragment in problem["errors"][0]["message"]


def nested(depth: int) -> bytes:
    """``depth`` levels of JSON: lists around one object."""
    return b"[" * (depth - 1) + b'{"a": 1}' + b"]" * (depth - 1)


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b'{"title": ', "not valid JSON"),
        (b"not json at all", "not valid JSON"),
        (b'{"title": "a"} trailing', "not valid JSON"),
        (b'{"title": "raw \x00 byte"}', "not valid JSON"),
        (b'{"lead_time_days": NaN}', "NaN is not a JSON value"),
        (b'{"lead_time_days": -Infinity}', "-Infinity is not a JSON value"),
        (b'{"lead_time_days": ' + b"9" * 5000 + b"}", "a number has too many digits"),
        (b'{"title": "caf\xe9"}', "not valid UTF-8 (byte 14)"),
        (b"\xff\xfe{\x00}\x00", "not valid UTF-8 (byte 0)"),
        (nested(MAX_JSON_DEPTH + 1), f"nested deeper than {MAX_JSON_DEPTH} levels"),
        # Deeper than the parser's own recursion limit: still a 400, never a crash.
        (b"[" * 200_000 + b"]" * 200_000, f"nested deeper than {MAX_JSON_DEPTH} levels"),
    ],
    ids=[
        "truncated",
        "not-json",
        "trailing-data",
        "raw-nul-byte",
        "nan",
        "infinity",
        "huge-number",
        "latin-1",
        "utf-16",
        "too-deep",
        "far-too-deep",
    ],
)
async def test_malformed_body_is_400(
    client: httpx.AsyncClient, market: Market, content: bytes, fragment: str
) -> None:
    response = await client.post(
        "/v1/offers", content=content, headers={**market.a.headers, **JSON}
    )
    assert_malformed(response, fragment)


async def test_nesting_up_to_the_limit_is_valid_json(
    client: httpx.AsyncClient, market: Market
) -> None:
    # The body is well-formed, so what is wrong with it is the schema's business: 422.
    body = {"title": json.loads(nested(MAX_JSON_DEPTH - 1))}
    response = await client.post("/v1/offers", json=body, headers=market.a.headers)
    assert_problem(response, 422)


async def test_malformed_body_on_patch_and_search(
    client: httpx.AsyncClient, market: Market
) -> None:
    offer = await make_offer(client, market.a1)
    patched = await client.patch(
        f"/v1/offers/{offer['id']}", content=b"{", headers={**market.a.headers, **JSON}
    )
    assert_malformed(patched, "not valid JSON")
    searched = await client.post(
        "/v1/matches/search", content=b"\xc3\x28", headers={**market.a.headers, **JSON}
    )
    assert_malformed(searched, "not valid UTF-8")


async def test_json_media_type_with_suffix_and_charset_is_checked(
    client: httpx.AsyncClient, market: Market
) -> None:
    for content_type in ("application/merge-patch+json", "Application/JSON; charset=utf-8"):
        response = await client.post(
            "/v1/offers", content=b"{", headers={**market.a.headers, "Content-Type": content_type}
        )
        assert_malformed(response, "not valid JSON")


async def test_byte_order_mark_is_tolerated(client: httpx.AsyncClient, market: Market) -> None:
    content = b"\xef\xbb\xbf" + json.dumps(offer_body(market.a1.id)).encode()
    response = await client.post(
        "/v1/offers", content=content, headers={**market.a.headers, **JSON}
    )
    assert response.status_code == 201, response.text


async def test_other_media_types_are_not_parsed_here(
    client: httpx.AsyncClient, market: Market
) -> None:
    # Not JSON by its Content-Type: FastAPI does not read it as JSON either, so it is
    # not a malformed JSON body but a missing object (422), as before.
    for headers in ({"Content-Type": "text/plain"}, {}):
        response = await client.post(
            "/v1/offers", content=b"{not json", headers={**market.a.headers, **headers}
        )
        assert_problem(response, 422)


async def test_empty_body_is_a_missing_field(client: httpx.AsyncClient, market: Market) -> None:
    response = await client.post("/v1/offers", content=b"", headers={**market.a.headers, **JSON})
    assert_invalid(response, "body")


async def test_body_is_parsed_once(
    client: httpx.AsyncClient, market: Market, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def parse_again(self: Request) -> Any:
        raise AssertionError("the JSON body was parsed a second time")

    # FastAPI and the idempotency fingerprint read the body through Request.json;
    # the checked request hands them the value parsed at the edge instead.
    monkeypatch.setattr(Request, "json", parse_again)
    headers = {**market.a.headers, "Idempotency-Key": "parsed-once"}
    body = offer_body(market.a1.id, title="parsed once")
    first = await client.post("/v1/offers", json=body, headers=headers)
    assert first.status_code == 201, first.text
    replay = await client.post("/v1/offers", json=body, headers=headers)
    assert replay.headers["idempotent-replayed"] == "true"


async def test_nul_in_strings_and_keys_at_any_depth_is_422(
    client: httpx.AsyncClient, market: Market
) -> None:
    body = offer_body(
        market.a1.id,
        title="Free\u0000line",
        capacity={"unit": "pie\u0000ces", "per_week": 5000},
        certifications=["en-14683", "\u0000"],
    )
    body["descr\u0000iption"] = "x"
    response = await client.post("/v1/offers", json=body, headers=market.a.headers)
    errors = assert_invalid(
        response, "title", "certifications[1]", "capacity.unit", "descr\\u0000iption"
    )
    assert {error["message"] for error in errors} == {
        "must not contain the NUL character (\\u0000)",
        "name must not contain the NUL character (\\u0000)",
    }


async def test_nul_in_organization_fields(client: httpx.AsyncClient, market: Market) -> None:
    body = organization_body()
    body["certifications"][0]["code"] = "en-14683\u0000"
    body["contact"]["name"] = "\u0000"
    response = await client.post("/v1/organizations", json=body, headers=market.a.headers)
    assert_invalid(response, "certifications[0].code", "contact.name")


async def test_nul_in_patch_and_search_bodies(client: httpx.AsyncClient, market: Market) -> None:
    offer = await make_offer(client, market.a1)
    patched = await client.patch(
        f"/v1/offers/{offer['id']}", json={"title": "\u0000"}, headers=market.a.headers
    )
    assert_invalid(patched, "title")
    searched = await client.post(
        "/v1/matches/search",
        json={"skills": ["textile.sewing", "textile\u0000"]},
        headers=market.a.headers,
    )
    assert_invalid(searched, "skills[1]")
    # Nothing was changed by the refused PATCH.
    read = await client.get(f"/v1/offers/{offer['id']}", headers=market.a.headers)
    assert read.json()["title"] == offer["title"]


def test_nul_fields_name_paths_in_document_order() -> None:
    value = {"query": "\u0000", "a": [{"b\u0000": 1}, ["x", "y\u0000"]]}
    assert [error.field for error in nul_fields(value)] == ["query", "a[0].b\\u0000", "a[1][1]"]
    assert [error.field for error in nul_fields("\u0000")] == ["body"]
    assert nul_fields({"a": ["\\u0000 is only text here"]}) == []


def test_json_media_types() -> None:
    assert is_json_media_type("application/json", strict=True)
    assert is_json_media_type("application/problem+json; charset=utf-8", strict=True)
    assert not is_json_media_type("text/json", strict=True)
    assert not is_json_media_type("multipart/form-data; boundary=x", strict=True)
    assert not is_json_media_type(None, strict=True)
    assert is_json_media_type(None, strict=False)
