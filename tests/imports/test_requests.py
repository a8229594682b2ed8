"""Request imports: owner by organisation reference, German status words."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from tests.fixtures.assertions import day
from tests.fixtures.factories import Market, make_organization
from tests.imports.conftest import csv_bytes, xlsx_bytes

Imported = Callable[..., Awaitable[dict[str, Any]]]
HEADER = [
    "Referenz",
    "Organisation-Referenz",
    "Titel",
    "Produkte",
    "Menge",
    "Einheit",
    "Benötigt bis",
    "Breitengrad",
    "Längengrad",
    "Status",
]


async def test_requests_by_organisation_reference_xlsx(
    imported: Imported, client: httpx.AsyncClient, market: Market
) -> None:
    org = await make_organization(client, market.a, external_ref="MEMBER-7")
    rows: list[list[Any]] = [
        HEADER,
        [
            "Q-1",
            "MEMBER-7",
            "Masken",
            "Medizinische Gesichtsmaske (OP-Maske)",
            20000,
            "pieces",
            day(40),
            48.77,
            9.18,
            "offen",
        ],
    ]
    report = await imported(
        xlsx_bytes(rows), headers=market.a.headers, kind="requests", as_xlsx=True
    )
    assert (report["status"], report["created"]) == ("succeeded", 1), report["errors"]
    found = (await client.get("/v1/requests", headers=market.a.headers)).json()["data"]
    assert [(r["organization_id"], r["quantity"], r["status"]) for r in found] == [
        (org.id, 20000, "open")
    ]
    again = await imported(
        xlsx_bytes(rows), headers=market.a.headers, kind="requests", as_xlsx=True
    )
    assert again["unchanged"] == 1, again


async def test_unknown_organisation_reference_is_a_row_error(
    imported: Imported, market: Market
) -> None:
    rows: list[list[Any]] = [
        HEADER,
        [
            "Q-1",
            "NOPE",
            "Masken",
            "mask.surgical",
            "20.000",
            "pieces",
            day(40),
            "48,77",
            "9,18",
            "",
        ],
    ]
    report = await imported(
        csv_bytes(rows, delimiter=";"), headers=market.a.headers, kind="requests"
    )
    assert report["errors"] == [
        {
            "row": 2,
            "column": "Organisation-Referenz",
            "message": "no organisation of this partner has external_ref 'NOPE'",
        }
    ]


async def test_organisation_key_imports_for_itself(
    imported: Imported, client: httpx.AsyncClient, market: Market
) -> None:
    rows = [
        ["title", "products", "quantity", "needed_by", "location.lat", "location.lon"],
        ["Kittel", "mask.surgical", "500", day(30), "48.7", "9.1"],
    ]
    report = await imported(csv_bytes(rows), headers=market.a1.headers, kind="requests")
    assert report["created"] == 1, report["errors"]
    found = (await client.get("/v1/requests", headers=market.a1.headers)).json()["data"]
    assert [r["organization_id"] for r in found] == [market.a1.id]
