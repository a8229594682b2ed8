"""Offer imports through the API: German headers, encodings, labels, upserts, errors."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import httpx

from app.core.dates import today
from tests.fixtures.factories import Market, make_offer
from tests.imports.conftest import OFFER_COLUMNS, csv_bytes, xlsx_bytes

Imported = Callable[..., Awaitable[dict[str, Any]]]


def german(days: int) -> str:
    return (today() + timedelta(days=days)).strftime("%d.%m.%Y")


GERMAN_HEADER = [
    "Referenz",
    "Organisation-ID",
    "Titel",
    "Fähigkeiten",
    "Produkte",
    "Einheit",
    "Kapazität pro Woche",
    "Verfügbar ab",
    "Verfügbar bis",
    "Lieferradius (km)",
    "Status",
]


def german_row(org_id: str, ref: str, **overrides: Any) -> list[Any]:
    row = {
        "ref": ref,
        "org": org_id,
        "title": f"Nählinie {ref}",
        "skills": "Nähen; textile.cutting",
        "products": "mask.surgical",
        "unit": "pieces",
        "per_week": "5.000",
        "from": german(10),
        "until": german(130),
        "radius": "250,5",
        "status": "aktiv",
    }
    row.update(overrides)
    return list(row.values())


async def offers_of(client: httpx.AsyncClient, headers: dict[str, str]) -> list[dict[str, Any]]:
    response = await client.get("/v1/offers", params={"limit": 100}, headers=headers)
    assert response.status_code == 200
    data: list[dict[str, Any]] = response.json()["data"]
    return data


async def test_german_headers_semicolons_cp1252_labels(
    imported: Imported, client: httpx.AsyncClient, market: Market
) -> None:
    content = csv_bytes(
        [GERMAN_HEADER, german_row(market.a1.id, "R-1"), german_row(market.a1.id, "R-2")],
        delimiter=";",
        encoding="cp1252",
    )
    report = await imported(content, headers=market.a.headers, multipart=False)
    assert report["status"] == "succeeded", report["errors"]
    assert (report["created"], report["errors"], report["rows_total"]) == (2, [], 2)
    offers = {offer["external_ref"]: offer for offer in await offers_of(client, market.a.headers)}
    offer = offers["R-1"]
    assert offer["title"] == "Nählinie R-1"
    assert "textile.sewing" in offer["skills"]
    assert "textile.cutting" in offer["skills"]
    assert offer["capacity"]["per_week"] == 5000
    assert offer["service_radius_km"] == 250.5
    assert offer["available_until"] == (today() + timedelta(days=130)).isoformat()


async def test_second_import_is_all_unchanged_and_writes_nothing(
    imported: Imported, client: httpx.AsyncClient, market: Market
) -> None:
    content = csv_bytes(
        [GERMAN_HEADER, german_row(market.a1.id, "R-1"), german_row(market.a1.id, "R-2")],
        delimiter=";",
    )
    first = await imported(content, headers=market.a.headers)
    assert first["created"] == 2, first
    before = {o["id"]: o["updated_at"] for o in await offers_of(client, market.a.headers)}
    events = (await client.get("/v1/events", headers=market.a.headers)).json()["data"]
    second = await imported(content, headers=market.a.headers)
    assert (second["unchanged"], second["created"], second["updated"]) == (2, 0, 0), second
    after = {o["id"]: o["updated_at"] for o in await offers_of(client, market.a.headers)}
    assert before == after
    events_after = (await client.get("/v1/events", headers=market.a.headers)).json()["data"]
    offer_events = [e for e in events_after if e["type"].startswith("offer.")]
    assert len(offer_events) == len([e for e in events if e["type"].startswith("offer.")])


async def test_upsert_by_external_ref_and_by_id(
    imported: Imported, client: httpx.AsyncClient, market: Market
) -> None:
    existing = await make_offer(client, market.a1, external_ref="CRM-1")
    other = await make_offer(client, market.a1)
    content = csv_bytes(
        [
            ["id", "external_ref", "title", "capacity.per_week"],
            ["", "CRM-1", "Renamed by ref", "7000"],
            [other["id"], "", "Renamed by id", ""],
        ]
    )
    report = await imported(content, headers=market.a.headers)
    assert (report["updated"], report["created"], report["errors"]) == (2, 0, []), report
    by_ref = (await client.get(f"/v1/offers/{existing['id']}", headers=market.a.headers)).json()
    assert by_ref["title"] == "Renamed by ref"
    assert by_ref["capacity"]["per_week"] == 7000
    assert by_ref["capacity"]["unit"] == existing["capacity"]["unit"]
    by_id = (await client.get(f"/v1/offers/{other['id']}", headers=market.a.headers)).json()
    assert by_id["title"] == "Renamed by id"
    assert by_id["capacity"] == other["capacity"]


async def test_bad_rows_name_row_column_and_fix_and_abort_writes_nothing(
    imported: Imported, client: httpx.AsyncClient, market: Market
) -> None:
    content = csv_bytes(
        [
            GERMAN_HEADER,
            german_row(market.a1.id, "OK-1"),
            german_row(market.a1.id, "BAD-1", skills="textile.sewingg"),
            german_row(market.a1.id, "BAD-2", until="31/12/2030"),
            german_row(market.a1.id, "BAD-3", per_week="viele"),
        ],
        delimiter=";",
    )
    report = await imported(content, headers=market.a.headers)
    assert report["status"] == "failed"
    assert report["created"] == 0
    errors = {(e["row"], e["column"]): e["message"] for e in report["errors"]}
    assert set(errors) == {(3, "Fähigkeiten"), (4, "Verfügbar bis"), (5, "Kapazität pro Woche")}
    assert "closest codes: textile.sewing" in errors[(3, "Fähigkeiten")]
    assert "DD.MM.YYYY" in errors[(4, "Verfügbar bis")]
    assert await offers_of(client, market.a.headers) == []


async def test_skip_imports_the_good_rows(
    imported: Imported, client: httpx.AsyncClient, market: Market
) -> None:
    content = csv_bytes(
        [
            GERMAN_HEADER,
            german_row(market.a1.id, "OK-1"),
            german_row(market.a1.id, "BAD-1", until=german(-5)),
            german_row(market.a1.id, "OK-2"),
        ],
        delimiter=";",
    )
    report = await imported(content, headers=market.a.headers, on_error="skip")
    assert report["status"] == "succeeded"
    assert (report["created"], report["skipped"]) == (2, 1), report
    assert [(e["row"], e["column"]) for e in report["errors"]] == [(3, "Verfügbar bis")]
    refs = sorted(o["external_ref"] for o in await offers_of(client, market.a.headers))
    assert refs == ["OK-1", "OK-2"]


async def test_dry_run_reports_what_a_run_would_and_writes_nothing(
    imported: Imported, client: httpx.AsyncClient, market: Market
) -> None:
    content = csv_bytes([GERMAN_HEADER, german_row(market.a1.id, "R-1")], delimiter=";")
    report = await imported(content, headers=market.a.headers, dry_run=True)
    assert (report["status"], report["dry_run"], report["created"]) == ("succeeded", True, 1)
    assert await offers_of(client, market.a.headers) == []


async def test_another_partners_id_is_an_error_and_stays_untouched(
    imported: Imported, client: httpx.AsyncClient, market: Market
) -> None:
    theirs = await make_offer(client, market.b1)
    content = csv_bytes([["id", "title"], [theirs["id"], "Hijacked"]])
    report = await imported(content, headers=market.a.headers)
    assert report["status"] == "failed"
    assert [(e["row"], e["column"]) for e in report["errors"]] == [(2, "id")]
    assert "may change" in report["errors"][0]["message"]
    again = (await client.get(f"/v1/offers/{theirs['id']}", headers=market.b.headers)).json()
    assert again["title"] == theirs["title"]
    # ... and an organisation of another partner cannot own a new row either.
    rows = [GERMAN_HEADER, german_row(market.b1.id, "X-1")]
    report = await imported(csv_bytes(rows, delimiter=";"), headers=market.a.headers)
    assert report["status"] == "failed"
    assert report["errors"][0]["row"] == 2


async def test_xlsx_with_formula_reads_the_cached_value(
    imported: Imported, client: httpx.AsyncClient, market: Market
) -> None:
    header = OFFER_COLUMNS
    until = today() + timedelta(days=100)
    content = xlsx_bytes(
        [
            header,
            ["X-1", market.a1.id, "Linie", "textile.sewing", None, until.strftime("%d.%m.%Y")],
        ],
        formulas={"E2": ("=1000*4", 4000)},
    )
    report = await imported(content, headers=market.a.headers, as_xlsx=True)
    assert report["status"] == "succeeded", report["errors"]
    (offer,) = await offers_of(client, market.a.headers)
    assert offer["capacity"]["per_week"] == 4000


async def test_import_completed_event(
    imported: Imported, client: httpx.AsyncClient, market: Market
) -> None:
    content = csv_bytes([GERMAN_HEADER, german_row(market.a1.id, "R-1")], delimiter=";")
    report = await imported(content, headers=market.a.headers)
    events = (await client.get("/v1/events", headers=market.a.headers)).json()["data"]
    completed = [e for e in events if e["type"] == "import.completed"]
    assert len(completed) == 1
    assert completed[0]["data"]["object"]["id"] == report["id"]
    assert completed[0]["data"]["object"]["created"] == 1


async def test_other_tenants_get_404(
    imported: Imported, client: httpx.AsyncClient, market: Market
) -> None:
    content = csv_bytes([GERMAN_HEADER, german_row(market.a1.id, "R-1")], delimiter=";")
    report = await imported(content, headers=market.a.headers)
    assert (
        await client.get(f"/v1/imports/{report['id']}", headers=market.b.headers)
    ).status_code == 404
    assert (
        await client.get(f"/v1/imports/{report['id']}", headers=market.a2.headers)
    ).status_code == 404
    listed = (await client.get("/v1/imports", headers=market.a.headers)).json()["data"]
    assert [item["id"] for item in listed] == [report["id"]]
    assert (await client.get("/v1/imports", headers=market.b.headers)).json()["data"] == []


async def test_a_retried_upload_with_the_same_idempotency_key_queues_one_job(
    upload: Any, client: httpx.AsyncClient, market: Market
) -> None:
    content = csv_bytes([GERMAN_HEADER, german_row(market.a1.id, "R-1")], delimiter=";")
    headers = {**market.a.headers, "Idempotency-Key": "import-1"}
    # The raw body: a multipart body of httpx differs per call (a random boundary).
    first = await upload(content, headers=headers, multipart=False)
    again = await upload(content, headers=headers, multipart=False)
    assert first.status_code == again.status_code == 202
    assert first.json()["id"] == again.json()["id"]
    listed = (await client.get("/v1/imports", headers=market.a.headers)).json()["data"]
    assert len(listed) == 1
