"""``GET /v1/analytics/supply-demand`` on a market counted by hand (both databases):
what a partner may see, grouped by week, skill, region; filters; bad input."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.dates import today
from app.models import CapacityRequest, Offer
from tests.engagements.support import engage
from tests.fixtures.assertions import assert_problem
from tests.fixtures.factories import ADMIN, Market, make_offer, make_request

URL = "/v1/analytics/supply-demand"


@dataclass(frozen=True)
class Seeded:
    monday: date
    weeks: list[str]


def iso(day: date) -> str:
    return day.isoformat()


def week_of(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


async def set_region(
    sessions: async_sessionmaker[AsyncSession], model: Any, object_id: str, region: str
) -> None:
    async with sessions() as session, session.begin():
        await session.execute(update(model).where(model.id == object_id).values(region=region))


@pytest.fixture
async def seeded(
    client: httpx.AsyncClient,
    market: Market,
    session_factory: async_sessionmaker[AsyncSession],
) -> Seeded:
    """Three weeks from the Monday after next; what partner A sees, counted by hand:

    - o1 (A, shared, sewing, DE-BW): 100 a day for two weeks, 300 of its 1,400 held
      by r1 -> 700, 400, 0;
    - o2 (B, shared, sewing and cutting, DE-BY): 10 a day from Thursday, 100 in total
      -> 40, 60, 0;
    - o3 (B, network): invisible to A;
    - o4 (A, shared, sewing, no region): 1 a day once its lead time ends in week two
      -> 0, 7, 7;
    - r1 (B, shared, sewing, DE-BW): 1,000 due in week two, 300 held -> demand 700;
    - r2 (A, network, cutting, DE-BW): 500 due in week one;
    - r3 (B, network): invisible to A; r4 (A): due after the period.
    """
    on = today()
    monday = on + timedelta(days=14 - on.weekday())
    sewing: dict[str, Any] = {"skills": ["textile.sewing"], "products": [], "certifications": []}
    o1 = await make_offer(
        client,
        market.a1,
        **sewing,
        capacity={"unit": "pieces", "per_week": 700},
        min_order_quantity=1,
        lead_time_days=0,
        available_from=iso(monday),
        available_until=iso(monday + timedelta(days=13)),
    )
    o2 = await make_offer(
        client,
        market.b1,
        skills=["textile.sewing", "textile.cutting"],
        products=[],
        certifications=[],
        capacity={"unit": "pieces", "per_week": 70, "total": 100},
        lead_time_days=0,
        min_order_quantity=1,
        available_from=iso(monday + timedelta(days=3)),
        available_until=iso(monday + timedelta(days=20)),
    )
    await make_offer(client, market.b1, **sewing, visibility="network")
    await make_offer(
        client,
        market.a2,
        **sewing,
        capacity={"unit": "pieces", "per_week": 7},
        min_order_quantity=1,
        available_from=iso(on),
        lead_time_days=(monday + timedelta(days=7) - on).days,
        location={"lat": 45.764, "lon": 4.8357},  # Lyon: outside every region
        available_until=iso(monday + timedelta(days=20)),
    )
    r1 = await make_request(
        client,
        market.b2,
        skills=["textile.sewing"],
        products=[],
        required_certifications=[],
        preferred_certifications=[],
        quantity=1000,
        needed_by=iso(monday + timedelta(days=9)),
    )
    r2 = await make_request(
        client,
        market.a2,
        skills=["textile.cutting"],
        products=[],
        quantity=500,
        needed_by=iso(monday + timedelta(days=2)),
        visibility="network",
    )
    await make_request(
        client,
        market.b2,
        quantity=9999,
        needed_by=iso(monday + timedelta(days=2)),
        visibility="network",
    )
    await make_request(client, market.a1, needed_by=iso(monday + timedelta(days=30)))
    held = await engage(client, r1["id"], o1["id"], 300, market.b.headers)
    assert held.status_code == 201, held.text
    await set_region(session_factory, Offer, o1["id"], "DE-BW")
    await set_region(session_factory, Offer, o2["id"], "DE-BY")
    await set_region(session_factory, CapacityRequest, r1["id"], "DE-BW")
    await set_region(session_factory, CapacityRequest, r2["id"], "DE-BW")
    weeks = [week_of(monday + timedelta(weeks=week)) for week in range(3)]
    return Seeded(monday, weeks)


async def rows(
    client: httpx.AsyncClient, headers: dict[str, str], seeded: Seeded, **params: Any
) -> list[dict[str, Any]]:
    query = {"from": iso(seeded.monday), "weeks": 3, **params}
    response = await client.get(URL, params=query, headers=headers)
    assert response.status_code == 200, response.text
    data: list[dict[str, Any]] = response.json()["data"]
    return data


FIGURES = (
    "supply",
    "demand",
    "reserved",
    "coverage",
    "shortage",
    "active_offers",
    "open_requests",
)


def figures(row: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(row[key] for key in FIGURES)


async def test_by_week_as_counted_by_hand(
    client: httpx.AsyncClient, market: Market, seeded: Seeded
) -> None:
    found = await rows(client, market.a.headers, seeded, group_by="week")
    assert [row["week"] for row in found] == seeded.weeks
    assert all(set(row) == {"week", *FIGURES} for row in found)
    assert [figures(row) for row in found] == [
        (740, 500, 0, 1.0, 0, 2, 1),
        (467, 700, 300, 0.6671, 233, 3, 1),
        (7, 0, 0, 1.0, 0, 1, 0),
    ]


async def test_by_skill_and_level(
    client: httpx.AsyncClient, market: Market, seeded: Seeded
) -> None:
    found = await rows(client, market.a.headers, seeded, group_by="skill")
    assert [(row["skill"], *figures(row)) for row in found] == [
        ("textile.cutting", 100, 500, 0, 0.2, 400, 1, 1),
        ("textile.sewing", 1214, 700, 300, 1.0, 0, 3, 1),
    ]
    cut = await rows(client, market.a.headers, seeded, group_by="skill", level=1)
    assert [(row["skill"], *figures(row)) for row in cut] == [
        ("textile", 1214, 1200, 300, 1.0, 0, 3, 2)
    ]


async def test_by_region_with_the_region_and_country_filters(
    client: httpx.AsyncClient, market: Market, seeded: Seeded
) -> None:
    found = await rows(client, market.a.headers, seeded, group_by="region")
    assert [(row["region"], *figures(row)) for row in found] == [
        ("DE-BW", 1100, 1200, 300, 0.9167, 100, 1, 2),
        ("DE-BY", 100, 0, 0, 1.0, 0, 1, 0),
        (None, 14, 0, 0, 1.0, 0, 1, 0),
    ]
    only = await rows(client, market.a.headers, seeded, group_by="region,week", region="de-bw")
    assert [(row["region"], row["week"], row["supply"], row["demand"]) for row in only] == [
        ("DE-BW", seeded.weeks[0], 700, 500),
        ("DE-BW", seeded.weeks[1], 400, 700),
    ]
    german = await rows(client, market.a.headers, seeded, group_by="region", country="DE")
    assert [row["region"] for row in german] == ["DE-BW", "DE-BY"]
    cutting = await rows(client, market.a.headers, seeded, group_by="", skill="textile.cutting")
    assert [figures(row) for row in cutting] == [(100, 500, 0, 0.2, 400, 1, 1)]


async def test_each_caller_counts_only_what_it_may_see(
    client: httpx.AsyncClient, market: Market, seeded: Seeded
) -> None:
    # B: its own network offer (7,000 a week from day 10 of the fixture's default
    # window) and request, A's shared offers and none of A's network requests.
    mine = await rows(client, market.b.headers, seeded, group_by="")
    everything = await rows(client, ADMIN, seeded, group_by="")
    (b_total,) = mine
    (admin_total,) = everything
    assert (b_total["open_requests"], admin_total["open_requests"]) == (2, 3)
    assert b_total["demand"] == 700 + 9999
    assert admin_total["demand"] == 700 + 500 + 9999
    assert b_total["supply"] == admin_total["supply"] > 1221
    # The member organisation a1 sees its partner's network request too.
    assert (await rows(client, market.a1.headers, seeded, group_by=""))[0]["demand"] == 1200


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"group_by": "region,colour"}, "group_by"),
        ({"weeks": "0"}, "weeks"),
        ({"weeks": "53"}, "weeks"),
        ({"from": "31.12.2026"}, "from"),
        ({"skill": "textile.knitting-of-dreams"}, "skill"),
        ({"region": "Baden"}, "region"),
        ({"level": "0"}, "level"),
    ],
)
async def test_bad_input_names_the_field(
    client: httpx.AsyncClient, market: Market, params: dict[str, str], field: str
) -> None:
    response = await client.get(URL, params=params, headers=market.a.headers)
    assert_problem(response, 422)
    assert field in {error["field"].split(".")[-1] for error in response.json()["errors"]}


async def test_a_key_is_needed(client: httpx.AsyncClient) -> None:
    assert_problem(await client.get(URL), 401)


async def test_from_must_be_a_calendar_date(client: httpx.AsyncClient, market: Market) -> None:
    for value in ("0", "2026-02-30", "2026-12-07T00:00:00", "9999-12-31", "0001-01-01"):
        response = await client.get(URL, params={"from": value}, headers=market.a.headers)
        assert_problem(response, 422)
        assert "from" in {error["field"].split(".")[-1] for error in response.json()["errors"]}


async def test_regions_geojson_carries_the_figures_of_each_region(
    client: httpx.AsyncClient, market: Market, seeded: Seeded
) -> None:
    response = await client.get(
        "/v1/analytics/regions.geojson",
        params={"from": iso(seeded.monday), "weeks": 3},
        headers=market.a.headers,
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/geo+json"
    collection = response.json()
    assert collection["type"] == "FeatureCollection"
    features = {feature["id"]: feature for feature in collection["features"]}
    assert len(features) == 51
    bw = features["DE-BW"]
    assert bw["geometry"]["type"] in ("Polygon", "MultiPolygon")
    assert figures(bw["properties"]) == (1100, 1200, 300, 0.9167, 100, 1, 2)
    assert bw["properties"]["name"] == "Baden-Württemberg"
    assert figures(features["DE-BY"]["properties"]) == (100, 0, 0, 1.0, 0, 1, 0)
    assert figures(features["CH-ZH"]["properties"]) == (0, 0, 0, 1.0, 0, 0, 0)
    assert_problem(await client.get("/v1/analytics/regions.geojson"), 401)
