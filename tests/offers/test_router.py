"""HTTP behaviour of /v1/offers: create, validate, read, change, close and list."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.dates import today
from app.models import Offer, OrganizationCertification
from tests.fixtures.assertions import assert_invalid, assert_problem, day, ids
from tests.fixtures.factories import (
    ADMIN,
    Market,
    make_offer,
    make_organization,
    offer_body,
)

STUTTGART = {"lat": 48.7758, "lon": 9.1829}
REUTLINGEN = {"lat": 48.4931, "lon": 9.2125}  # the market organisations' location
HAMBURG = {"lat": 53.5511, "lon": 9.9937}


async def set_columns(
    session_factory: async_sessionmaker[AsyncSession], offer_id: str, **values: Any
) -> None:
    async with session_factory() as session:
        await session.execute(update(Offer).where(Offer.id == offer_id).values(**values))
        await session.commit()


async def expire(session_factory: async_sessionmaker[AsyncSession], offer_id: str) -> None:
    """Move an offer's window into the past (the API rejects that on input)."""
    await set_columns(
        session_factory,
        offer_id,
        available_from=today() - timedelta(days=30),
        available_until=today() - timedelta(days=1),
    )


# --- create -------------------------------------------------------------------------------


async def test_create_with_partner_key_returns_the_offer(
    client: httpx.AsyncClient, market: Market
) -> None:
    body = offer_body(
        market.a1.id, available_from=day(10), available_until=day(130), description="2 shifts"
    )
    response = await client.post("/v1/offers", json=body, headers=market.a.headers)

    assert response.status_code == 201, response.text
    assert response.headers["etag"] == '"1"'
    offer = response.json()
    assert offer["id"].startswith("off_")
    assert offer["partner_id"] == market.a.id
    assert offer["organization_id"] == market.a1.id
    assert offer["title"] == "Free sewing line, 2 shifts"
    assert offer["description"] == "2 shifts"
    assert offer["skills"] == ["textile.sewing", "textile.cutting"]
    assert offer["products"] == ["mask.surgical"]
    assert offer["certifications"] == ["en-14683"]
    assert offer["capacity"] == {"unit": "pieces", "per_week": 5000, "total": None}
    assert offer["min_order_quantity"] == 500
    assert offer["lead_time_days"] == 7
    assert offer["available_from"] == day(10)
    assert offer["available_until"] == day(130)
    assert offer["service_radius_km"] == 300
    assert offer["visibility"] == "shared"
    assert offer["status"] == "active"
    # 121 days, both ends inclusive: 5000 * 121 // 7
    assert offer["total_quantity"] == 86428
    assert offer["reserved_quantity"] == 0
    assert offer["remaining_quantity"] == 86428
    assert offer["closed_at"] is None
    assert offer["created_at"].endswith("Z") or offer["created_at"].endswith("+00:00")
    assert offer["created_at"] == offer["updated_at"]
    # location defaults to the organisation's
    assert offer["location"] == REUTLINGEN


async def test_create_with_org_key_implies_the_organisation(
    client: httpx.AsyncClient, market: Market
) -> None:
    response = await client.post(
        "/v1/offers", json=offer_body(None, location=HAMBURG), headers=market.b2.headers
    )

    assert response.status_code == 201, response.text
    offer = response.json()
    assert offer["organization_id"] == market.b2.id
    assert offer["partner_id"] == market.b.id
    assert offer["location"] == HAMBURG


async def test_org_key_may_name_itself_but_not_a_sibling(
    client: httpx.AsyncClient, market: Market
) -> None:
    itself = await client.post(
        "/v1/offers", json=offer_body(market.a1.id), headers=market.a1.headers
    )
    sibling = await client.post(
        "/v1/offers", json=offer_body(market.a2.id), headers=market.a1.headers
    )

    assert itself.status_code == 201, itself.text
    assert_problem(sibling, 404)
    assert (await client.get("/v1/offers", headers=market.a.headers)).json()["data"] == [
        itself.json()
    ]


async def test_partner_key_cannot_post_for_another_partners_organisation(
    client: httpx.AsyncClient, market: Market
) -> None:
    response = await client.post(
        "/v1/offers", json=offer_body(market.b1.id), headers=market.a.headers
    )
    assert_problem(response, 404)


async def test_partner_key_requires_organization_id(
    client: httpx.AsyncClient, market: Market
) -> None:
    response = await client.post("/v1/offers", json=offer_body(None), headers=market.a.headers)
    assert_invalid(response, "organization_id")


async def test_admin_key_does_not_post_offers(client: httpx.AsyncClient, market: Market) -> None:
    response = await client.post("/v1/offers", json=offer_body(market.a1.id), headers=ADMIN)
    assert_problem(response, 403)


async def test_create_without_key_is_401(client: httpx.AsyncClient, market: Market) -> None:
    response = await client.post("/v1/offers", json=offer_body(market.a1.id))
    assert_problem(response, 401)


async def test_kind_describes_an_organisation_but_does_not_restrict_offers(
    client: httpx.AsyncClient, market: Market
) -> None:
    # API.md does not tie posting to `kind`; firms switched roles in 2020.
    buyer = await make_organization(client, market.a, kind="buyer")
    response = await client.post("/v1/offers", json=offer_body(buyer.id), headers=market.a.headers)
    assert response.status_code == 201, response.text


async def test_manufacturer_organisation_can_offer(
    client: httpx.AsyncClient, market: Market
) -> None:
    maker = await make_organization(client, market.a, kind="manufacturer")
    offer = await make_offer(client, maker)
    assert offer["organization_id"] == maker.id


async def test_explicit_total_is_the_total(client: httpx.AsyncClient, market: Market) -> None:
    offer = await make_offer(
        client, market.a1, capacity={"unit": "kg", "per_week": 100, "total": 1234}
    )
    assert offer["capacity"] == {"unit": "kg", "per_week": 100, "total": 1234}
    assert offer["total_quantity"] == 1234
    assert offer["remaining_quantity"] == 1234


async def test_total_over_whole_weeks(client: httpx.AsyncClient, market: Market) -> None:
    # 14 days inclusive: exactly two weeks
    offer = await make_offer(
        client,
        market.a1,
        available_from=day(1),
        available_until=day(14),
        capacity={"per_week": 700},
    )
    assert offer["capacity"]["unit"] == "pieces"
    assert offer["total_quantity"] == 1400


async def test_single_day_window(client: httpx.AsyncClient, market: Market) -> None:
    offer = await make_offer(
        client, market.a1, available_from=day(0), available_until=day(0), capacity={"per_week": 70}
    )
    assert offer["total_quantity"] == 10
    assert offer["status"] == "active"


async def test_defaults(client: httpx.AsyncClient, market: Market) -> None:
    body = {
        "organization_id": market.a1.id,
        "title": "Minimal",
        "skills": ["textile.sewing"],
        "capacity": {"per_week": 7},
        "available_until": day(6),
    }
    response = await client.post("/v1/offers", json=body, headers=market.a.headers)

    assert response.status_code == 201, response.text
    offer = response.json()
    assert offer["available_from"] == day(0)
    assert offer["total_quantity"] == 7
    assert offer["products"] == []
    assert offer["certifications"] == []
    assert offer["min_order_quantity"] == 1
    assert offer["lead_time_days"] == 0
    assert offer["service_radius_km"] is None
    assert offer["description"] is None
    assert offer["visibility"] == "shared"
    assert offer["status"] == "active"


async def test_codes_are_normalised_and_deduplicated(
    client: httpx.AsyncClient, market: Market
) -> None:
    offer = await make_offer(
        client,
        market.a1,
        skills=[" Textile.Sewing ", "textile.sewing", "textile.cutting"],
        certifications=["EN-14683"],
    )
    assert offer["skills"] == ["textile.sewing", "textile.cutting"]
    assert offer["certifications"] == ["en-14683"]


async def test_created_offer_is_stored(
    client: httpx.AsyncClient,
    market: Market,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    offer = await make_offer(client, market.a1)
    async with session_factory() as session:
        row = (await session.execute(select(Offer).where(Offer.id == offer["id"]))).scalar_one()
    assert row.organization_id == market.a1.id
    assert row.reserved_quantity == 0
    assert row.version == 1
    assert "s:textile" in row.search_codes
    assert "s:textile.sewing" in row.search_codes
    assert "p:mask" in row.search_codes
    assert "c:en-14683" in row.search_codes


# --- validation -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"available_from": "+20", "available_until": "+19"}, "available_until"),
        ({"available_from": "-10", "available_until": "-1"}, "available_until"),
        ({"available_until": "-1"}, "available_until"),
        ({"capacity": {"per_week": 0}}, "capacity.per_week"),
        ({"capacity": {"per_week": -5}}, "capacity.per_week"),
        ({"capacity": {"per_week": 1.5}}, "capacity.per_week"),
        ({"capacity": {"per_week": 10, "total": 0}}, "capacity.total"),
        ({"capacity": {"per_week": 10, "unit": "Stück"}}, "capacity.unit"),
        ({"capacity": {"per_week": 10, "extra": 1}}, "capacity.extra"),
        ({"min_order_quantity": 0}, "min_order_quantity"),
        ({"lead_time_days": -1}, "lead_time_days"),
        ({"location": {"lat": 91, "lon": 9.0}}, "location.lat"),
        ({"location": {"lat": 48.0, "lon": -181}}, "location.lon"),
        ({"location": {"lat": 48.0}}, "location.lon"),
        ({"service_radius_km": 0}, "service_radius_km"),
        ({"visibility": "public"}, "visibility"),
        ({"status": "closed"}, "status"),
        ({"status": "expired"}, "status"),
        ({"status": "bogus"}, "status"),
        ({"reserved_quantity": 0}, "reserved_quantity"),
        ({"partner_id": "prt_x"}, "partner_id"),
        ({"verified": True}, "verified"),
        ({"skills": ["Textile Sewing!"]}, "skills[0]"),
        ({"skills": ["textile.sewing", "textile..cutting"]}, "skills[1]"),
        ({"products": [".mask"]}, "products[0]"),
        ({"skills": [], "products": []}, "skills"),
        ({"skills": "textile.sewing"}, "skills"),
        ({"certifications": ["din-13485"]}, "certifications[0]"),
        ({"certifications": ["iso-13485", "din-13485"]}, "certifications[1]"),
        ({"title": ""}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"available_until": "31.03.2027"}, "available_until"),
    ],
)
async def test_invalid_offer_names_the_field(
    client: httpx.AsyncClient, market: Market, overrides: dict[str, Any], field: str
) -> None:
    for name in ("available_from", "available_until"):
        value = overrides.get(name)
        if isinstance(value, str) and value[0] in "+-":
            overrides = {**overrides, name: day(int(value))}
    response = await client.post(
        "/v1/offers", json=offer_body(market.a1.id, **overrides), headers=market.a.headers
    )
    assert_invalid(response, field)
    assert (await client.get("/v1/offers", headers=market.a.headers)).json()["data"] == []


@pytest.mark.parametrize("missing", ["title", "capacity", "available_until"])
async def test_missing_required_field(
    client: httpx.AsyncClient, market: Market, missing: str
) -> None:
    body = offer_body(market.a1.id)
    del body[missing]
    response = await client.post("/v1/offers", json=body, headers=market.a.headers)
    errors = assert_invalid(response, missing)
    assert errors[0]["message"] == "field required"


async def test_several_errors_are_reported_together(
    client: httpx.AsyncClient, market: Market
) -> None:
    body = offer_body(
        market.a1.id, capacity={"per_week": 0}, lead_time_days=-1, verified=True, title=""
    )
    response = await client.post("/v1/offers", json=body, headers=market.a.headers)
    assert_invalid(response, "capacity.per_week", "lead_time_days", "verified", "title")


async def test_unknown_field_message(client: httpx.AsyncClient, market: Market) -> None:
    body = offer_body(market.a1.id, reserved_quantity=100)
    response = await client.post("/v1/offers", json=body, headers=market.a.headers)
    assert assert_invalid(response, "reserved_quantity")[0]["message"] == "unknown field"


async def test_certificate_expiring_later_does_not_block_other_changes(
    client: httpx.AsyncClient, market: Market, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    offer = await make_offer(client, market.a1, certifications=["en-14683"])
    async with session_factory() as session:
        await session.execute(
            update(OrganizationCertification)
            .where(OrganizationCertification.organization_id == market.a1.id)
            .values(valid_until=today() - timedelta(days=1))
        )
        await session.commit()
    url = f"/v1/offers/{offer['id']}"
    paused = await client.patch(url, json={"status": "paused"}, headers=market.a.headers)
    assert paused.status_code == 200, paused.text
    # Claiming the expired certificate anew is still refused.
    again = await client.patch(url, json={"certifications": ["en-14683"]}, headers=market.a.headers)
    assert_invalid(again, "certifications[0]")


async def test_certification_with_expired_certificate(
    client: httpx.AsyncClient, market: Market
) -> None:
    org = await make_organization(
        client,
        market.a,
        certifications=[
            {"code": "en-14683", "valid_until": day(-1)},
            {"code": "iso-13485", "valid_until": day(0)},
        ],
    )
    expired = await client.post(
        "/v1/offers",
        json=offer_body(org.id, certifications=["iso-13485", "en-14683"]),
        headers=market.a.headers,
    )
    errors = assert_invalid(expired, "certifications[1]")
    assert "expired" in errors[0]["message"]
    # valid through today is still valid
    ok = await client.post(
        "/v1/offers", json=offer_body(org.id, certifications=["iso-13485"]), headers=org.headers
    )
    assert ok.status_code == 201, ok.text


async def test_certificate_without_expiry_is_held(
    client: httpx.AsyncClient, market: Market
) -> None:
    org = await make_organization(client, market.a, certifications=[{"code": "en-14683"}])
    offer = await make_offer(client, org, certifications=["en-14683"])
    assert offer["certifications"] == ["en-14683"]


async def test_certification_held_by_a_sibling_is_not_enough(
    client: httpx.AsyncClient, market: Market
) -> None:
    bare = await make_organization(client, market.a, certifications=[])
    response = await client.post("/v1/offers", json=offer_body(bare.id), headers=market.a.headers)
    errors = assert_invalid(response, "certifications[0]")
    assert "en-14683" in errors[0]["message"]


async def test_body_not_json(client: httpx.AsyncClient, market: Market) -> None:
    response = await client.post(
        "/v1/offers",
        content=b'{"title": "broken',
        headers={**market.a.headers, "Content-Type": "application/json"},
    )
    body = assert_problem(response, 400)
    assert body["type"] == "urn:capmatch:problem:bad-request"
    assert len(body["errors"]) == 1
    assert body["errors"][0]["message"].startswith("not valid JSON: ")


async def test_body_not_json_names_the_body(client: httpx.AsyncClient, market: Market) -> None:
    response = await client.post(
        "/v1/offers",
        content=b'{"title": "broken',
        headers={**market.a.headers, "Content-Type": "application/json"},
    )
    assert [error["field"] for error in assert_problem(response, 400)["errors"]] == ["body"]


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"[]", "application/json"),
        (b'"an offer"', "application/json"),
        (b"null", "application/json"),
        (b"title=x", "application/x-www-form-urlencoded"),
        (b"title: x", "text/plain"),
    ],
)
async def test_wrong_content(
    client: httpx.AsyncClient, market: Market, content: bytes, content_type: str
) -> None:
    response = await client.post(
        "/v1/offers",
        content=content,
        headers={**market.a.headers, "Content-Type": content_type},
    )
    body = assert_problem(response, 422)
    assert body["errors"]
    assert all(error["field"] for error in body["errors"])


async def test_empty_object_names_every_required_field(
    client: httpx.AsyncClient, market: Market
) -> None:
    response = await client.post("/v1/offers", json={}, headers=market.a.headers)
    assert_invalid(response, "title", "capacity", "available_until")


# --- read -----------------------------------------------------------------------------------


async def test_get_returns_the_offer_with_etag(client: httpx.AsyncClient, market: Market) -> None:
    offer = await make_offer(client, market.a1)
    response = await client.get(f"/v1/offers/{offer['id']}", headers=market.a1.headers)
    assert response.status_code == 200
    assert response.headers["etag"] == '"1"'
    assert response.json() == offer


async def test_get_unknown_offer_is_404(client: httpx.AsyncClient, market: Market) -> None:
    response = await client.get("/v1/offers/off_doesnotexist", headers=market.a.headers)
    assert_problem(response, 404)


async def test_network_offer_is_hidden_from_other_partners(
    client: httpx.AsyncClient, market: Market
) -> None:
    offer = await make_offer(client, market.a1, visibility="network")
    path = f"/v1/offers/{offer['id']}"

    assert (await client.get(path, headers=market.a2.headers)).status_code == 200
    assert (await client.get(path, headers=ADMIN)).status_code == 200
    assert_problem(await client.get(path, headers=market.b.headers), 404)
    assert_problem(await client.get(path, headers=market.b1.headers), 404)
    assert ids(await client.get("/v1/offers", headers=market.b.headers)) == []


async def test_shared_offer_is_visible_to_other_partners_but_not_theirs_to_change(
    client: httpx.AsyncClient, market: Market
) -> None:
    offer = await make_offer(client, market.a1)
    path = f"/v1/offers/{offer['id']}"

    assert (await client.get(path, headers=market.b1.headers)).status_code == 200
    assert_problem(await client.patch(path, json={"title": "x"}, headers=market.b.headers), 404)
    assert_problem(await client.delete(path, headers=market.b1.headers), 404)
    # a sibling organisation of the same partner may not change it either
    assert_problem(await client.patch(path, json={"title": "x"}, headers=market.a2.headers), 404)
    current = (await client.get(path, headers=market.a.headers)).json()
    assert current["title"] == offer["title"]
    assert current["status"] == "active"


async def test_draft_is_private_to_its_owner(client: httpx.AsyncClient, market: Market) -> None:
    offer = await make_offer(client, market.a1, status="draft")
    path = f"/v1/offers/{offer['id']}"

    assert (await client.get(path, headers=market.a1.headers)).json()["status"] == "draft"
    assert (await client.get(path, headers=market.a.headers)).status_code == 200
    assert_problem(await client.get(path, headers=market.a2.headers), 404)
    assert_problem(await client.get(path, headers=market.b.headers), 404)


# --- PATCH ----------------------------------------------------------------------------------


async def test_patch_changes_only_the_given_fields(
    client: httpx.AsyncClient, market: Market
) -> None:
    offer = await make_offer(client, market.a1, description="old")
    response = await client.patch(
        f"/v1/offers/{offer['id']}",
        json={"title": "Two lines free", "lead_time_days": 3},
        headers=market.a.headers,
    )

    assert response.status_code == 200, response.text
    assert response.headers["etag"] == '"2"'
    updated = response.json()
    assert updated["title"] == "Two lines free"
    assert updated["lead_time_days"] == 3
    assert updated["updated_at"] > offer["updated_at"]
    unchanged = {k: v for k, v in offer.items() if k not in ("title", "lead_time_days")}
    assert {k: updated[k] for k in unchanged if k != "updated_at"} == {
        k: v for k, v in unchanged.items() if k != "updated_at"
    }
    read = await client.get(f"/v1/offers/{offer['id']}", headers=market.a.headers)
    assert read.json() == updated
    assert read.headers["etag"] == '"2"'


async def test_patch_with_org_key(client: httpx.AsyncClient, market: Market) -> None:
    offer = await make_offer(client, market.a1, as_org=True)
    response = await client.patch(
        f"/v1/offers/{offer['id']}", json={"min_order_quantity": 50}, headers=market.a1.headers
    )
    assert response.status_code == 200, response.text
    assert response.json()["min_order_quantity"] == 50


async def test_patch_capacity_recomputes_quantities(
    client: httpx.AsyncClient, market: Market
) -> None:
    offer = await make_offer(
        client, market.a1, available_from=day(1), available_until=day(28), capacity={"per_week": 10}
    )
    assert offer["total_quantity"] == 40
    response = await client.patch(
        f"/v1/offers/{offer['id']}",
        json={"capacity": {"per_week": 100, "unit": "kg"}},
        headers=market.a.headers,
    )
    assert response.status_code == 200, response.text
    assert response.json()["capacity"] == {"unit": "kg", "per_week": 100, "total": None}
    assert response.json()["total_quantity"] == 400
    assert response.json()["remaining_quantity"] == 400

    longer = await client.patch(
        f"/v1/offers/{offer['id']}", json={"available_until": day(35)}, headers=market.a.headers
    )
    assert longer.json()["total_quantity"] == 500


async def test_patch_location_replaces_it(client: httpx.AsyncClient, market: Market) -> None:
    offer = await make_offer(client, market.a1)
    response = await client.patch(
        f"/v1/offers/{offer['id']}", json={"location": HAMBURG}, headers=market.a.headers
    )
    assert response.status_code == 200, response.text
    assert response.json()["location"] == HAMBURG


async def test_if_match_current_etag(client: httpx.AsyncClient, market: Market) -> None:
    offer = await make_offer(client, market.a1)
    path = f"/v1/offers/{offer['id']}"
    first = await client.patch(
        path, json={"title": "one"}, headers={**market.a.headers, "If-Match": '"1"'}
    )
    assert first.status_code == 200, first.text
    assert first.headers["etag"] == '"2"'
    second = await client.patch(
        path, json={"title": "two"}, headers={**market.a.headers, "If-Match": first.headers["etag"]}
    )
    assert second.status_code == 200, second.text
    assert second.headers["etag"] == '"3"'
    assert second.json()["title"] == "two"


@pytest.mark.parametrize(
    "changes",
    [
        {"capacity": {"per_week": 10}, "location": {"lat": 48.78, "lon": 9.18}},
        {"capacity": {"per_week": 10}, "certifications": ["iso-13485"]},
        {"skills": ["textile.cutting"], "location": {"lat": 48.5, "lon": 9.2}, "title": "x"},
    ],
)
async def test_one_patch_raises_the_version_by_exactly_one(
    client: httpx.AsyncClient, market: Market, changes: dict[str, Any]
) -> None:
    # Lookups made while applying a PATCH must not flush half-applied changes early.
    offer = await make_offer(client, market.a1)
    response = await client.patch(
        f"/v1/offers/{offer['id']}", json=changes, headers={**market.a.headers, "If-Match": '"1"'}
    )
    assert response.status_code == 200, response.text
    assert response.headers["etag"] == '"2"'


async def test_weak_etag_is_accepted(client: httpx.AsyncClient, market: Market) -> None:
    offer = await make_offer(client, market.a1)
    response = await client.patch(
        f"/v1/offers/{offer['id']}",
        json={"title": "weak"},
        headers={**market.a.headers, "If-Match": 'W/"1"'},
    )
    assert response.status_code == 200, response.text


async def test_stale_if_match_is_412_and_changes_nothing(
    client: httpx.AsyncClient, market: Market
) -> None:
    offer = await make_offer(client, market.a1)
    path = f"/v1/offers/{offer['id']}"
    changed = await client.patch(path, json={"title": "first writer"}, headers=market.a.headers)
    assert changed.status_code == 200

    stale = await client.patch(
        path,
        json={"title": "second writer", "lead_time_days": 30},
        headers={**market.a.headers, "If-Match": '"1"'},
    )

    assert_problem(stale, 412)
    current = await client.get(path, headers=market.a.headers)
    assert current.headers["etag"] == '"2"'
    assert current.json() == changed.json()


async def test_stale_if_match_on_delete_is_412(client: httpx.AsyncClient, market: Market) -> None:
    offer = await make_offer(client, market.a1)
    path = f"/v1/offers/{offer['id']}"
    await client.patch(path, json={"title": "changed"}, headers=market.a.headers)

    stale = await client.delete(path, headers={**market.a.headers, "If-Match": '"1"'})

    assert_problem(stale, 412)
    assert (await client.get(path, headers=market.a.headers)).json()["status"] == "active"


async def test_if_match_star_is_accepted(client: httpx.AsyncClient, market: Market) -> None:
    offer = await make_offer(client, market.a1)
    path = f"/v1/offers/{offer['id']}"
    await client.patch(path, json={"title": "v2"}, headers=market.a.headers)
    response = await client.patch(
        path, json={"title": "v3"}, headers={**market.a.headers, "If-Match": "*"}
    )
    assert response.status_code == 200, response.text
    assert response.headers["etag"] == '"3"'


async def test_if_match_list_with_the_current_tag(
    client: httpx.AsyncClient, market: Market
) -> None:
    offer = await make_offer(client, market.a1)
    response = await client.patch(
        f"/v1/offers/{offer['id']}",
        json={"title": "v2"},
        headers={**market.a.headers, "If-Match": '"7", "1"'},
    )
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    "field",
    [
        "title",
        "skills",
        "products",
        "certifications",
        "capacity",
        "min_order_quantity",
        "lead_time_days",
        "available_from",
        "available_until",
        "location",
        "visibility",
        "status",
    ],
)
async def test_patch_null_for_non_nullable_field(
    client: httpx.AsyncClient, market: Market, field: str
) -> None:
    offer = await make_offer(client, market.a1)
    path = f"/v1/offers/{offer['id']}"
    response = await client.patch(path, json={field: None}, headers=market.a.headers)
    assert_invalid(response, field)
    current = await client.get(path, headers=market.a.headers)
    assert current.headers["etag"] == '"1"'
    assert current.json() == offer


async def test_patch_null_clears_description_and_service_radius(
    client: httpx.AsyncClient, market: Market
) -> None:
    offer = await make_offer(client, market.a1, description="text", service_radius_km=50)
    response = await client.patch(
        f"/v1/offers/{offer['id']}",
        json={"description": None, "service_radius_km": None},
        headers=market.a.headers,
    )
    assert response.status_code == 200, response.text
    assert response.json()["description"] is None
    assert response.json()["service_radius_km"] is None


async def test_patch_empty_body_changes_nothing_but_succeeds(
    client: httpx.AsyncClient, market: Market
) -> None:
    offer = await make_offer(client, market.a1)
    response = await client.patch(f"/v1/offers/{offer['id']}", json={}, headers=market.a.headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert {k: v for k, v in body.items() if k != "updated_at"} == {
        k: v for k, v in offer.items() if k != "updated_at"
    }


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"available_until": "-1"}, "available_until"),
        ({"available_from": "+200"}, "available_until"),
        ({"available_until": "+5"}, "available_until"),
        ({"capacity": {"per_week": 0}}, "capacity.per_week"),
        ({"lead_time_days": -3}, "lead_time_days"),
        ({"location": {"lat": 91, "lon": 0}}, "location.lat"),
        ({"visibility": "everyone"}, "visibility"),
        ({"status": "closed"}, "status"),
        ({"status": "expired"}, "status"),
        ({"reserved_quantity": 10}, "reserved_quantity"),
        ({"organization_id": "org_other"}, "organization_id"),
        ({"partner_id": "prt_other"}, "partner_id"),
        ({"skills": [], "products": []}, "skills"),
        ({"skills": ["BAD CODE"]}, "skills[0]"),
        ({"certifications": ["din-1"]}, "certifications[0]"),
        ({"service_radius_km": -1}, "service_radius_km"),
    ],
)
async def test_invalid_patch_names_the_field_and_changes_nothing(
    client: httpx.AsyncClient, market: Market, patch: dict[str, Any], field: str
) -> None:
    offer = await make_offer(client, market.a1, available_from=day(10), available_until=day(130))
    for name in ("available_from", "available_until"):
        value = patch.get(name)
        if isinstance(value, str) and value[0] in "+-":
            patch = {**patch, name: day(int(value))}
    path = f"/v1/offers/{offer['id']}"
    response = await client.patch(path, json=patch, headers=market.a.headers)
    assert_invalid(response, field)
    current = await client.get(path, headers=market.a.headers)
    assert current.headers["etag"] == '"1"'
    assert current.json() == offer


async def test_patch_status_transitions(client: httpx.AsyncClient, market: Market) -> None:
    offer = await make_offer(client, market.a1)
    path = f"/v1/offers/{offer['id']}"

    paused = await client.patch(path, json={"status": "paused"}, headers=market.a.headers)
    assert paused.json()["status"] == "paused"
    assert (await client.get(path, headers=market.b.headers)).json()["status"] == "paused"

    draft = await client.patch(path, json={"status": "draft"}, headers=market.a.headers)
    assert draft.json()["status"] == "draft"
    assert_problem(await client.get(path, headers=market.b.headers), 404)

    active = await client.patch(path, json={"status": "active"}, headers=market.a.headers)
    assert active.status_code == 200
    assert active.json()["status"] == "active"
    assert active.json()["closed_at"] is None
    assert active.headers["etag"] == '"4"'
    assert (await client.get(path, headers=market.b.headers)).json()["status"] == "active"


async def test_patch_closed_offer_is_409(client: httpx.AsyncClient, market: Market) -> None:
    offer = await make_offer(client, market.a1)
    path = f"/v1/offers/{offer['id']}"
    closed = await client.delete(path, headers=market.a.headers)
    assert closed.status_code == 200

    for patch in ({"title": "reopen?"}, {"status": "active"}):
        assert_problem(await client.patch(path, json=patch, headers=market.a.headers), 409)
    current = await client.get(path, headers=market.a.headers)
    assert current.json() == closed.json()


async def test_patch_certifications_checked_against_the_organisation(
    client: httpx.AsyncClient, market: Market
) -> None:
    offer = await make_offer(client, market.a1, certifications=[])
    response = await client.patch(
        f"/v1/offers/{offer['id']}",
        json={"certifications": ["iso-13485", "en-14683"]},
        headers=market.a.headers,
    )
    assert response.status_code == 200, response.text
    assert response.json()["certifications"] == ["iso-13485", "en-14683"]


async def test_patch_unknown_offer_is_404(client: httpx.AsyncClient, market: Market) -> None:
    response = await client.patch(
        "/v1/offers/off_missing", json={"title": "x"}, headers=market.a.headers
    )
    assert_problem(response, 404)


async def test_patched_codes_feed_the_filters(client: httpx.AsyncClient, market: Market) -> None:
    offer = await make_offer(client, market.a1, skills=["textile.sewing"], products=[])
    await client.patch(
        f"/v1/offers/{offer['id']}", json={"skills": ["metal.welding"]}, headers=market.a.headers
    )
    assert ids(await client.get("/v1/offers?skill=metal", headers=market.a.headers)) == [
        offer["id"]
    ]
    assert ids(await client.get("/v1/offers?skill=textile", headers=market.a.headers)) == []


# --- DELETE ---------------------------------------------------------------------------------


async def test_delete_closes_and_keeps_history(client: httpx.AsyncClient, market: Market) -> None:
    offer = await make_offer(client, market.a1)
    path = f"/v1/offers/{offer['id']}"

    response = await client.delete(path, headers=market.a.headers)

    assert response.status_code == 200, response.text
    closed = response.json()
    assert closed["status"] == "closed"
    assert closed["closed_at"] is not None
    assert closed["closed_at"] >= offer["created_at"]
    assert closed["title"] == offer["title"]
    assert response.headers["etag"] == '"2"'
    read = await client.get(path, headers=market.a.headers)
    assert read.status_code == 200
    assert read.json() == closed
    # other partners still read the history of a shared offer
    assert (await client.get(path, headers=market.b.headers)).json()["status"] == "closed"
    assert ids(await client.get("/v1/offers?status=active", headers=market.a.headers)) == []
    assert ids(await client.get("/v1/offers?status=closed", headers=market.a.headers)) == [
        offer["id"]
    ]


async def test_delete_twice_is_harmless(client: httpx.AsyncClient, market: Market) -> None:
    offer = await make_offer(client, market.a1)
    path = f"/v1/offers/{offer['id']}"
    first = await client.delete(path, headers=market.a1.headers)
    second = await client.delete(path, headers=market.a1.headers)

    assert second.status_code == 200, second.text
    assert second.json() == first.json()
    assert second.headers["etag"] == first.headers["etag"]


async def test_delete_with_if_match(client: httpx.AsyncClient, market: Market) -> None:
    offer = await make_offer(client, market.a1)
    response = await client.delete(
        f"/v1/offers/{offer['id']}", headers={**market.a.headers, "If-Match": '"1"'}
    )
    assert response.status_code == 200
    assert response.json()["status"] == "closed"


async def test_delete_expired_offer_reads_closed(
    client: httpx.AsyncClient,
    market: Market,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    offer = await make_offer(client, market.a1)
    await expire(session_factory, offer["id"])
    response = await client.delete(f"/v1/offers/{offer['id']}", headers=market.a.headers)
    assert response.json()["status"] == "closed"


async def test_delete_unknown_is_404(client: httpx.AsyncClient, market: Market) -> None:
    assert_problem(await client.delete("/v1/offers/off_missing", headers=market.a.headers), 404)


# --- expiry ---------------------------------------------------------------------------------


async def test_offer_past_its_window_reads_expired(
    client: httpx.AsyncClient,
    market: Market,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    expired = await make_offer(client, market.a1)
    paused = await make_offer(client, market.a1, status="paused")
    live = await make_offer(client, market.a1)
    closed = await make_offer(client, market.a1)
    await client.delete(f"/v1/offers/{closed['id']}", headers=market.a.headers)
    for offer in (expired, paused, closed):
        await expire(session_factory, offer["id"])

    read = await client.get(f"/v1/offers/{expired['id']}", headers=market.a.headers)
    assert read.json()["status"] == "expired"
    assert (await client.get(f"/v1/offers/{paused['id']}", headers=market.a.headers)).json()[
        "status"
    ] == "expired"
    # a closed offer stays closed: expiry only applies to open offers
    assert (await client.get(f"/v1/offers/{closed['id']}", headers=market.a.headers)).json()[
        "status"
    ] == "closed"

    def listed(query: str) -> Any:
        return client.get(f"/v1/offers?{query}", headers=market.a.headers)

    assert set(ids(await listed("status=expired"))) == {expired["id"], paused["id"]}
    assert ids(await listed("status=active")) == [live["id"]]
    assert ids(await listed("status=paused")) == []
    assert ids(await listed("status=closed")) == [closed["id"]]
    both = ids(await listed("status=active&status=expired"))
    assert set(both) == {live["id"], expired["id"], paused["id"]}


async def test_window_ending_today_is_not_expired(
    client: httpx.AsyncClient,
    market: Market,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    offer = await make_offer(client, market.a1)
    await set_columns(
        session_factory,
        offer["id"],
        available_from=today() - timedelta(days=3),
        available_until=today(),
    )
    read = await client.get(f"/v1/offers/{offer['id']}", headers=market.a.headers)
    assert read.json()["status"] == "active"
    assert ids(await client.get("/v1/offers?status=active", headers=market.a.headers)) == [
        offer["id"]
    ]
    assert ids(await client.get("/v1/offers?status=expired", headers=market.a.headers)) == []


async def test_expired_offer_can_be_extended(
    client: httpx.AsyncClient,
    market: Market,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    offer = await make_offer(client, market.a1)
    await expire(session_factory, offer["id"])
    response = await client.patch(
        f"/v1/offers/{offer['id']}", json={"available_until": day(20)}, headers=market.a.headers
    )
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "active"


# --- list filters ---------------------------------------------------------------------------


async def test_list_is_a_page(client: httpx.AsyncClient, market: Market) -> None:
    offer = await make_offer(client, market.a1)
    response = await client.get("/v1/offers", headers=market.a.headers)
    assert response.status_code == 200
    assert response.json() == {"data": [offer], "has_more": False, "next_cursor": None}


async def test_list_requires_a_key(client: httpx.AsyncClient, market: Market) -> None:
    assert_problem(await client.get("/v1/offers"), 401)


async def test_filter_by_several_statuses(client: httpx.AsyncClient, market: Market) -> None:
    active = await make_offer(client, market.a1)
    paused = await make_offer(client, market.a1, status="paused")
    draft = await make_offer(client, market.a1, status="draft")

    def listed(query: str) -> Any:
        return client.get(f"/v1/offers?{query}", headers=market.a.headers)

    assert ids(await listed("status=active")) == [active["id"]]
    assert ids(await listed("status=paused")) == [paused["id"]]
    assert ids(await listed("status=draft")) == [draft["id"]]
    assert set(ids(await listed("status=active&status=paused"))) == {active["id"], paused["id"]}
    assert set(ids(await listed(""))) == {active["id"], paused["id"], draft["id"]}
    # drafts stay private even when asked for
    assert ids(await client.get("/v1/offers?status=draft", headers=market.b.headers)) == []
    assert_invalid(await listed("status=bogus"), "status[0]")


async def test_filter_by_skill_follows_the_hierarchy(
    client: httpx.AsyncClient, market: Market
) -> None:
    sewing = await make_offer(client, market.a1, skills=["textile.sewing"], products=[])
    gowns = await make_offer(client, market.a1, skills=["textile.sewing.medical"], products=[])
    welding = await make_offer(client, market.a1, skills=["metal.welding"], products=[])

    def skill(code: str) -> Any:
        return client.get("/v1/offers", params={"skill": code}, headers=market.a.headers)

    assert set(ids(await skill("textile"))) == {sewing["id"], gowns["id"]}
    assert set(ids(await skill("textile.sewing"))) == {sewing["id"], gowns["id"]}
    assert ids(await skill("textile.sewing.medical")) == [gowns["id"]]
    # A partial segment is a typo, not a prefix: a 422 with the closest codes.
    assert_invalid(await skill("textile.sew"), "skill")
    assert_invalid(await skill("sewing"), "skill")
    assert ids(await skill("metal")) == [welding["id"]]
    assert ids(await skill("Metal.Welding")) == [welding["id"]]
    # a product's code is no skill
    assert_invalid(await skill("mask"), "skill")
    assert_invalid(await skill("not a code!"), "skill")


async def test_filter_by_product(client: httpx.AsyncClient, market: Market) -> None:
    masks = await make_offer(client, market.a1, products=["mask.surgical"])
    gowns = await make_offer(client, market.a1, products=["gown.isolation"])

    def product(code: str) -> Any:
        return client.get("/v1/offers", params={"product": code}, headers=market.a.headers)

    assert ids(await product("mask")) == [masks["id"]]
    assert ids(await product("mask.surgical")) == [masks["id"]]
    assert_invalid(await product("mask.surg"), "product")
    assert ids(await product("gown")) == [gowns["id"]]
    # skills are not products
    assert_invalid(await product("textile"), "product")


async def test_filter_by_certification(client: httpx.AsyncClient, market: Market) -> None:
    en = await make_offer(client, market.a1, certifications=["en-14683"])
    both = await make_offer(client, market.a1, certifications=["en-14683", "iso-13485"])
    none = await make_offer(client, market.a1, certifications=[])

    def cert(code: str) -> Any:
        return client.get("/v1/offers", params={"certification": code}, headers=market.a.headers)

    assert set(ids(await cert("en-14683"))) == {en["id"], both["id"]}
    assert ids(await cert("iso-13485")) == [both["id"]]
    assert_invalid(await cert("iso"), "certification")
    assert none["id"] in ids(await client.get("/v1/offers", headers=market.a.headers))


async def test_filter_by_region(
    client: httpx.AsyncClient,
    market: Market,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    lyon = {"lat": 45.764, "lon": 4.8357}  # outside every region capmatch knows
    bw = await make_offer(client, market.a1, location=lyon)
    by = await make_offer(client, market.a1, location=lyon)
    unknown = await make_offer(client, market.a1, location=lyon)
    await set_columns(session_factory, bw["id"], region="DE-BW")
    await set_columns(session_factory, by["id"], region="DE-BY")

    def region(code: str) -> Any:
        return client.get("/v1/offers", params={"region": code}, headers=market.a.headers)

    assert ids(await region("DE-BW")) == [bw["id"]]
    assert ids(await region("DE-BY")) == [by["id"]]
    assert ids(await region("DE-HH")) == []
    read = await client.get(f"/v1/offers/{bw['id']}", headers=market.a.headers)
    assert read.json()["region"] == "DE-BW"
    assert unknown["region"] is None


async def test_filter_by_organization(client: httpx.AsyncClient, market: Market) -> None:
    a1 = await make_offer(client, market.a1)
    a2 = await make_offer(client, market.a2)
    b1 = await make_offer(client, market.b1)

    def org(organization_id: str) -> Any:
        return client.get(
            "/v1/offers", params={"organization_id": organization_id}, headers=market.a.headers
        )

    assert ids(await org(market.a1.id)) == [a1["id"]]
    assert ids(await org(market.a2.id)) == [a2["id"]]
    # another partner's shared offers are in the pool
    assert ids(await org(market.b1.id)) == [b1["id"]]
    assert ids(await org(market.b2.id)) == []


async def test_filter_by_visibility(client: httpx.AsyncClient, market: Market) -> None:
    shared = await make_offer(client, market.a1, visibility="shared")
    network = await make_offer(client, market.a1, visibility="network")
    other_network = await make_offer(client, market.b1, visibility="network")

    def vis(value: str, headers: dict[str, str]) -> Any:
        return client.get("/v1/offers", params={"visibility": value}, headers=headers)

    assert ids(await vis("shared", market.a.headers)) == [shared["id"]]
    assert ids(await vis("network", market.a.headers)) == [network["id"]]
    assert ids(await vis("network", market.a2.headers)) == [network["id"]]
    assert ids(await vis("network", market.b.headers)) == [other_network["id"]]
    assert ids(await vis("shared", market.b.headers)) == [shared["id"]]
    assert_invalid(await vis("public", market.a.headers), "visibility")


async def test_filter_by_text(client: httpx.AsyncClient, market: Market) -> None:
    sewing = await make_offer(client, market.a1, title="Free Sewing line")
    described = await make_offer(
        client, market.a1, title="Line B", description="Two shifts of SEWING machines"
    )
    await make_offer(client, market.a1, title="Welding cell")

    def q(text: str) -> Any:
        return client.get("/v1/offers", params={"q": text}, headers=market.a.headers)

    assert set(ids(await q("sewing"))) == {sewing["id"], described["id"]}
    assert set(ids(await q("SeWiNg"))) == {sewing["id"], described["id"]}
    assert ids(await q("free sew")) == [sewing["id"]]
    assert ids(await q("knitting")) == []


async def test_text_filter_treats_wildcards_literally(
    client: httpx.AsyncClient, market: Market
) -> None:
    percent = await make_offer(client, market.a1, title="Discount 5%x line")
    plain = await make_offer(client, market.a1, title="Line 5 and x")
    underscore = await make_offer(client, market.a1, title="cell a_b")
    other = await make_offer(client, market.a1, title="cell axb")
    backslash = await make_offer(client, market.a1, title="path a\\b")

    def q(text: str) -> Any:
        return client.get("/v1/offers", params={"q": text}, headers=market.a.headers)

    assert ids(await q("5%x")) == [percent["id"]]
    assert ids(await q("a_b")) == [underscore["id"]]
    assert ids(await q("%")) == [percent["id"]]
    assert ids(await q("_")) == [underscore["id"]]
    assert ids(await q("a\\b")) == [backslash["id"]]
    assert set(ids(await q("5"))) == {percent["id"], plain["id"]}
    assert other["id"] in ids(await q("axb"))


async def test_filter_near_a_point(client: httpx.AsyncClient, market: Market) -> None:
    reutlingen = await make_offer(client, market.a1)  # organisation's location
    hamburg = await make_offer(client, market.a1, location=HAMBURG)

    def near(radius: float, point: dict[str, float] = STUTTGART) -> Any:
        return client.get(
            "/v1/offers",
            params={"lat": point["lat"], "lon": point["lon"], "radius_km": radius},
            headers=market.a.headers,
        )

    assert ids(await near(40)) == [reutlingen["id"]]
    assert ids(await near(20)) == []
    assert set(ids(await near(700))) == {reutlingen["id"], hamburg["id"]}
    assert ids(await near(1, HAMBURG)) == [hamburg["id"]]


@pytest.mark.parametrize(
    ("query", "fields"),
    [
        ("lat=48.7&lon=9.1", ["radius_km"]),
        ("lat=48.7", ["lon", "radius_km"]),
        ("radius_km=10", ["lat", "lon"]),
        ("lat=91&lon=9&radius_km=10", ["lat"]),
        ("lat=48&lon=181&radius_km=10", ["lon"]),
        ("lat=48&lon=9&radius_km=0", ["radius_km"]),
        ("lat=48&lon=9&radius_km=20001", ["radius_km"]),
        ("lat=north&lon=9&radius_km=10", ["lat"]),
    ],
)
async def test_invalid_near_filter(
    client: httpx.AsyncClient, market: Market, query: str, fields: list[str]
) -> None:
    response = await client.get(f"/v1/offers?{query}", headers=market.a.headers)
    assert_invalid(response, *fields)


async def test_filters_combine(client: httpx.AsyncClient, market: Market) -> None:
    match = await make_offer(client, market.a1, title="Masks", skills=["textile.sewing"])
    await make_offer(client, market.a1, title="Masks", skills=["metal.welding"], products=[])
    await make_offer(client, market.a2, title="Masks", skills=["textile.sewing"])
    await make_offer(client, market.a1, title="Gowns", skills=["textile.sewing"])
    response = await client.get(
        "/v1/offers",
        params={"skill": "textile", "organization_id": market.a1.id, "q": "mask"},
        headers=market.a.headers,
    )
    assert ids(response) == [match["id"]]


# --- pagination -----------------------------------------------------------------------------


async def test_cursor_pagination_newest_first(client: httpx.AsyncClient, market: Market) -> None:
    created = [(await make_offer(client, market.a1, title=f"offer {i}"))["id"] for i in range(5)]

    seen: list[str] = []
    pages: list[list[str]] = []
    url = "/v1/offers?limit=2"
    for _ in range(5):
        response = await client.get(url, headers=market.a.headers)
        assert response.status_code == 200, response.text
        page = response.json()
        pages.append([item["id"] for item in page["data"]])
        seen.extend(pages[-1])
        if not page["has_more"]:
            assert page["next_cursor"] is None
            break
        assert page["next_cursor"]
        url = f"/v1/offers?limit=2&cursor={page['next_cursor']}"

    assert [len(page) for page in pages] == [2, 2, 1]
    assert len(seen) == len(set(seen)) == 5
    assert set(seen) == set(created)
    assert seen == sorted(created, reverse=True)
    assert seen[0] == created[-1]
    assert seen[-1] == created[0]


async def test_cursor_keeps_the_filters_it_is_used_with(
    client: httpx.AsyncClient, market: Market
) -> None:
    wanted = [(await make_offer(client, market.a1, title=f"keep {i}"))["id"] for i in range(3)]
    await make_offer(client, market.a2, title="other")
    first = (
        await client.get(
            "/v1/offers",
            params={"organization_id": market.a1.id, "limit": 2},
            headers=market.a.headers,
        )
    ).json()
    second = (
        await client.get(
            "/v1/offers",
            params={"organization_id": market.a1.id, "limit": 2, "cursor": first["next_cursor"]},
            headers=market.a.headers,
        )
    ).json()
    assert [o["id"] for o in first["data"] + second["data"]] == sorted(wanted, reverse=True)
    assert second["has_more"] is False


async def test_exact_page_has_no_more(client: httpx.AsyncClient, market: Market) -> None:
    for _ in range(2):
        await make_offer(client, market.a1)
    page = (await client.get("/v1/offers?limit=2", headers=market.a.headers)).json()
    assert len(page["data"]) == 2
    assert page["has_more"] is False
    assert page["next_cursor"] is None


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=ten", "limit"),
        ("cursor=not-a-cursor", "cursor"),
        ("cursor=eyJ4IjoxfQ", "cursor"),
    ],
)
async def test_invalid_paging(
    client: httpx.AsyncClient, market: Market, query: str, field: str
) -> None:
    assert_invalid(await client.get(f"/v1/offers?{query}", headers=market.a.headers), field)


async def test_limit_bounds_are_inclusive(client: httpx.AsyncClient, market: Market) -> None:
    for limit in (1, 100):
        response = await client.get(f"/v1/offers?limit={limit}", headers=market.a.headers)
        assert response.status_code == 200, response.text


async def test_list_shows_reads_derived_fields(
    client: httpx.AsyncClient,
    market: Market,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    offer = await make_offer(client, market.a1, capacity={"per_week": 7, "total": 100})
    await set_columns(session_factory, offer["id"], reserved_quantity=30, held_quantity=20)
    listed = (await client.get("/v1/offers", headers=market.a.headers)).json()["data"]
    assert [
        (
            o["total_quantity"],
            o["reserved_quantity"],
            o["held_quantity"],
            o["remaining_quantity"],
        )
        for o in listed
    ] == [(100, 30, 20, 50)]
    # The database itself refuses more reserved and held than the total.
    with pytest.raises(IntegrityError):
        await set_columns(session_factory, offer["id"], reserved_quantity=81)
    read = (await client.get(f"/v1/offers/{offer['id']}", headers=market.a.headers)).json()
    assert read["remaining_quantity"] == 50
