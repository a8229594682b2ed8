"""Matching over HTTP: GET /v1/requests/{id}/matches, POST /v1/matches/search and
GET /v1/offers/{id}/matches (API.md "Matching").

The world is the ``market`` fixture: partners a and b, organisations a1, a2, b1, b2 in
Reutlingen; requests are delivered to Stuttgart (~31 km away) and needed in 70 days,
offers run from day 10 to day 130 with 5000 pieces a week. Tenancy of the matching
endpoints is in ``test_api_tenancy.py``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.core.config import Settings
from app.core.dates import today
from app.core.db import Database
from app.geo.gazetteer import read_file, replace_rows
from app.main import create_app
from app.matching import feed as feed_module
from app.matching.feed import MatchFeed
from app.models import CapacityRequest, Offer
from tests.fixtures.assertions import assert_invalid, assert_problem, day
from tests.fixtures.factories import (
    ADMIN,
    Market,
    OrgCtx,
    make_offer,
    make_organization,
    make_partner,
    make_request,
    request_body,
)

STUTTGART = {"lat": 48.7758, "lon": 9.1829}  # the requests' delivery point
REUTLINGEN = {"lat": 48.4931, "lon": 9.2125}  # the market organisations, ~31 km away
ESSLINGEN = {"lat": 48.7406, "lon": 9.3108}  # ~10 km from Stuttgart
MUNICH = {"lat": 48.1345, "lon": 11.571}  # ~190 km from Stuttgart
HAMBURG = {"lat": 53.5511, "lon": 9.9937}  # ~530 km from Stuttgart

GAZETTEER_SAMPLE = Path(__file__).resolve().parents[1] / "geo" / "fixtures" / "postal_codes.txt"
FACTORS = {"skill", "certification", "distance", "capacity", "time", "reliability"}
ITEM_KEYS = {"score", "rank", "breakdown", "distance_km", "deliverable_quantity", "reasons"}


def only(**weights: float) -> dict[str, float]:
    """Weights with every factor not named set to 0."""
    return {name: float(weights.get(name, 0)) for name in sorted(FACTORS)}


async def offer(client: httpx.AsyncClient, org: OrgCtx, **overrides: Any) -> dict[str, Any]:
    """An active offer near Stuttgart (at the organisation), dates on the API's today."""
    values: dict[str, Any] = {"available_from": day(10), "available_until": day(130)}
    values.update(overrides)
    return await make_offer(client, org, **values)


async def request(client: httpx.AsyncClient, org: OrgCtx, **overrides: Any) -> dict[str, Any]:
    """An open request delivered to Stuttgart, needed in 70 days."""
    values: dict[str, Any] = {"needed_by": day(70), "location": STUTTGART}
    values.update(overrides)
    return await make_request(client, org, **values)


def search_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "skills": ["textile.sewing"],
        "products": ["mask.surgical"],
        "quantity": 20000,
        "unit": "pieces",
        "needed_by": day(70),
        "location": STUTTGART,
        "max_distance_km": 400,
        "required_certifications": ["en-14683"],
        "preferred_certifications": ["iso-13485"],
    }
    body.update(overrides)
    return body


def page(response: httpx.Response) -> dict[str, Any]:
    """A 200 matches page, checked for the envelope and every item's shape."""
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert set(body) >= {"data", "has_more", "next_cursor"}, body
    assert isinstance(body["has_more"], bool)
    if not body["has_more"]:
        assert body["next_cursor"] is None
    else:
        assert isinstance(body["next_cursor"], str)
        assert body["next_cursor"]
    for item in body["data"]:
        kind = "offer" if "offer" in item else "request"
        assert set(item) >= ITEM_KEYS | {kind}, item
        assert set(item[kind]) >= {"id", "title", "organization"}
        assert set(item[kind]["organization"]) >= {"id", "name"}
        assert 0.0 <= item["score"] <= 1.0
        assert isinstance(item["rank"], int)
        assert item["rank"] >= 1
        assert set(item["breakdown"]) >= FACTORS
        assert all(0.0 <= item["breakdown"][name] <= 1.0 for name in FACTORS)
        assert item["distance_km"] >= 0.0
        assert isinstance(item["deliverable_quantity"], int)
        assert item["deliverable_quantity"] > 0
        assert item["reasons"]
        assert all(isinstance(reason, str) and reason for reason in item["reasons"])
    return body


def offer_ids(body: dict[str, Any]) -> list[str]:
    return [item["offer"]["id"] for item in body["data"]]


def request_ids(body: dict[str, Any]) -> list[str]:
    return [item["request"]["id"] for item in body["data"]]


async def request_matches(
    client: httpx.AsyncClient, request_id: str, headers: dict[str, str], **params: Any
) -> dict[str, Any]:
    return page(
        await client.get(f"/v1/requests/{request_id}/matches", params=params, headers=headers)
    )


async def offer_matches(
    client: httpx.AsyncClient, offer_id: str, headers: dict[str, str], **params: Any
) -> dict[str, Any]:
    return page(await client.get(f"/v1/offers/{offer_id}/matches", params=params, headers=headers))


async def search(
    client: httpx.AsyncClient, headers: dict[str, str], body: dict[str, Any], **params: Any
) -> dict[str, Any]:
    return page(await client.post("/v1/matches/search", json=body, params=params, headers=headers))


def _touched() -> dict[str, Any]:
    # Changed behind the API's back: mark the row as changed like the API would.
    return {"updated_at": datetime.now(UTC)}


async def expire_offer(session_factory: async_sessionmaker[AsyncSession], offer_id: str) -> None:
    """Move an offer's window into the past (the API refuses that on input)."""
    async with session_factory() as session:
        await session.execute(
            update(Offer)
            .where(Offer.id == offer_id)
            .values(
                available_from=today() - timedelta(days=30),
                available_until=today() - timedelta(days=1),
                **_touched(),
            )
        )
        await session.commit()


async def expire_request(
    session_factory: async_sessionmaker[AsyncSession], request_id: str
) -> None:
    """Move a request's needed_by into the past (the API refuses that on input)."""
    async with session_factory() as session:
        await session.execute(
            update(CapacityRequest)
            .where(CapacityRequest.id == request_id)
            .values(needed_by=today() - timedelta(days=1), **_touched())
        )
        await session.commit()


@pytest.fixture
async def gazetteer(session_factory: async_sessionmaker[AsyncSession]) -> None:
    """The sample postal codes (DE, AT, CH), so own offer locations resolve to a region."""
    async with session_factory() as session:
        await replace_rows(session, read_file(GAZETTEER_SAMPLE))
        await session.commit()


async def organization_name(client: httpx.AsyncClient, org: OrgCtx) -> str:
    response = await client.get(f"/v1/organizations/{org.id}", headers=org.partner.headers)
    assert response.status_code == 200, response.text
    name: str = response.json()["name"]
    return name


# --- shape ------------------------------------------------------------------------------------


async def test_request_matches_item_carries_offer_score_breakdown_and_reasons(
    client: httpx.AsyncClient, market: Market
) -> None:
    made = await offer(client, market.a1)
    wanted = await request(client, market.a2)

    body = await request_matches(client, wanted["id"], market.a.headers)

    assert body["has_more"] is False
    assert body["next_cursor"] is None
    [item] = body["data"]
    assert item["offer"]["id"] == made["id"]
    assert item["offer"]["title"] == made["title"]
    assert item["offer"]["organization"]["id"] == market.a1.id
    assert item["offer"]["organization"]["name"] == await organization_name(client, market.a1)
    assert item["rank"] == 1
    assert item["distance_km"] == pytest.approx(31.5, abs=1.0)  # Stuttgart - Reutlingen
    # from day 10 (lead time 7 is shorter) to needed_by day 70: 61 days of 5000 a week
    assert item["deliverable_quantity"] == 5000 * 61 // 7
    assert item["breakdown"]["capacity"] == 1.0
    assert item["breakdown"]["time"] == 1.0
    assert item["breakdown"]["skill"] == 1.0
    assert 0.0 < item["breakdown"]["distance"] < 1.0
    reasons = item["reasons"]
    assert f"{item['distance_km']:.0f} km from delivery point" in reasons, reasons
    assert any(reason.startswith("holds EN 14683") for reason in reasons), reasons


async def test_order_is_score_descending_ties_by_offer_id(
    client: httpx.AsyncClient, market: Market
) -> None:
    twin_1 = await offer(client, market.a1)
    twin_2 = await offer(client, market.a1)
    far = await offer(client, market.a1, location=MUNICH)
    small = await offer(client, market.a1, capacity={"unit": "pieces", "per_week": 1000})
    wanted = await request(client, market.a2)

    body = await request_matches(client, wanted["id"], market.a.headers)

    got = offer_ids(body)
    twins = sorted([twin_1["id"], twin_2["id"]])
    assert got[:2] == twins
    assert set(got[2:]) == {far["id"], small["id"]}
    scores = [item["score"] for item in body["data"]]
    assert scores == sorted(scores, reverse=True)
    assert scores[0] == scores[1]
    assert scores[1] > scores[2]
    assert [item["rank"] for item in body["data"]] == [1, 2, 3, 4]
    # the order is (score desc, id asc) throughout
    keys = [(-item["score"], item["offer"]["id"]) for item in body["data"]]
    assert keys == sorted(keys)


async def test_the_same_call_twice_gives_identical_bodies(
    client: httpx.AsyncClient, market: Market
) -> None:
    for per_week in (1000, 3000, 5000, 5000):
        await offer(client, market.a1, capacity={"unit": "pieces", "per_week": per_week})
    await offer(client, market.b1, location=MUNICH)
    wanted = await request(client, market.a2)
    url = f"/v1/requests/{wanted['id']}/matches"

    first = await client.get(url, headers=market.a.headers)
    second = await client.get(url, headers=market.a.headers)
    assert first.status_code == 200, first.text
    assert first.json() == second.json()
    assert len(first.json()["data"]) == 5
    body = search_body()
    searched = [await client.post("/v1/matches/search", json=body, headers=market.a.headers)]
    searched.append(await client.post("/v1/matches/search", json=body, headers=market.a.headers))
    assert searched[0].status_code == 200, searched[0].text
    assert searched[0].json() == searched[1].json()


# --- paging, limit, min_score, region --------------------------------------------------------


async def test_cursor_pages_cover_every_match_once_with_continuing_ranks(
    client: httpx.AsyncClient, market: Market
) -> None:
    for per_week in (1000, 2000, 3000, 5000, 5000):
        await offer(client, market.a1, capacity={"unit": "pieces", "per_week": per_week})
    wanted = await request(client, market.a2)
    everything = await request_matches(client, wanted["id"], market.a.headers, limit=100)
    assert len(everything["data"]) == 5
    assert everything["has_more"] is False

    seen: list[dict[str, Any]] = []
    cursor: str | None = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 2}
        if cursor is not None:
            params["cursor"] = cursor
        body = await request_matches(client, wanted["id"], market.a.headers, **params)
        pages += 1
        assert len(body["data"]) <= 2
        seen.extend(body["data"])
        if not body["has_more"]:
            break
        assert len(body["data"]) == 2
        cursor = body["next_cursor"]
        assert pages < 10
    assert pages == 3
    assert [item["offer"]["id"] for item in seen] == offer_ids(everything)
    assert [item["rank"] for item in seen] == [1, 2, 3, 4, 5]
    assert seen == everything["data"]


async def test_second_page_starts_at_rank_limit_plus_one(
    client: httpx.AsyncClient, market: Market
) -> None:
    for _ in range(4):
        await offer(client, market.a1)
    wanted = await request(client, market.a2)
    first = await request_matches(client, wanted["id"], market.a.headers, limit=3)
    assert first["has_more"] is True
    second = await request_matches(
        client, wanted["id"], market.a.headers, limit=3, cursor=first["next_cursor"]
    )
    assert [item["rank"] for item in second["data"]] == [4]
    assert second["has_more"] is False
    assert not set(offer_ids(first)) & set(offer_ids(second))


async def test_has_more_is_false_when_the_last_page_is_exactly_full(
    client: httpx.AsyncClient, market: Market
) -> None:
    for _ in range(2):
        await offer(client, market.a1)
    wanted = await request(client, market.a2)
    body = await request_matches(client, wanted["id"], market.a.headers, limit=2)
    assert len(body["data"]) == 2
    assert body["has_more"] is False
    assert body["next_cursor"] is None


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=many", "limit"),
        ("min_score=-0.1", "min_score"),
        ("min_score=1.5", "min_score"),
        ("min_score=high", "min_score"),
        ("cursor=not-a-cursor", "cursor"),
        ("cursor=eyJ4IjoxfQ", "cursor"),
    ],
)
async def test_bad_query_parameters_are_422(
    client: httpx.AsyncClient, market: Market, query: str, field: str
) -> None:
    await offer(client, market.a1)
    wanted = await request(client, market.a2)
    made = await offer(client, market.a2)
    for url in (
        f"/v1/requests/{wanted['id']}/matches?{query}",
        f"/v1/offers/{made['id']}/matches?{query}",
    ):
        assert_invalid(await client.get(url, headers=market.a.headers), field)
    searched = await client.post(
        f"/v1/matches/search?{query}", json=search_body(), headers=market.a.headers
    )
    assert_invalid(searched, field)


async def test_limit_bounds_are_accepted(client: httpx.AsyncClient, market: Market) -> None:
    await offer(client, market.a1)
    await offer(client, market.a1)
    wanted = await request(client, market.a2)
    one = await request_matches(client, wanted["id"], market.a.headers, limit=1)
    assert len(one["data"]) == 1
    assert one["has_more"] is True
    hundred = await request_matches(client, wanted["id"], market.a.headers, limit=100)
    assert len(hundred["data"]) == 2
    default = await request_matches(client, wanted["id"], market.a.headers)
    assert default == hundred


async def test_min_score_drops_lower_scores(client: httpx.AsyncClient, market: Market) -> None:
    near = await offer(client, market.a1)
    far = await offer(client, market.a1, location=MUNICH)
    wanted = await request(client, market.a2)
    everything = await request_matches(client, wanted["id"], market.a.headers)
    assert offer_ids(everything) == [near["id"], far["id"]]
    high, low = (item["score"] for item in everything["data"])
    assert high > low

    between = await request_matches(
        client, wanted["id"], market.a.headers, min_score=(high + low) / 2
    )
    assert offer_ids(between) == [near["id"]]
    assert between["has_more"] is False
    inclusive = await request_matches(client, wanted["id"], market.a.headers, min_score=low)
    assert offer_ids(inclusive) == [near["id"], far["id"]]
    assert (await request_matches(client, wanted["id"], market.a.headers, min_score=0))[
        "data"
    ] == everything["data"]
    above = await request_matches(client, wanted["id"], market.a.headers, min_score=1)
    assert above == {"data": [], "has_more": False, "next_cursor": None}
    searched = await search(client, market.a.headers, search_body(), min_score=(high + low) / 2)
    assert offer_ids(searched) == [near["id"]]


async def test_region_filter_keeps_offers_of_that_region(
    client: httpx.AsyncClient, market: Market, gazetteer: None
) -> None:
    stuttgart = await offer(client, market.a1, location={"lat": 48.7786, "lon": 9.1767})
    munich = await offer(client, market.a1, location=MUNICH)
    assert (stuttgart["region"], munich["region"]) == ("DE-BW", "DE-BY")
    wanted = await request(client, market.a2)

    assert set(offer_ids(await request_matches(client, wanted["id"], market.a.headers))) == {
        stuttgart["id"],
        munich["id"],
    }
    by = await request_matches(client, wanted["id"], market.a.headers, region="DE-BY")
    assert offer_ids(by) == [munich["id"]]
    assert by["data"][0]["rank"] == 1
    bw = await request_matches(client, wanted["id"], market.a.headers, region="DE-BW")
    assert offer_ids(bw) == [stuttgart["id"]]
    hh = await request_matches(client, wanted["id"], market.a.headers, region="DE-HH")
    assert hh == {"data": [], "has_more": False, "next_cursor": None}
    searched = await search(client, market.a.headers, search_body(), region="DE-BY")
    assert offer_ids(searched) == [munich["id"]]


# --- hard filters and scenarios ---------------------------------------------------------------


async def test_certified_and_near_beats_uncertified_and_near(
    client: httpx.AsyncClient, market: Market
) -> None:
    plain = await make_organization(client, market.a, certifications=[])
    certified = await offer(client, market.a1)
    uncertified = await offer(client, plain, certifications=[])

    required = await request(client, market.a2, required_certifications=["en-14683"])
    body = await request_matches(client, required["id"], market.a.headers)
    assert offer_ids(body) == [certified["id"]]

    # Without the requirement both appear; the preferred ISO 13485 puts the holder first.
    relaxed = await request(client, market.a2, required_certifications=[])
    both = await request_matches(client, relaxed["id"], market.a.headers)
    assert offer_ids(both) == [certified["id"], uncertified["id"]]
    assert (
        both["data"][0]["breakdown"]["certification"]
        > both["data"][1]["breakdown"]["certification"]
    )


async def test_required_certification_must_be_valid_on_needed_by(
    client: httpx.AsyncClient, market: Market
) -> None:
    short = await make_organization(
        client,
        market.a,
        certifications=[{"code": "en-14683", "valid_until": day(30)}],
    )
    made = await offer(client, short, certifications=["en-14683"])
    late = await request(client, market.a2, needed_by=day(70), preferred_certifications=[])
    soon = await request(client, market.a2, needed_by=day(25), preferred_certifications=[])
    assert offer_ids(await request_matches(client, late["id"], market.a.headers)) == []
    assert offer_ids(await request_matches(client, soon["id"], market.a.headers)) == [made["id"]]


async def test_too_small_capacity_ranks_below_sufficient(
    client: httpx.AsyncClient, market: Market
) -> None:
    small = await offer(client, market.a1, capacity={"unit": "pieces", "per_week": 1000})
    enough = await offer(client, market.a1, capacity={"unit": "pieces", "per_week": 5000})
    wanted = await request(client, market.a2, quantity=20000)

    body = await request_matches(client, wanted["id"], market.a.headers)

    assert offer_ids(body) == [enough["id"], small["id"]]
    top, bottom = body["data"]
    assert top["deliverable_quantity"] == 5000 * 61 // 7
    assert bottom["deliverable_quantity"] == 1000 * 61 // 7
    assert top["breakdown"]["capacity"] == 1.0
    assert bottom["breakdown"]["capacity"] == pytest.approx(8714 / 20000, abs=1e-5)
    assert top["score"] > bottom["score"]
    assert any("8,714 of 20,000" in reason for reason in bottom["reasons"]), bottom["reasons"]


async def test_nothing_deliverable_by_needed_by_is_filtered(
    client: httpx.AsyncClient, market: Market
) -> None:
    starts_late = await offer(client, market.a1, available_from=day(80), available_until=day(120))
    slow = await offer(client, market.a1, available_from=day(0), lead_time_days=90)
    in_time = await offer(client, market.a1)
    wanted = await request(client, market.a2, needed_by=day(70))
    ids_ = offer_ids(await request_matches(client, wanted["id"], market.a.headers))
    assert ids_ == [in_time["id"]]
    later = await request(client, market.a2, needed_by=day(110))
    assert set(offer_ids(await request_matches(client, later["id"], market.a.headers))) == {
        starts_late["id"],
        slow["id"],
        in_time["id"],
    }


async def test_expired_paused_closed_and_draft_offers_never_appear(
    client: httpx.AsyncClient,
    market: Market,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    live = await offer(client, market.a1)
    expired = await offer(client, market.a1)
    paused = await offer(client, market.a1, status="paused")
    draft = await offer(client, market.a1, status="draft")
    closed = await offer(client, market.a1)
    deleted = await client.delete(f"/v1/offers/{closed['id']}", headers=market.a.headers)
    assert deleted.status_code == 200, deleted.text
    await expire_offer(session_factory, expired["id"])
    wanted = await request(client, market.a2)
    statuses = {}
    for hidden in (expired, paused, draft, closed):
        read = await client.get(f"/v1/offers/{hidden['id']}", headers=market.a.headers)
        statuses[hidden["id"]] = read.json()["status"]
    assert sorted(statuses.values()) == ["closed", "draft", "expired", "paused"]

    # the owning partner and organisation see all of them in their lists, never in matches
    for headers in (market.a.headers, market.a1.headers, market.a2.headers, market.b.headers):
        body = await request_matches(client, wanted["id"], headers)
        assert offer_ids(body) == [live["id"]]
        assert body["has_more"] is False
        # a1 searching for itself is never shown its own offers
        searched = offer_ids(await search(client, headers, search_body()))
        assert searched == ([] if headers == market.a1.headers else [live["id"]])
    # another partner cannot even ask for a draft's matches
    assert_problem(
        await client.get(f"/v1/offers/{draft['id']}/matches", headers=market.b.headers), 404
    )


async def test_a_request_naming_only_a_product_finds_offers_naming_only_skills(
    client: httpx.AsyncClient, market: Market
) -> None:
    sewing = await offer(client, market.a1, skills=["textile.sewing.medical"], products=[])
    meltblown = await offer(client, market.a1, skills=["textile.nonwoven.meltblown"], products=[])
    welding = await offer(client, market.a1, skills=["metal.welding"], products=[])
    masks = await offer(client, market.a1, skills=[], products=["mask.surgical"])
    wanted = await request(client, market.a2, skills=[], products=["mask.surgical"])

    body = await request_matches(client, wanted["id"], market.a.headers)

    got = offer_ids(body)
    assert welding["id"] not in got
    assert set(got) == {sewing["id"], meltblown["id"], masks["id"]}
    assert got[0] == masks["id"]
    by_id = {item["offer"]["id"]: item for item in body["data"]}
    assert 0.0 < by_id[meltblown["id"]]["breakdown"]["skill"] < 1.0
    assert 0.0 < by_id[sewing["id"]]["breakdown"]["skill"] < 1.0
    searched = await search(client, market.a.headers, search_body(skills=[]))
    assert set(offer_ids(searched)) == set(got)


async def test_a_general_skill_is_covered_by_a_more_specific_one(
    client: httpx.AsyncClient, market: Market
) -> None:
    sewing = await offer(client, market.a1, skills=["textile.sewing"], products=[])
    welding = await offer(client, market.a1, skills=["metal.welding"], products=[])
    wanted = await request(
        client, market.a2, skills=["textile"], products=[], required_certifications=[]
    )
    got = offer_ids(await request_matches(client, wanted["id"], market.a.headers))
    assert got == [sewing["id"]]
    assert welding["id"] not in got


async def test_distance_limits_of_request_and_offer_both_apply(
    client: httpx.AsyncClient, market: Market
) -> None:
    hamburg = await offer(client, market.a1, location=HAMBURG, service_radius_km=None)
    short_reach = await offer(client, market.a1, service_radius_km=20)  # Reutlingen, ~31 km
    munich_short = await offer(client, market.a1, location=MUNICH, service_radius_km=100)
    munich = await offer(client, market.a1, location=MUNICH, service_radius_km=300)
    near = await offer(client, market.a1, location=ESSLINGEN, service_radius_km=15)

    bounded = await request(client, market.a2, max_distance_km=400)
    got = offer_ids(await request_matches(client, bounded["id"], market.a.headers))
    assert got == [near["id"], munich["id"]]

    tight = await request(client, market.a2, max_distance_km=50)
    assert offer_ids(await request_matches(client, tight["id"], market.a.headers)) == [near["id"]]

    unbounded = await request(client, market.a2, max_distance_km=None)
    got = offer_ids(await request_matches(client, unbounded["id"], market.a.headers))
    assert set(got) == {near["id"], munich["id"], hamburg["id"]}
    assert short_reach["id"] not in got
    assert munich_short["id"] not in got
    distances = {
        item["offer"]["id"]: item["distance_km"]
        for item in (await request_matches(client, unbounded["id"], market.a.headers))["data"]
    }
    assert distances[hamburg["id"]] > 400


async def test_units_must_be_the_same(client: httpx.AsyncClient, market: Market) -> None:
    pieces = await offer(client, market.a1)
    kilos = await offer(client, market.a1, capacity={"unit": "kg", "per_week": 5000})
    in_pieces = await request(client, market.a2, unit="pieces")
    in_kilos = await request(client, market.a2, unit="kg")
    got = offer_ids(await request_matches(client, in_pieces["id"], market.a.headers))
    assert got == [pieces["id"]]
    got = offer_ids(await request_matches(client, in_kilos["id"], market.a.headers))
    assert got == [kilos["id"]]
    assert offer_ids(await search(client, market.a.headers, search_body(unit="kg"))) == [
        kilos["id"]
    ]
    assert request_ids(await offer_matches(client, kilos["id"], market.a.headers)) == [
        in_kilos["id"]
    ]


# --- weights ----------------------------------------------------------------------------------


async def test_weights_change_the_order(client: httpx.AsyncClient, market: Market) -> None:
    near_small = await offer(client, market.a1, capacity={"unit": "pieces", "per_week": 1000})
    far_big = await offer(client, market.a1, location=MUNICH)
    expected = {
        "distance": [near_small["id"], far_big["id"]],
        "capacity": [far_big["id"], near_small["id"]],
    }

    for factor, order in expected.items():
        body = await search(client, market.a.headers, search_body(weights=only(**{factor: 1})))
        assert offer_ids(body) == order, factor

    stored = await request(client, market.a2, weights=only(capacity=1))
    body = await request_matches(client, stored["id"], market.a.headers)
    assert offer_ids(body) == expected["capacity"]
    # with only capacity counting, the score is the capacity factor
    for item in body["data"]:
        assert item["score"] == pytest.approx(item["breakdown"]["capacity"], abs=1e-5)

    patched = await client.patch(
        f"/v1/requests/{stored['id']}",
        json={"weights": only(distance=1)},
        headers=market.a.headers,
    )
    assert patched.status_code == 200, patched.text
    body = await request_matches(client, stored["id"], market.a.headers)
    assert offer_ids(body) == expected["distance"]
    for item in body["data"]:
        assert item["score"] == pytest.approx(item["breakdown"]["distance"], abs=1e-5)


async def test_partial_weights_are_merged_with_the_defaults(
    client: httpx.AsyncClient, market: Market
) -> None:
    await offer(client, market.a1)
    await offer(client, market.a1, location=MUNICH)
    default = await search(client, market.a.headers, search_body())
    partial = await search(client, market.a.headers, search_body(weights={"time": 0.1}))
    assert [item["score"] for item in partial["data"]] == [
        item["score"] for item in default["data"]
    ]


BAD_WEIGHTS: list[tuple[dict[str, Any], str]] = [
    ({"skill": 1.5}, "weights.skill"),
    ({"skill": -0.1}, "weights.skill"),
    ({"distance": "far"}, "weights.distance"),
    ({"speed": 0.5}, "weights.speed"),
    (only(), "weights"),
]


@pytest.mark.parametrize(("weights", "field"), BAD_WEIGHTS)
async def test_bad_weights_are_422_everywhere(
    client: httpx.AsyncClient, market: Market, weights: dict[str, Any], field: str
) -> None:
    created = await client.post(
        "/v1/requests",
        json=request_body(market.a2.id, needed_by=day(70), weights=weights),
        headers=market.a.headers,
    )
    assert_invalid(created, field)
    stored = await request(client, market.a2)
    patched = await client.patch(
        f"/v1/requests/{stored['id']}", json={"weights": weights}, headers=market.a.headers
    )
    assert_invalid(patched, field)
    searched = await client.post(
        "/v1/matches/search", json=search_body(weights=weights), headers=market.a.headers
    )
    assert_invalid(searched, field)
    # nothing was stored or changed
    listed = await client.get("/v1/requests", headers=market.a.headers)
    assert [item["id"] for item in listed.json()["data"]] == [stored["id"]]


# --- search -----------------------------------------------------------------------------------


async def test_search_ranks_like_a_stored_request_and_stores_nothing(
    client: httpx.AsyncClient, market: Market
) -> None:
    await offer(client, market.a1)
    await offer(client, market.a1, location=MUNICH)
    await offer(client, market.b1, capacity={"unit": "pieces", "per_week": 2000})
    stored = await request(client, market.a2)
    before = await client.get("/v1/requests", headers=market.a.headers)
    assert before.status_code == 200

    searched = await search(client, market.a.headers, search_body())
    with_owner = await search(
        client,
        market.a.headers,
        search_body(title="just looking", organization_id=market.a2.id),
    )
    as_org = await search(client, market.a2.headers, search_body())

    assert len(searched["data"]) == 3
    ranked = await request_matches(client, stored["id"], market.a.headers)
    assert searched["data"] == ranked["data"]
    assert with_owner["data"] == ranked["data"]
    assert as_org["data"] == ranked["data"]
    after = await client.get("/v1/requests", headers=market.a.headers)
    assert after.json() == before.json()
    assert after.json()["data"] == [
        (await client.get(f"/v1/requests/{stored['id']}", headers=market.a.headers)).json()
    ]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"skills": ["textile.sewingg"]}, "skills[0]"),
        ({"products": ["mask.surgical", "mask.nope"]}, "products[1]"),
        ({"required_certifications": ["iso-99999"]}, "required_certifications[0]"),
        ({"preferred_certifications": ["nope"]}, "preferred_certifications[0]"),
        ({"bogus": 1}, "bogus"),
        ({"reserved_quantity": 1}, "reserved_quantity"),
        ({"quantity": 0}, "quantity"),
        ({"unit": "Pieces!"}, "unit"),
        ({"max_distance_km": -5}, "max_distance_km"),
        ({"location": {"lat": 95, "lon": 9}}, "location.lat"),
    ],
)
async def test_search_rejects_bad_bodies(
    client: httpx.AsyncClient, market: Market, change: dict[str, Any], field: str
) -> None:
    response = await client.post(
        "/v1/matches/search", json=search_body(**change), headers=market.a.headers
    )
    assert_invalid(response, field)


async def test_search_needs_a_skill_or_product(client: httpx.AsyncClient, market: Market) -> None:
    response = await client.post(
        "/v1/matches/search", json=search_body(skills=[], products=[]), headers=market.a.headers
    )
    assert assert_problem(response, 422)["errors"]


async def test_matching_endpoints_need_a_key(client: httpx.AsyncClient, market: Market) -> None:
    made = await offer(client, market.a1)
    wanted = await request(client, market.a2)
    assert_problem(await client.post("/v1/matches/search", json=search_body()), 401)
    assert_problem(await client.get(f"/v1/requests/{wanted['id']}/matches"), 401)
    assert_problem(await client.get(f"/v1/offers/{made['id']}/matches"), 401)
    bad = {"Authorization": "Bearer cmp_not-a-key"}
    assert_problem(await client.get(f"/v1/requests/{wanted['id']}/matches", headers=bad), 401)


async def test_unknown_ids_are_404(client: httpx.AsyncClient, market: Market) -> None:
    assert_problem(
        await client.get("/v1/requests/req_missing/matches", headers=market.a.headers), 404
    )
    assert_problem(
        await client.get("/v1/offers/off_missing/matches", headers=market.a.headers), 404
    )


# --- language ---------------------------------------------------------------------------------


async def test_reasons_follow_accept_language(client: httpx.AsyncClient, market: Market) -> None:
    made = await offer(client, market.a1)
    wanted = await request(client, market.a2)
    url = f"/v1/requests/{wanted['id']}/matches"

    english = page(await client.get(url, headers=market.a.headers))["data"][0]["reasons"]
    assert any("km from delivery point" in reason for reason in english), english
    assert any(reason.startswith("holds EN 14683") for reason in english), english

    for language in ("de", "de-DE,de;q=0.9,en;q=0.5"):
        headers = {**market.a.headers, "Accept-Language": language}
        item = page(await client.get(url, headers=headers))["data"][0]
        german = item["reasons"]
        assert any(
            reason.endswith("km vom Lieferort entfernt") and "km" in reason for reason in german
        ), german
        assert any("Pflichtzertifizierung" in reason for reason in german), german
        assert not any("delivery point" in reason for reason in german), german
        assert item["offer"]["id"] == made["id"]

    searched = await search(client, {**market.a.headers, "Accept-Language": "de"}, search_body())
    assert any("entfernt" in reason for reason in searched["data"][0]["reasons"])
    demand = await offer_matches(client, made["id"], {**market.a.headers, "Accept-Language": "de"})
    assert any("entfernt" in reason for reason in demand["data"][0]["reasons"])
    english_search = await search(
        client, {**market.a.headers, "Accept-Language": "fr"}, search_body()
    )
    assert any("delivery point" in reason for reason in english_search["data"][0]["reasons"])


# --- freshness: the next call sees every change made through the API --------------------------


async def test_offer_changes_show_in_the_very_next_call(
    client: httpx.AsyncClient, market: Market
) -> None:
    wanted = await request(client, market.a2)
    headers = market.a.headers

    async def current() -> list[str]:
        return offer_ids(await request_matches(client, wanted["id"], headers))

    assert await current() == []
    made = await offer(client, market.a1)
    url = f"/v1/offers/{made['id']}"
    assert await current() == [made["id"]]

    async def patch(change: dict[str, Any]) -> None:
        response = await client.patch(url, json=change, headers=headers)
        assert response.status_code == 200, response.text

    await patch({"status": "paused"})
    assert await current() == []
    await patch({"status": "active"})
    assert await current() == [made["id"]]
    await patch({"skills": ["metal.welding"], "products": []})
    assert await current() == []
    await patch({"skills": ["textile.sewing"]})
    assert await current() == [made["id"]]
    await patch({"location": HAMBURG})
    assert await current() == []
    await patch({"location": REUTLINGEN})
    assert await current() == [made["id"]]
    await patch({"capacity": {"unit": "pieces", "per_week": 700}})
    body = await request_matches(client, wanted["id"], headers)
    assert body["data"][0]["deliverable_quantity"] == 700 * 61 // 7
    await patch({"capacity": {"unit": "kg", "per_week": 700}})
    assert await current() == []
    await patch({"capacity": {"unit": "pieces", "per_week": 5000}})
    await patch({"available_from": day(75)})
    assert await current() == []
    await patch({"available_from": day(10)})
    await patch({"visibility": "network"})
    assert await current() == [made["id"]]
    assert offer_ids(await request_matches(client, wanted["id"], market.b.headers)) == []
    await patch({"visibility": "shared"})
    assert offer_ids(await request_matches(client, wanted["id"], market.b.headers)) == [made["id"]]
    await patch({"status": "draft"})
    assert await current() == []
    await patch({"status": "active"})
    assert await current() == [made["id"]]

    closed = await client.delete(url, headers=headers)
    assert closed.status_code == 200, closed.text
    assert await current() == []
    assert offer_ids(await search(client, headers, search_body())) == []


async def test_a_new_offer_overtakes_in_the_next_call(
    client: httpx.AsyncClient, market: Market
) -> None:
    far = await offer(client, market.a1, location=MUNICH)
    wanted = await request(client, market.a2)
    assert offer_ids(await request_matches(client, wanted["id"], market.a.headers)) == [far["id"]]
    near = await offer(client, market.b1, location=ESSLINGEN, as_org=True)
    body = await request_matches(client, wanted["id"], market.a.headers)
    assert offer_ids(body) == [near["id"], far["id"]]
    assert [item["rank"] for item in body["data"]] == [1, 2]


async def test_organisation_certificate_changes_show_in_the_next_call(
    client: httpx.AsyncClient, market: Market
) -> None:
    made = await offer(client, market.a1)
    wanted = await request(client, market.a2, needed_by=day(70))
    assert offer_ids(await request_matches(client, wanted["id"], market.a.headers)) == [made["id"]]
    shortened = await client.patch(
        f"/v1/organizations/{market.a1.id}",
        json={
            "certifications": [
                {"code": "en-14683", "valid_until": day(30)},
                {"code": "iso-13485", "valid_until": day(400)},
            ]
        },
        headers=market.a.headers,
    )
    assert shortened.status_code == 200, shortened.text
    assert offer_ids(await request_matches(client, wanted["id"], market.a.headers)) == []


@pytest.mark.parametrize("page_size", [1, 2])
async def test_an_index_read_in_small_pages_ranks_like_one_read_at_once(
    app: FastAPI,
    client: httpx.AsyncClient,
    market: Market,
    monkeypatch: pytest.MonkeyPatch,
    page_size: int,
) -> None:
    # Pages cut between offers of one organisation and between organisations with
    # different certificates: each page must still find its own organisations'.
    plain = await make_organization(client, market.a, certifications=[])
    made = [
        await offer(client, market.a1),
        await offer(client, plain, certifications=[]),
        await offer(client, market.b1, location=ESSLINGEN, as_org=True),
        await offer(client, market.a1, location=MUNICH),
        await offer(client, plain, certifications=[], location=ESSLINGEN),
    ]
    wanted = await request(
        client, market.a2, required_certifications=[], preferred_certifications=["iso-13485"]
    )
    at_once = await request_matches(client, wanted["id"], market.a.headers)
    assert sorted(offer_ids(at_once)) == sorted(item["id"] for item in made)

    monkeypatch.setattr(feed_module, "LOAD_BATCH", page_size)
    app.state.match_feed = MatchFeed()  # a restarted worker: loads afresh, in pages
    assert await request_matches(client, wanted["id"], market.a.headers) == at_once


async def test_request_changes_show_in_the_very_next_call(
    client: httpx.AsyncClient, market: Market
) -> None:
    near = await offer(client, market.a1)
    far = await offer(client, market.a1, location=MUNICH)
    wanted = await request(client, market.a2)
    url = f"/v1/requests/{wanted['id']}"
    assert offer_ids(await request_matches(client, wanted["id"], market.a.headers)) == [
        near["id"],
        far["id"],
    ]
    patched = await client.patch(url, json={"max_distance_km": 100}, headers=market.a.headers)
    assert patched.status_code == 200, patched.text
    assert offer_ids(await request_matches(client, wanted["id"], market.a.headers)) == [near["id"]]
    patched = await client.patch(url, json={"location": MUNICH}, headers=market.a.headers)
    assert patched.status_code == 200, patched.text
    assert offer_ids(await request_matches(client, wanted["id"], market.a.headers)) == [far["id"]]
    # the offer side sees the request change too
    assert request_ids(await offer_matches(client, near["id"], market.a.headers)) == []
    assert request_ids(await offer_matches(client, far["id"], market.a.headers)) == [wanted["id"]]
    cancelled = await client.delete(url, headers=market.a.headers)
    assert cancelled.status_code == 200, cancelled.text
    assert request_ids(await offer_matches(client, far["id"], market.a.headers)) == []


# --- offers looking for demand ----------------------------------------------------------------


async def test_offer_matches_rank_open_requests_it_could_serve(
    client: httpx.AsyncClient,
    market: Market,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    made = await offer(client, market.a1)
    near = await request(client, market.a2)
    farther = await request(client, market.b1, location=MUNICH)
    fulfilled = await request(client, market.a2)
    cancelled = await request(client, market.a2)
    expired = await request(client, market.a2)
    too_far = await request(client, market.a2, location=HAMBURG, max_distance_km=None)
    in_kg = await request(client, market.a2, unit="kg")
    needs_iso_9001 = await request(client, market.a2, required_certifications=["iso-9001"])
    welding = await request(client, market.a2, skills=["metal.welding"], products=[])
    too_soon = await request(client, market.a2, needed_by=day(5))
    for item in (fulfilled, cancelled):
        status = "fulfilled" if item is fulfilled else "cancelled"
        response = await client.patch(
            f"/v1/requests/{item['id']}", json={"status": status}, headers=market.a.headers
        )
        assert response.status_code == 200, response.text
    await expire_request(session_factory, expired["id"])

    body = await offer_matches(client, made["id"], market.a.headers)

    assert request_ids(body) == [near["id"], farther["id"]]
    first = body["data"][0]
    assert first["request"]["title"] == near["title"]
    assert first["request"]["organization"]["id"] == market.a2.id
    assert first["request"]["organization"]["name"] == await organization_name(client, market.a2)
    assert first["deliverable_quantity"] == 5000 * 61 // 7
    assert [item["rank"] for item in body["data"]] == [1, 2]
    assert body["data"][0]["score"] >= body["data"][1]["score"]
    assert first["distance_km"] == pytest.approx(31.5, abs=1.0)
    hidden = [too_far, in_kg, needs_iso_9001, welding, too_soon, fulfilled, cancelled, expired]
    assert not {item["id"] for item in hidden} & set(request_ids(body))
    assert body["has_more"] is False

    paged = await offer_matches(client, made["id"], market.a.headers, limit=1)
    assert request_ids(paged) == [near["id"]]
    assert paged["has_more"] is True
    rest = await offer_matches(
        client, made["id"], market.a.headers, limit=1, cursor=paged["next_cursor"]
    )
    assert request_ids(rest) == [farther["id"]]
    assert rest["data"][0]["rank"] == 2
    assert rest["has_more"] is False
    again = await offer_matches(client, made["id"], market.a.headers)
    assert again == body


async def test_offer_matches_of_a_draft_are_404_for_others(
    client: httpx.AsyncClient, market: Market
) -> None:
    await request(client, market.a2)
    draft = await offer(client, market.a1, status="draft")
    assert_problem(
        await client.get(f"/v1/offers/{draft['id']}/matches", headers=market.b.headers), 404
    )


async def test_search_location_defaults_to_the_organisation(
    client: httpx.AsyncClient, market: Market
) -> None:
    made = await offer(client, market.a1)
    body = search_body()
    del body["location"]
    as_org = await search(client, market.a2.headers, body)
    named = await search(client, market.a.headers, {**body, "organization_id": market.a2.id})
    assert offer_ids(as_org) == offer_ids(named) == [made["id"]]
    # the market organisations and the offer share Reutlingen
    assert as_org["data"][0]["distance_km"] == pytest.approx(0.0, abs=0.01)
    assert as_org == named
    assert_invalid(
        await client.post("/v1/matches/search", json=body, headers=market.a.headers), "location"
    )


async def test_an_offer_expiring_after_it_was_indexed_drops_out(
    client: httpx.AsyncClient,
    market: Market,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    made = await offer(client, market.a1)
    other = await offer(client, market.a1)
    wanted = await request(client, market.a2)
    before = await request_matches(client, wanted["id"], market.a.headers)
    assert set(offer_ids(before)) == {made["id"], other["id"]}
    await expire_offer(session_factory, made["id"])
    assert offer_ids(await request_matches(client, wanted["id"], market.a.headers)) == [other["id"]]
    assert offer_ids(await search(client, market.a.headers, search_body())) == [other["id"]]


# --- both directions, idempotency, details ----------------------------------------------------


async def test_a_pair_scores_the_same_from_either_side(
    client: httpx.AsyncClient, market: Market
) -> None:
    made = await offer(client, market.a1, capacity={"unit": "pieces", "per_week": 3000})
    plain = await request(client, market.a2, location=MUNICH)
    weighted = await request(client, market.b2, weights=only(distance=1, capacity=0.5))

    demand = await offer_matches(client, made["id"], market.a.headers)
    by_request = {item["request"]["id"]: item for item in demand["data"]}
    assert set(by_request) == {plain["id"], weighted["id"]}
    for wanted in (plain, weighted):
        supply = await request_matches(client, wanted["id"], market.a.headers)
        [item] = supply["data"]
        other = by_request[wanted["id"]]
        for key in ("score", "breakdown", "distance_km", "deliverable_quantity", "reasons"):
            assert item[key] == other[key], key
    # the weighted request is scored with its own weights on the offer side too
    assert by_request[weighted["id"]]["score"] == pytest.approx(
        (
            by_request[weighted["id"]]["breakdown"]["distance"]
            + 0.5 * by_request[weighted["id"]]["breakdown"]["capacity"]
        )
        / 1.5,
        abs=1e-5,
    )


async def test_offer_side_respects_the_requests_max_distance_and_region(
    client: httpx.AsyncClient, market: Market, gazetteer: None
) -> None:
    made = await offer(client, market.a1, location=ESSLINGEN, service_radius_km=300)
    stuttgart = await request(client, market.a2, location={"lat": 48.7786, "lon": 9.1767})
    munich = await request(client, market.a2, location=MUNICH)
    too_close_for_comfort = await request(client, market.a2, location=MUNICH, max_distance_km=50)
    assert (stuttgart["region"], munich["region"]) == ("DE-BW", "DE-BY")

    everything = await offer_matches(client, made["id"], market.a.headers)
    assert request_ids(everything) == [stuttgart["id"], munich["id"]]
    assert too_close_for_comfort["id"] not in request_ids(everything)
    by = await offer_matches(client, made["id"], market.a.headers, region="DE-BY", limit=1)
    assert request_ids(by) == [munich["id"]]
    assert by["has_more"] is False
    assert by["data"][0]["rank"] == 1
    assert request_ids(
        await offer_matches(client, made["id"], market.a.headers, region="de-bw")
    ) == [stuttgart["id"]]


async def test_region_filter_with_paging_counts_only_that_region(
    client: httpx.AsyncClient, market: Market, gazetteer: None
) -> None:
    for _ in range(3):
        await offer(client, market.a1, location={"lat": 48.7786, "lon": 9.1767})
    munich = await offer(client, market.a1, location=MUNICH)
    wanted = await request(client, market.a2)
    body = await request_matches(client, wanted["id"], market.a.headers, region="DE-BY", limit=1)
    assert offer_ids(body) == [munich["id"]]
    assert body["has_more"] is False
    bw = await request_matches(client, wanted["id"], market.a.headers, region="DE-BW", limit=2)
    assert bw["has_more"] is True
    rest = await request_matches(
        client, wanted["id"], market.a.headers, region="DE-BW", limit=2, cursor=bw["next_cursor"]
    )
    assert len(rest["data"]) == 1
    assert rest["data"][0]["rank"] == 3
    assert munich["id"] not in offer_ids(bw) + offer_ids(rest)


async def test_search_replays_under_the_same_idempotency_key(
    client: httpx.AsyncClient, market: Market
) -> None:
    first_offer = await offer(client, market.a1)
    headers = {**market.a.headers, "Idempotency-Key": "search-1"}
    first = await client.post("/v1/matches/search", json=search_body(), headers=headers)
    assert first.status_code == 200, first.text
    await offer(client, market.a1, location=ESSLINGEN)
    replay = await client.post("/v1/matches/search", json=search_body(), headers=headers)
    assert replay.status_code == 200
    assert replay.json() == first.json()
    assert offer_ids(replay.json()) == [first_offer["id"]]
    fresh = await search(client, market.a.headers, search_body())
    assert len(fresh["data"]) == 2
    changed = await client.post(
        "/v1/matches/search", json=search_body(quantity=10), headers=headers
    )
    assert_problem(changed, 422)


async def test_english_wins_when_preferred_over_german(
    client: httpx.AsyncClient, market: Market
) -> None:
    await offer(client, market.a1)
    wanted = await request(client, market.a2)
    url = f"/v1/requests/{wanted['id']}/matches"
    headers = {**market.a.headers, "Accept-Language": "en-US,en;q=0.9,de;q=0.8"}
    reasons = page(await client.get(url, headers=headers))["data"][0]["reasons"]
    assert any("km from delivery point" in reason for reason in reasons), reasons
    headers = {**market.a.headers, "Accept-Language": "fr;q=1, de;q=0.5"}
    reasons = page(await client.get(url, headers=headers))["data"][0]["reasons"]
    assert any("km vom Lieferort entfernt" in reason for reason in reasons), reasons


async def test_german_reasons_use_german_numbers_and_dates(
    client: httpx.AsyncClient, market: Market
) -> None:
    await offer(client, market.a1, capacity={"unit": "pieces", "per_week": 1000})
    wanted = await request(client, market.a2, quantity=20000)
    body = await request_matches(
        client, wanted["id"], {**market.a.headers, "Accept-Language": "de"}
    )
    reasons = body["data"][0]["reasons"]
    needed_by = date.fromisoformat(wanted["needed_by"]).strftime("%d.%m.%Y")
    assert f"kann 8.714 von 20.000 bis {needed_by} liefern" in reasons, reasons


async def test_a_more_specific_certificate_satisfies_a_general_requirement(
    client: httpx.AsyncClient, market: Market
) -> None:
    mdr = await make_organization(
        client, market.a, certifications=[{"code": "ce.mdr", "valid_until": day(400)}]
    )
    made = await offer(client, mdr, certifications=["ce.mdr"])
    await offer(client, market.a1)  # holds no CE marking
    wanted = await request(
        client, market.a2, required_certifications=["ce"], preferred_certifications=[]
    )
    assert offer_ids(await request_matches(client, wanted["id"], market.a.headers)) == [made["id"]]


async def test_a_verified_certificate_shows_in_the_next_call(
    client: httpx.AsyncClient, market: Market
) -> None:
    await offer(client, market.a1)
    wanted = await request(client, market.a2, preferred_certifications=["iso-13485"])
    before = (await request_matches(client, wanted["id"], market.a.headers))["data"][0]
    assert before["breakdown"]["certification"] == pytest.approx(0.7)
    assert "holds ISO 13485 medical devices QMS (not verified)" in before["reasons"]
    verified = await client.post(
        f"/v1/organizations/{market.a1.id}/certifications/iso-13485/verify",
        json={"verified": True},
        headers=ADMIN,
    )
    assert verified.status_code == 200, verified.text
    after = (await request_matches(client, wanted["id"], market.a.headers))["data"][0]
    assert after["breakdown"]["certification"] == 1.0
    assert after["score"] > before["score"]
    assert "holds ISO 13485 medical devices QMS (verified)" in after["reasons"]


async def test_pages_do_not_repeat_when_a_better_offer_arrives_in_between(
    client: httpx.AsyncClient, market: Market
) -> None:
    for per_week in (1000, 2000, 5000, 5000):
        await offer(client, market.a1, capacity={"unit": "pieces", "per_week": per_week})
    wanted = await request(client, market.a2)
    first = await request_matches(client, wanted["id"], market.a.headers, limit=2)
    newcomer = await offer(client, market.a1, location=ESSLINGEN)
    second = await request_matches(
        client, wanted["id"], market.a.headers, limit=2, cursor=first["next_cursor"]
    )
    seen = offer_ids(first) + offer_ids(second)
    assert len(seen) == len(set(seen)) == 4
    assert newcomer["id"] not in seen  # it ranks above the cursor
    assert [item["rank"] for item in second["data"]] == [3, 4]
    assert second["has_more"] is False


async def test_has_more_counts_only_what_passes_min_score(
    client: httpx.AsyncClient, market: Market
) -> None:
    await offer(client, market.a1)
    await offer(client, market.a1)
    await offer(client, market.a1, location=MUNICH)
    wanted = await request(client, market.a2)
    everything = await request_matches(client, wanted["id"], market.a.headers)
    top, _, low = (item["score"] for item in everything["data"])
    body = await request_matches(
        client, wanted["id"], market.a.headers, limit=2, min_score=(top + low) / 2
    )
    assert len(body["data"]) == 2
    assert body["has_more"] is False
    assert body["next_cursor"] is None


@pytest.mark.committed
async def test_matches_work_with_the_production_sessions(
    committed_client: httpx.AsyncClient,
) -> None:
    """The real engine as served: on PostgreSQL, GETs run without BEGIN (autocommit reads)."""
    partner = await make_partner(committed_client)
    maker = await make_organization(committed_client, partner)
    buyer = await make_organization(committed_client, partner)
    made = await offer(committed_client, maker)
    wanted = await request(committed_client, buyer)
    # a GET first: the index is loaded by a read-only call
    supply = await request_matches(committed_client, wanted["id"], partner.headers)
    assert offer_ids(supply) == [made["id"]]
    demand = await offer_matches(committed_client, made["id"], partner.headers)
    assert request_ids(demand) == [wanted["id"]]
    assert offer_ids(await search(committed_client, partner.headers, search_body())) == [made["id"]]


@pytest.mark.committed
async def test_a_write_through_one_worker_shows_in_the_next_call_of_another(
    committed_client: httpx.AsyncClient, settings: Settings, engine: AsyncEngine
) -> None:
    """Two app instances on one database: each keeps its own index, both stay fresh."""
    other_app = create_app(
        settings,
        database=Database(
            engine=engine,
            sessionmaker=async_sessionmaker(engine, expire_on_commit=False),
            autocommit_reads=not settings.is_sqlite,
        ),
    )
    transport = httpx.ASGITransport(app=other_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://capmatch.test") as other:
        partner = await make_partner(committed_client)
        maker = await make_organization(committed_client, partner)
        buyer = await make_organization(committed_client, partner)
        wanted = await request(committed_client, buyer)

        async def seen_by_other() -> list[str]:
            return offer_ids(await request_matches(other, wanted["id"], partner.headers))

        assert await seen_by_other() == []  # the other worker loads its index now
        made = await offer(committed_client, maker)
        assert await seen_by_other() == [made["id"]]
        url = f"/v1/offers/{made['id']}"
        paused = await committed_client.patch(
            url, json={"status": "paused"}, headers=partner.headers
        )
        assert paused.status_code == 200, paused.text
        assert await seen_by_other() == []
        resumed = await committed_client.patch(
            url, json={"status": "active"}, headers=partner.headers
        )
        assert resumed.status_code == 200, resumed.text
        assert await seen_by_other() == [made["id"]]
        closed = await committed_client.delete(url, headers=partner.headers)
        assert closed.status_code == 200, closed.text
        assert await seen_by_other() == []
