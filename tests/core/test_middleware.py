"""Request ids, JSON access logs and Prometheus metrics."""

from __future__ import annotations

import json
import logging

import httpx
import pytest

from app.core.config import Settings
from app.core.logging import JsonFormatter
from app.main import create_app
from tests.fixtures.assertions import assert_problem
from tests.fixtures.factories import Market


async def test_request_id_is_echoed(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz", headers={"X-Request-ID": "portal-42.abc"})
    assert response.headers["x-request-id"] == "portal-42.abc"


async def test_request_id_is_generated_when_missing_or_unsafe(client: httpx.AsyncClient) -> None:
    generated = (await client.get("/healthz")).headers["x-request-id"]
    assert len(generated) == 32
    unsafe = await client.get("/healthz", headers={"X-Request-ID": "bad id\twith spaces"})
    assert unsafe.headers["x-request-id"] != "bad id\twith spaces"
    assert len(unsafe.headers["x-request-id"]) == 32


async def test_access_log_is_json_with_request_id(
    client: httpx.AsyncClient, market: Market, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="capmatch.access"):
        await client.get("/v1/offers", headers={**market.a.headers, "X-Request-ID": "trace-me"})
    records = [r for r in caplog.records if r.name == "capmatch.access"]
    assert records
    line = json.loads(JsonFormatter().format(records[-1]))
    assert line["request_id"] == "trace-me"
    assert line["route"] == "/v1/offers"
    assert line["status"] == 200
    assert line["duration_ms"] >= 0
    # Who called, by the key's id; never the key itself.
    assert line["key_id"].startswith("key_")
    key = market.a.headers["Authorization"].removeprefix("Bearer ")
    assert key not in caplog.text


async def test_every_answer_says_nosniff_and_keyed_ones_are_never_stored(
    client: httpx.AsyncClient, market: Market
) -> None:
    keyed = await client.get("/v1/offers", headers=market.a.headers)
    refused = await client.get("/v1/offers", headers={"Authorization": "Bearer cmp_wrong"})
    public = await client.get("/healthz")
    for response in (keyed, refused, public):
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "Strict-Transport-Security" not in response.headers  # not in production
    assert keyed.headers["Cache-Control"] == "no-store"
    assert refused.headers["Cache-Control"] == "no-store"
    assert "no-store" not in public.headers.get("Cache-Control", "")


async def test_production_sends_strict_transport_security(settings: Settings) -> None:
    production = settings.model_copy(update={"environment": "production"})
    transport = httpx.ASGITransport(app=create_app(production))
    async with httpx.AsyncClient(transport=transport, base_url="https://capmatch.test") as client:
        response = await client.get("/healthz")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


async def test_metrics_count_by_route_template_and_status(
    client: httpx.AsyncClient, market: Market
) -> None:
    await client.get("/v1/offers/off_unknown", headers=market.a.headers)
    await client.get("/v1/offers/off_other", headers=market.a.headers)
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    expected = (
        'capmatch_http_requests_total{method="GET",route="/v1/offers/{offer_id}",status="404"} 2.0'
    )
    assert expected in text
    assert "capmatch_http_request_duration_seconds_bucket" in text
    # Ids never become label values (cardinality).
    assert "off_unknown" not in text


async def test_docs_work_offline(client: httpx.AsyncClient) -> None:
    page = await client.get("/docs")
    assert page.status_code == 200
    assert "/docs-assets/swagger-ui-bundle.js" in page.text
    assert "cdn" not in page.text.lower()
    script = await client.get("/docs-assets/swagger-ui-bundle.js")
    assert script.status_code == 200
    assert len(script.content) > 100_000
    assert (await client.get("/openapi.json")).json()["info"]["title"] == "capmatch"


@pytest.mark.parametrize(
    ("url", "fields"),
    [
        ("/v1/offers?q=%00", ["q"]),
        ("/v1/offers?q=sewing%00line&skill=textile", ["q"]),
        ("/v1/offers?skill=textile&skill=%00&q=%00", ["skill", "q"]),
        ("/v1/offers?q%00=x", ["q\\u0000"]),
        ("/v1/offers/%00", ["path"]),
        ("/v1/offers/off_%00x/matches?limit=%00", ["path", "limit"]),
        ("/v1/requests?cursor=%00", ["cursor"]),
    ],
)
async def test_nul_in_path_or_query_is_422_naming_it(
    client: httpx.AsyncClient, market: Market, url: str, fields: list[str]
) -> None:
    # PostgreSQL text cannot hold NUL: without this check, a 500 there and a 200 on SQLite.
    problem = assert_problem(await client.get(url, headers=market.a.headers), 422)
    assert [error["field"] for error in problem["errors"]] == fields
    assert all("NUL" in error["message"] for error in problem["errors"])


async def test_percent_escapes_other_than_nul_pass(
    client: httpx.AsyncClient, market: Market
) -> None:
    response = await client.get("/v1/offers?q=%2500%20x", headers=market.a.headers)
    assert response.status_code == 200, response.text
