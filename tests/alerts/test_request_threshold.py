"""Requests carry ``alert_min_score`` (default 0.5, 0..1) on create, PATCH and GET."""

from __future__ import annotations

import httpx

from tests.fixtures.assertions import assert_invalid
from tests.fixtures.factories import Market, make_request, request_body


async def test_alert_min_score_round_trip(client: httpx.AsyncClient, market: Market) -> None:
    default = await make_request(client, market.a1)
    assert default["alert_min_score"] == 0.5
    chosen = await make_request(client, market.a1, alert_min_score=0.8)
    assert chosen["alert_min_score"] == 0.8
    read = await client.get(f"/v1/requests/{chosen['id']}", headers=market.a.headers)
    assert read.json()["alert_min_score"] == 0.8
    assert read.headers["etag"]
    patched = await client.patch(
        f"/v1/requests/{chosen['id']}",
        json={"alert_min_score": 0.25},
        headers={**market.a.headers, "If-Match": read.headers["etag"]},
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["alert_min_score"] == 0.25
    again = await client.get(f"/v1/requests/{chosen['id']}", headers=market.a.headers)
    assert again.json()["alert_min_score"] == 0.25


async def test_alert_min_score_is_a_score(client: httpx.AsyncClient, market: Market) -> None:
    response = await client.post(
        "/v1/requests",
        json=request_body(market.a1.id, alert_min_score=1.5),
        headers=market.a.headers,
    )
    assert_invalid(response, "alert_min_score")
    created = await make_request(client, market.a1)
    for value in (-0.1, None):
        response = await client.patch(
            f"/v1/requests/{created['id']}",
            json={"alert_min_score": value},
            headers=market.a.headers,
        )
        assert_invalid(response, "alert_min_score")
