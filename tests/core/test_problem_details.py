"""Every error is application/problem+json (RFC 9457), also the ones FastAPI produces."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.exc import DBAPIError

from app.core.errors import field_path
from tests.fixtures.assertions import assert_problem
from tests.fixtures.factories import ADMIN, Market, offer_body


async def test_unknown_route_is_a_problem(client: httpx.AsyncClient) -> None:
    body = assert_problem(await client.get("/v1/nothing-here"), 404)
    assert "/v1/nothing-here" in body["detail"]


async def test_wrong_method_is_405_with_allow(client: httpx.AsyncClient) -> None:
    response = await client.put("/v1/offers", headers=ADMIN)
    problem = assert_problem(response, 405)
    assert "PUT" in problem["detail"]
    assert response.headers["allow"] == "GET, POST"


async def test_405_allows_every_method_of_the_resource(client: httpx.AsyncClient) -> None:
    # FastAPI makes one route per method; Allow lists them all, not the first one found.
    response = await client.put("/v1/offers/off_anything", headers=ADMIN)
    assert_problem(response, 405)
    assert response.headers["allow"] == "DELETE, GET, PATCH"


async def test_missing_key_is_401_with_challenge(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/offers")
    body = assert_problem(response, 401)
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert "Authorization" in body["detail"]


async def test_malformed_and_unknown_keys_are_401(client: httpx.AsyncClient) -> None:
    for header in ("Basic abc", "Bearer", "Bearer cmp_doesnotexist", "Bearer whatever"):
        assert_problem(await client.get("/v1/offers", headers={"Authorization": header}), 401)


async def test_validation_errors_name_every_field(
    client: httpx.AsyncClient, market: Market
) -> None:
    body = offer_body(
        market.a1.id,
        capacity={"per_week": 0},
        location={"lat": 91, "lon": 9},
        verified=True,
    )
    problem = assert_problem(
        await client.post("/v1/offers", json=body, headers=market.a.headers), 422
    )
    fields = {error["field"]: error["message"] for error in problem["errors"]}
    assert set(fields) == {"capacity.per_week", "location.lat", "verified"}
    assert fields["verified"] == "unknown field"
    assert "capacity.per_week" in problem["detail"]


async def test_invalid_json_body_is_400(client: httpx.AsyncClient, market: Market) -> None:
    response = await client.post(
        "/v1/offers",
        content=b'{"title": ',
        headers={**market.a.headers, "Content-Type": "application/json"},
    )
    problem = assert_problem(response, 400)
    assert problem["type"] == "urn:capmatch:problem:bad-request"
    assert problem["errors"] == [
        {"field": "body", "message": "not valid JSON: Expecting value (line 1, column 11)"}
    ]


async def test_query_parameter_errors_name_the_parameter(
    client: httpx.AsyncClient, market: Market
) -> None:
    problem = assert_problem(await client.get("/v1/offers?limit=0", headers=market.a.headers), 422)
    assert problem["errors"][0]["field"] == "limit"


def test_field_path_renders_nested_locations() -> None:
    assert field_path(("body", "certifications", 0, "code")) == "certifications[0].code"
    assert field_path(("query", "limit")) == "limit"
    assert field_path(("body",)) == "body"


async def test_body_over_one_mebibyte_is_413(client: httpx.AsyncClient, market: Market) -> None:
    big = {"title": "x", "description": "y" * (1024 * 1024 + 10)}
    response = await client.post("/v1/offers", json=big, headers=market.a.headers)
    assert_problem(response, 413)


async def test_streamed_body_over_limit_is_413(client: httpx.AsyncClient, market: Market) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(20):
            yield b"x" * 65536

    response = await client.post(
        "/v1/offers",
        content=chunks(),
        headers={**market.a.headers, "Content-Type": "application/json"},
    )
    assert_problem(response, 413)


async def test_body_just_under_limit_is_parsed(client: httpx.AsyncClient, market: Market) -> None:
    body = offer_body(market.a1.id, description="d" * 4000)
    padding = 1024 * 1024 - len(httpx.Request("POST", "/", json=body).content) - 100
    body["title"] = "t"
    response = await client.post(
        "/v1/offers",
        content=httpx.Request("POST", "/", json=body).content + b" " * padding,
        headers={**market.a.headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 201, response.text


class _DriverError(Exception):
    """What asyncpg raises, as far as the handler looks: an error with a SQLSTATE."""

    def __init__(self, sqlstate: str) -> None:
        super().__init__(f"SQLSTATE {sqlstate}")
        self.sqlstate = sqlstate


@pytest.mark.parametrize("sqlstate", ["40P01", "40001"])
async def test_a_transaction_that_lost_a_race_is_409_with_retry_after(
    app: FastAPI, sqlstate: str
) -> None:
    async def lose() -> None:
        raise DBAPIError("UPDATE offers ...", {}, _DriverError(sqlstate))

    app.add_api_route("/lose-a-race", lose, include_in_schema=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://capmatch.test") as client:
        response = await client.get("/lose-a-race")
    problem = assert_problem(response, 409)
    assert problem["type"].endswith(":concurrent-update")
    assert response.headers["retry-after"] == "1"
