"""Export -> import is a no-op (API.md "Exports"): every row of an export, imported again
by its owner, reports ``unchanged`` and writes nothing, in CSV and in XLSX."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from tests.fixtures.factories import Market, make_offer, make_request

Imported = Callable[..., Awaitable[dict[str, Any]]]


@pytest.fixture
async def own_market(client: httpx.AsyncClient, market: Market) -> Market:
    """Partner a's objects with every kind of cell: references, codes, dates, decimals,
    text with commas and quotes, empty optional fields."""
    await client.patch(
        f"/v1/organizations/{market.a1.id}",
        json={"external_ref": "ORG-1", "description": 'Weberei "Süd", seit 1920'},
        headers=market.a.headers,
    )
    await make_offer(client, market.a1, external_ref="OFF-1", service_radius_km=12.5)
    await make_offer(client, market.a2, title="Zuschnitt, 1 Schicht", description=None)
    await make_request(client, market.a1, external_ref="REQ-1", max_distance_km=None)
    return market


@pytest.mark.parametrize("kind", ["organizations", "offers", "requests"])
@pytest.mark.parametrize("format", ["csv", "xlsx"])
async def test_an_export_imported_again_changes_nothing(
    client: httpx.AsyncClient, own_market: Market, imported: Imported, kind: str, format: str
) -> None:
    headers = own_market.a.headers
    exported = await client.get(f"/v1/{kind}/export", params={"format": format}, headers=headers)
    assert exported.status_code == 200, exported.text
    before = (await client.get(f"/v1/{kind}", headers=headers)).json()["data"]

    report = await imported(exported.content, headers=headers, kind=kind, as_xlsx=format == "xlsx")

    assert report["status"] == "succeeded", report
    assert report["errors"] == []
    assert report["unchanged"] == len(before) == report["rows_total"]
    assert report["created"] == report["updated"] == 0
    after = (await client.get(f"/v1/{kind}", headers=headers)).json()["data"]
    assert [item["version"] if "version" in item else item["updated_at"] for item in after] == [
        item["version"] if "version" in item else item["updated_at"] for item in before
    ]


async def test_german_headers_read_back_too(
    client: httpx.AsyncClient, own_market: Market, imported: Imported
) -> None:
    headers = own_market.a.headers
    exported = await client.get("/v1/offers/export", params={"headers": "german"}, headers=headers)
    report = await imported(exported.content, headers=headers, kind="offers")
    assert report["status"] == "succeeded", report
    assert report["unchanged"] == report["rows_total"] == 2
