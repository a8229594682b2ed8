"""Exports (API.md "Exports"): every row the caller may see, in the import's columns, as
CSV, XLSX or GeoJSON, with the list filters; contact details only for one's own."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import httpx
import pytest
from python_calamine import CalamineWorkbook

from app.tabular.columns import COLUMNS, Kind
from tests.fixtures.assertions import assert_problem
from tests.fixtures.factories import ADMIN, Market, make_offer, make_request


def read_csv(response: httpx.Response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"].startswith("attachment; filename=")
    return list(csv.DictReader(io.StringIO(response.text)))


def fields(kind: Kind) -> list[str]:
    return [column.field for column in COLUMNS[kind]]


async def test_offers_as_csv_in_the_import_columns(
    client: httpx.AsyncClient, market: Market
) -> None:
    offer = await make_offer(client, market.a1, external_ref="LINE-1")
    response = await client.get("/v1/offers/export", headers=market.a.headers)
    assert response.text.splitlines()[0] == ",".join(fields("offers"))
    (row,) = read_csv(response)
    assert row["id"] == offer["id"]
    assert row["external_ref"] == "LINE-1"
    assert row["organization_id"] == market.a1.id
    assert row["title"] == offer["title"]
    assert row["skills"] == "; ".join(offer["skills"])
    assert row["capacity.per_week"] == str(offer["capacity"]["per_week"])
    assert row["capacity.total"] == ""
    assert row["available_until"] == offer["available_until"]
    assert float(row["location.lat"]) == offer["location"]["lat"]
    assert row["status"] == "active"


async def test_german_headers(client: httpx.AsyncClient, market: Market) -> None:
    await make_request(client, market.a1)
    response = await client.get(
        "/v1/requests/export", params={"headers": "german"}, headers=market.a.headers
    )
    header = response.text.splitlines()[0].split(",")
    assert header == [column.german for column in COLUMNS["requests"]]
    assert "Benötigt bis" in header


async def test_an_export_holds_what_the_list_shows_and_nothing_else(
    client: httpx.AsyncClient, market: Market
) -> None:
    mine = await make_offer(client, market.a1, visibility="network")
    shared = await make_offer(client, market.b1, visibility="shared", skills=["textile.cutting"])
    await make_offer(client, market.b1, visibility="network")
    await make_offer(client, market.b2, status="draft")

    rows = read_csv(await client.get("/v1/offers/export", headers=market.a.headers))
    assert sorted(row["id"] for row in rows) == sorted([mine["id"], shared["id"]])
    listed = (await client.get("/v1/offers", headers=market.a.headers)).json()["data"]
    assert {row["id"] for row in rows} == {offer["id"] for offer in listed}

    filtered = read_csv(
        await client.get(
            "/v1/offers/export", params={"organization_id": market.b1.id}, headers=market.a.headers
        )
    )
    assert [row["id"] for row in filtered] == [shared["id"]]


async def test_another_partners_organisation_reference_stays_private(
    client: httpx.AsyncClient, market: Market
) -> None:
    await client.patch(
        f"/v1/organizations/{market.b1.id}",
        json={"external_ref": "B-ORG"},
        headers=market.b.headers,
    )
    await make_offer(client, market.b1)
    (seen_by_a,) = read_csv(await client.get("/v1/offers/export", headers=market.a.headers))
    assert seen_by_a["organization_external_ref"] == ""
    (seen_by_b,) = read_csv(await client.get("/v1/offers/export", headers=market.b.headers))
    assert seen_by_b["organization_external_ref"] == "B-ORG"
    (seen_by_admin,) = read_csv(await client.get("/v1/offers/export", headers=ADMIN))
    assert seen_by_admin["organization_external_ref"] == "B-ORG"


async def test_organisations_with_contacts_only_for_ones_own(
    client: httpx.AsyncClient, market: Market
) -> None:
    rows = read_csv(await client.get("/v1/organizations/export", headers=market.a.headers))
    assert sorted(row["id"] for row in rows) == sorted([market.a1.id, market.a2.id])
    assert all(row["contact.email"] == "a@example.org" for row in rows)
    assert rows[0]["certifications"] == "en-14683; iso-13485"
    assert rows[0]["address.postal_code"] == "72764"

    own = read_csv(await client.get("/v1/organizations/export", headers=market.b1.headers))
    assert [row["id"] for row in own] == [market.b1.id]

    everyone = read_csv(await client.get("/v1/organizations/export", headers=ADMIN))
    assert len(everyone) == 4
    assert all(row["contact.email"] == "" and row["contact.name"] == "" for row in everyone)


async def test_xlsx_has_typed_cells(client: httpx.AsyncClient, market: Market) -> None:
    offer = await make_offer(client, market.a1)
    response = await client.get(
        "/v1/offers/export", params={"format": "xlsx"}, headers=market.a.headers
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(response.content)).get_sheet_by_name("offers")
    header, row = sheet.to_python()
    values = dict(zip(header, row, strict=True))
    assert header == fields("offers")
    assert values["id"] == offer["id"]
    assert values["capacity.per_week"] == offer["capacity"]["per_week"]
    assert str(values["available_until"])[:10] == offer["available_until"]
    assert values["skills"] == "; ".join(offer["skills"])


async def test_geojson_points_in_lon_lat_order(client: httpx.AsyncClient, market: Market) -> None:
    request = await make_request(client, market.a1)
    response = await client.get(
        "/v1/requests/export", params={"format": "geojson"}, headers=market.a.headers
    )
    assert response.headers["content-type"] == "application/geo+json"
    collection = response.json()
    assert collection["type"] == "FeatureCollection"
    (feature,) = collection["features"]
    assert feature["id"] == request["id"]
    location = request["location"]
    assert feature["geometry"] == {
        "type": "Point",
        "coordinates": [location["lon"], location["lat"]],
    }
    assert feature["properties"]["quantity"] == request["quantity"]
    assert feature["properties"]["skills"] == request["skills"]
    assert "location.lat" not in feature["properties"]


async def test_an_empty_export_is_a_header_or_an_empty_collection(
    client: httpx.AsyncClient, market: Market
) -> None:
    response = await client.get("/v1/requests/export", headers=market.a.headers)
    assert response.text == ",".join(fields("requests")) + "\r\n"
    empty = await client.get(
        "/v1/requests/export", params={"format": "geojson"}, headers=market.a.headers
    )
    assert json.loads(empty.text) == {"type": "FeatureCollection", "features": []}


async def test_rows_come_in_chunks_each_once(
    client: httpx.AsyncClient, market: Market, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.market import export as market_export

    monkeypatch.setattr(market_export, "CHUNK_ROWS", 2)
    made = [(await make_offer(client, market.a1, title=f"o{i}"))["id"] for i in range(5)]
    rows = read_csv(await client.get("/v1/offers/export", headers=market.a.headers))
    assert sorted(row["id"] for row in rows) == sorted(made)


async def test_more_rows_than_a_sheet_holds_is_refused_before_anything_is_sent(
    client: httpx.AsyncClient, market: Market, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.tabular import writing

    monkeypatch.setattr(writing, "XLSX_MAX_ROWS", 1)
    for _ in range(2):
        await make_offer(client, market.a1)
    response = await client.get(
        "/v1/offers/export", params={"format": "xlsx"}, headers=market.a.headers
    )
    problem = assert_problem(response, 422)
    assert [error["field"] for error in problem["errors"]] == ["format"]


@pytest.mark.parametrize(
    "params", [{"format": "pdf"}, {"headers": "french"}, {"status": "unknown"}]
)
async def test_bad_parameters_name_the_field(
    client: httpx.AsyncClient, market: Market, params: dict[str, Any]
) -> None:
    response = await client.get("/v1/offers/export", params=params, headers=market.a.headers)
    problem = assert_problem(response, 422)
    assert problem["errors"][0]["field"].split("[")[0] in params


async def test_an_export_needs_a_key(client: httpx.AsyncClient) -> None:
    assert_problem(await client.get("/v1/organizations/export"), 401)


async def test_text_with_commas_quotes_and_line_breaks_reads_back_exactly(
    client: httpx.AsyncClient, market: Market
) -> None:
    """On PostgreSQL the database writes the CSV lines; they must read back like the ones
    Python's csv module writes on SQLite."""
    title = 'Näherei "Süd", Linie 2'
    description = "Zwei Schichten,\nauch samstags; Kontakt: 'Frau Muster'"
    offer = await make_offer(
        client, market.a1, title=title, description=description, service_radius_km=12.5
    )
    (row,) = read_csv(await client.get("/v1/offers/export", headers=market.a.headers))
    assert row["title"] == title
    assert row["description"] == description
    assert row["service_radius_km"] == "12.5"
    assert row["available_from"] == offer["available_from"]
    assert row["capacity.total"] == ""
    assert row["location.lon"] == repr(offer["location"]["lon"])
