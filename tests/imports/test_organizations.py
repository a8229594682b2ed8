"""Organisation imports: suspected duplicates (warn, skip, merge), German choice words."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from tests.fixtures.factories import Market, make_organization
from tests.imports.conftest import csv_bytes

Imported = Callable[..., Awaitable[dict[str, Any]]]
HEADER = ["Referenz", "Name", "Art", "PLZ", "Ort", "Land", "Breitengrad", "Längengrad"]


async def names(client: httpx.AsyncClient, headers: dict[str, str]) -> list[str]:
    response = await client.get("/v1/organizations", params={"limit": 100}, headers=headers)
    return sorted(org["name"] for org in response.json()["data"])


async def test_new_organisations_with_german_words(
    imported: Imported, client: httpx.AsyncClient, market: Market
) -> None:
    content = csv_bytes(
        [
            HEADER,
            [
                "O-1",
                "Strickerei Nord GmbH",
                "Hersteller",
                "20095",
                "Hamburg",
                "DE",
                "53,5511",
                "9,9937",
            ],
        ],
        delimiter=";",
    )
    report = await imported(content, headers=market.a.headers, kind="organizations")
    assert (report["status"], report["created"]) == ("succeeded", 1), report["errors"]
    assert "Strickerei Nord GmbH" in await names(client, market.a.headers)


async def test_duplicates_warn_skip_and_merge(
    imported: Imported, client: httpx.AsyncClient, market: Market
) -> None:
    known = await make_organization(client, market.a, name="Müller Weberei GmbH")
    rows = [
        HEADER,
        [
            "D-1",
            "Mueller-Weberei GmbH & Co. KG",
            "beides",
            "72764",
            "Reutlingen",
            "DE",
            "48.4931",
            "9.2125",
        ],
        ["D-2", "Ganz Andere AG", "Abnehmer", "72764", "Reutlingen", "DE", "48.4931", "9.2125"],
        # a twin of row 3, 300 m away, other postal code
        ["D-3", "Ganz andere", "Abnehmer", "72770", "Reutlingen", "DE", "48.4931", "9.2165"],
    ]
    content = csv_bytes(rows, delimiter=";")
    report = await imported(content, headers=market.a.headers, kind="organizations", dry_run=True)
    warnings = {w["row"]: w for w in report["warnings"]}
    assert set(warnings) == {2, 4}, report["warnings"]
    assert warnings[2]["duplicate_of"] == known.id
    assert warnings[2]["column"] == "Name"
    assert warnings[2]["similarity"] >= 0.9
    assert warnings[4]["duplicate_of_row"] == 3
    assert report["created"] == 3, report["errors"]  # warn imports them all

    skipped = await imported(
        content, headers=market.a.headers, kind="organizations", on_duplicate="skip"
    )
    assert (skipped["created"], skipped["skipped"]) == (1, 2), skipped
    assert "Mueller-Weberei GmbH & Co. KG" not in await names(client, market.a.headers)


async def test_merge_updates_the_candidate(
    imported: Imported, client: httpx.AsyncClient, market: Market
) -> None:
    known = await make_organization(client, market.a, name="Müller Weberei GmbH")
    content = csv_bytes(
        [HEADER, ["M-1", "Mueller Weberei GmbH", "Abnehmer", "72764", "Reutlingen", "DE", "", ""]],
        delimiter=";",
    )
    report = await imported(
        content, headers=market.a.headers, kind="organizations", on_duplicate="merge"
    )
    assert (report["updated"], report["created"]) == (1, 0), report
    merged = (await client.get(f"/v1/organizations/{known.id}", headers=market.a.headers)).json()
    assert (merged["external_ref"], merged["kind"]) == ("M-1", "buyer")
    # Other partners' organisations are never candidates.
    other = await imported(content, headers=market.b.headers, kind="organizations")
    assert other["warnings"] == []


async def test_organisation_keys_cannot_import_organisations(upload: Any, market: Market) -> None:
    response = await upload(csv_bytes([HEADER]), headers=market.a1.headers, kind="organizations")
    assert response.status_code == 403


async def test_a_certification_in_progress_survives_an_import_of_its_codes(
    imported: Imported, client: httpx.AsyncClient, market: Market
) -> None:
    """The file lists codes only: a certification the organisation has in progress keeps
    its status and date, and importing the same row again changes nothing."""
    in_progress = {"code": "en-14683", "status": "in_progress", "expected_by": "2027-01-15"}
    org = await make_organization(client, market.a, certifications=[in_progress])
    content = csv_bytes([["id", "certifications"], [org.id, "en-14683; iso-13485"]])

    first = await imported(content, headers=market.a.headers, kind="organizations")
    assert (first["status"], first["updated"]) == ("succeeded", 1), first["errors"]
    again = await imported(content, headers=market.a.headers, kind="organizations")
    assert (again["status"], again["unchanged"]) == ("succeeded", 1), again["errors"]
    read = await client.get(f"/v1/organizations/{org.id}", headers=market.a.headers)
    by_code = {c["code"]: c for c in read.json()["certifications"]}
    assert by_code["en-14683"]["status"] == "in_progress"
    assert by_code["en-14683"]["expected_by"] == "2027-01-15"
    assert by_code["iso-13485"]["status"] == "held"
