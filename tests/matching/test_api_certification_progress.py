"""Certifications in progress over HTTP (API.md "Certification in progress"): both matching
directions, the search, an engagement's hold, and the index following the certificate
when it turns held.

The ``market`` fixture's requests need EN 14683 by day 70; offers run from day 10 with
5,000 pieces a week and 7 days' lead time, 31 km from the delivery point.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx

from tests.engagements.support import engage
from tests.fixtures.assertions import assert_invalid, day
from tests.fixtures.factories import Market, OrgCtx, make_organization, make_partner
from tests.matching.test_api import (
    offer,
    offer_ids,
    offer_matches,
    request,
    request_ids,
    request_matches,
    search,
    search_body,
)

LABEL = "EN 14683 medical face masks"


async def converting_firm(
    client: httpx.AsyncClient, market: Market, *, expected_in_days: int
) -> OrgCtx:
    """A maker of partner a expecting EN 14683 (it holds ISO 13485)."""
    return await make_organization(
        client,
        market.a,
        certifications=[
            {"code": "en-14683", "status": "in_progress", "expected_by": day(expected_in_days)},
            {"code": "iso-13485", "valid_until": day(400)},
        ],
    )


def expected_reason(days: int) -> str:
    return f"{LABEL} expected by {day(days)} (certification in progress)"


def german_date(iso: str) -> str:
    return date.fromisoformat(iso).strftime("%d.%m.%Y")


async def test_an_offer_counts_for_a_request_when_the_certificate_is_expected_in_time(
    client: httpx.AsyncClient, market: Market
) -> None:
    firm = await converting_firm(client, market, expected_in_days=30)
    made = await offer(client, firm)
    held = await offer(client, market.a1)  # its organisation holds EN 14683
    wanted = await request(client, market.b1, preferred_certifications=[])

    body = await request_matches(client, wanted["id"], market.b.headers)
    assert offer_ids(body) == [held["id"], made["id"]]  # held and valid beats in progress
    first, second = body["data"]
    assert first["breakdown"]["certification"] == 1.0
    assert second["breakdown"]["certification"] == 0.5
    assert second["score"] < first["score"]
    assert expected_reason(30) in second["reasons"]
    # Production counts from the expected date: day 30 to 70, not day 10 to 70.
    assert first["deliverable_quantity"] == 5000 * 61 // 7
    assert second["deliverable_quantity"] == 5000 * 41 // 7

    german = await client.get(
        f"/v1/requests/{wanted['id']}/matches",
        headers={**market.b.headers, "Accept-Language": "de"},
    )
    reason = f"EN 14683 Medizinische Gesichtsmasken erwartet bis {german_date(day(30))}"
    assert f"{reason} (Zertifizierung läuft)" in german.json()["data"][1]["reasons"]


async def test_an_offer_expecting_it_too_late_is_no_match_and_cannot_be_held(
    client: httpx.AsyncClient, market: Market
) -> None:
    firm = await converting_firm(client, market, expected_in_days=64)  # 64 + 7 > 70
    made = await offer(client, firm, min_order_quantity=1)
    wanted = await request(client, market.b1)

    assert offer_ids(await request_matches(client, wanted["id"], market.b.headers)) == []
    response = await engage(client, wanted["id"], made["id"], 100, market.b.headers)
    (error,) = assert_invalid(response, "offer_id")
    assert f"expects en-14683 by {day(64)} (certification in progress)" in error["message"]

    in_time = await request(client, market.b1, needed_by=day(71))  # 64 + 7 = 71: on time
    assert offer_ids(await request_matches(client, in_time["id"], market.b.headers)) == [made["id"]]
    held = await engage(client, in_time["id"], made["id"], 100, market.b.headers)
    assert held.status_code == 201, held.text


async def test_the_offer_direction_and_the_search_agree(
    client: httpx.AsyncClient, market: Market
) -> None:
    firm = await converting_firm(client, market, expected_in_days=30)
    made = await offer(client, firm)
    wanted = await request(client, market.b1)

    (stored,) = (await request_matches(client, wanted["id"], market.b.headers))["data"]
    demand = await offer_matches(client, made["id"], market.a.headers)
    assert request_ids(demand) == [wanted["id"]]
    (from_offer,) = demand["data"]
    found = await search(
        client, market.b.headers, search_body(needed_by=day(70), organization_id=market.b1.id)
    )
    (searched,) = found["data"]
    for item in (from_offer, searched):
        for key in ("score", "breakdown", "deliverable_quantity", "reasons"):
            assert item[key] == stored[key], key
    assert stored["breakdown"]["certification"] < 1.0


async def test_the_index_follows_the_certificate_turning_held(
    client: httpx.AsyncClient, market: Market
) -> None:
    firm = await converting_firm(client, market, expected_in_days=30)
    await offer(client, firm)
    wanted = await request(client, market.b1)
    (before,) = (await request_matches(client, wanted["id"], market.b.headers))["data"]
    # Preferred ISO 13485 held, not verified (0.7), times 0.5 for EN 14683 in progress.
    assert before["breakdown"]["certification"] == 0.35

    issued = await client.patch(
        f"/v1/organizations/{firm.id}",
        json={
            "certifications": [
                {"code": "en-14683", "valid_until": day(400)},
                {"code": "iso-13485", "valid_until": day(400)},
            ]
        },
        headers=market.a.headers,
    )
    assert issued.status_code == 200, issued.text
    (after,) = (await request_matches(client, wanted["id"], market.b.headers))["data"]
    assert after["breakdown"]["certification"] == 0.7  # preferred ISO 13485, unverified
    assert f"holds {LABEL}" in after["reasons"]
    assert after["deliverable_quantity"] > before["deliverable_quantity"]
    assert after["score"] > before["score"]


async def test_another_partner_sees_the_same(client: httpx.AsyncClient, market: Market) -> None:
    """Certifications in progress reach every viewer's ranking the same way."""
    other = await make_partner(client)
    firm = await converting_firm(client, market, expected_in_days=30)
    made: dict[str, Any] = await offer(client, firm)
    found = await search(client, other.headers, search_body(needed_by=day(70)))
    assert offer_ids(found) == [made["id"]]
    assert found["data"][0]["breakdown"]["certification"] < 1.0
