"""GET /v1/requests/{id}/chains over HTTP (API.md "Production chains").

The world is the ``market`` fixture (partners a and b, organisations a1, a2, b1, b2).
A surgical mask takes meltblown, medical sewing and ultrasonic welding
(``GET /v1/taxonomy/products``); the hand-made markets below give each skill to
another firm, between Reutlingen and Stuttgart, the delivery point.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.fixtures.assertions import assert_invalid, assert_problem, day
from tests.fixtures.factories import Market, OrgCtx, make_offer, make_request

STUTTGART = {"lat": 48.7758, "lon": 9.1829}
REUTLINGEN = {"lat": 48.4931, "lon": 9.2125}  # ~31 km from Stuttgart
TUEBINGEN = {"lat": 48.5216, "lon": 9.0576}  # ~12 km from Reutlingen
ESSLINGEN = {"lat": 48.7406, "lon": 9.3108}  # ~10 km from Stuttgart
MUNICH = {"lat": 48.1345, "lon": 11.571}  # ~190 km from Stuttgart
MELTBLOWN, SEWING, WELDING = (
    "textile.nonwoven.meltblown",
    "textile.sewing.medical",
    "textile.ultrasonic-welding",
)
STEP_KEYS = {"skill", "offer", "deliverable_quantity", "distance_km"}
CHAIN_KEYS = {"steps", "quantity", "ready_by", "score", "reasons"}


async def step_offer(
    client: httpx.AsyncClient, org: OrgCtx, skill: str, **overrides: Any
) -> dict[str, Any]:
    """An offer of one skill, available from today, no products named."""
    values: dict[str, Any] = {
        "title": f"Free {skill} capacity",
        "skills": [skill],
        "products": [],
        "certifications": [],
        "available_from": day(0),
        "available_until": day(130),
    }
    values.update(overrides)
    return await make_offer(client, org, **values)


async def mask_request(client: httpx.AsyncClient, org: OrgCtx, **overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "skills": [],
        "products": ["mask.surgical"],
        "quantity": 50_000,
        "needed_by": day(70),
        "location": STUTTGART,
    }
    values.update(overrides)
    return await make_request(client, org, **values)


async def chains(
    client: httpx.AsyncClient, request_id: str, headers: dict[str, str], **params: Any
) -> dict[str, Any]:
    response = await client.get(f"/v1/requests/{request_id}/chains", params=params, headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert set(body) >= {"data", "has_more"}
    for chain in body["data"]:
        assert set(chain) >= CHAIN_KEYS
        assert 0.0 <= chain["score"] <= 1.0
        assert chain["reasons"]
        for step in chain["steps"]:
            assert set(step) >= STEP_KEYS
            assert set(step["offer"]) >= {"id", "title", "region", "organization"}
    return body


def teams(body: dict[str, Any]) -> list[list[str]]:
    return [[step["offer"]["id"] for step in chain["steps"]] for chain in body["data"]]


async def three_firms(client: httpx.AsyncClient, market: Market) -> list[dict[str, Any]]:
    """Meltblown in Tuebingen (b1), sewing in Reutlingen (b2), welding in Esslingen (a1)."""
    capacity = {"unit": "pieces", "per_week": 3_500}
    return [
        await step_offer(
            client, market.b1, MELTBLOWN, lead_time_days=5, capacity=capacity, location=TUEBINGEN
        ),
        await step_offer(client, market.b2, SEWING, lead_time_days=3, location=REUTLINGEN),
        await step_offer(
            client,
            market.a1,
            WELDING,
            lead_time_days=4,
            location=ESSLINGEN,
            certifications=["en-14683"],
        ),
    ]


async def test_three_firms_make_a_mask_in_material_order(
    client: httpx.AsyncClient, market: Market
) -> None:
    firms = await three_firms(client, market)
    wanted = await mask_request(client, market.a2, required_certifications=["en-14683"])

    body = await chains(client, wanted["id"], market.a2.headers)

    assert body["has_more"] is False
    [chain] = body["data"]
    assert teams(body) == [[firm["id"] for firm in firms]]
    assert [step["skill"] for step in chain["steps"]] == [MELTBLOWN, SEWING, WELDING]
    assert [step["offer"]["organization"]["id"] for step in chain["steps"]] == [
        market.b1.id,
        market.b2.id,
        market.a1.id,
    ]
    # each step starts when the one before is ready: day 5, then + 3, then + 4
    assert [step["starts_on"] for step in chain["steps"]] == [day(5), day(8), day(12)]
    assert chain["ready_by"] == day(12)
    # meltblown: 3,500 a week from day 5 to day 70 (66 days) is the bottleneck
    assert chain["steps"][0]["deliverable_quantity"] == 33_000
    assert chain["quantity"] == 33_000
    assert chain["product"] == "mask.surgical"
    # Tuebingen -> Reutlingen ~12 km, Reutlingen -> Esslingen ~29 km, Esslingen -> Stuttgart ~10 km
    distances = [step["distance_km"] for step in chain["steps"]]
    assert distances == pytest.approx([12, 29, 10], abs=3)
    assert chain["total_distance_km"] == pytest.approx(sum(distances), abs=0.01)
    assert chain["breakdown"]["quantity"] == pytest.approx(33_000 / 50_000)
    assert chain["breakdown"]["time"] == 1.0
    assert "3 steps: Meltblown → Medical textile sewing → Ultrasonic welding" in chain["reasons"]
    assert any(reason.startswith("can deliver 33,000 of 50,000") for reason in chain["reasons"])


async def test_the_product_skills_say_what_a_chain_takes(
    client: httpx.AsyncClient, market: Market
) -> None:
    response = await client.get("/v1/taxonomy/products", headers=market.a1.headers)
    [mask] = [entry for entry in response.json()["data"] if entry["code"] == "mask.surgical"]
    assert mask["skills"] == [MELTBLOWN, SEWING, WELDING]


async def test_reasons_in_german(client: httpx.AsyncClient, market: Market) -> None:
    await three_firms(client, market)
    wanted = await mask_request(client, market.a2)

    response = await client.get(
        f"/v1/requests/{wanted['id']}/chains",
        headers={**market.a2.headers, "Accept-Language": "de-DE,de;q=0.9"},
    )

    assert response.status_code == 200, response.text
    assert response.headers["Content-Language"] == "de"
    reasons = response.json()["data"][0]["reasons"]
    assert reasons[0].startswith("3 Schritte: Meltblown-Verfahren → ")
    assert any(reason.startswith("kann 33.000 von 50.000 bis ") for reason in reasons), reasons


async def test_a_step_beyond_the_delivering_steps_service_radius_is_excluded(
    client: httpx.AsyncClient, market: Market
) -> None:
    firms = await three_firms(client, market)
    # meltblown in Munich, ~190 km from the sewer: only the one that delivers that far counts
    await step_offer(client, market.b1, MELTBLOWN, location=MUNICH, service_radius_km=150)
    far_reaching = await step_offer(
        client, market.b1, MELTBLOWN, location=MUNICH, service_radius_km=400
    )
    wanted = await mask_request(client, market.a2)

    body = await chains(client, wanted["id"], market.a2.headers)

    assert sorted(team[0] for team in teams(body)) == sorted([firms[0]["id"], far_reaching["id"]])


async def test_network_offers_of_another_partner_never_appear(
    client: httpx.AsyncClient, market: Market
) -> None:
    firms = await three_firms(client, market)
    hidden = await step_offer(client, market.b1, SEWING, location=REUTLINGEN, visibility="network")
    wanted = await mask_request(client, market.a2)  # shared: b may ask too

    seen_by_a = await chains(client, wanted["id"], market.a.headers)
    seen_by_b = await chains(client, wanted["id"], market.b.headers)

    assert all(hidden["id"] not in team for team in teams(seen_by_a))
    assert teams(seen_by_a) == [[firm["id"] for firm in firms]]
    assert any(hidden["id"] in team for team in teams(seen_by_b))


async def test_the_requesters_own_offers_never_appear(
    client: httpx.AsyncClient, market: Market
) -> None:
    await three_firms(client, market)  # a1 welds
    wanted = await mask_request(client, market.a1)
    assert (await chains(client, wanted["id"], market.a1.headers))["data"] == []
    other = await step_offer(client, market.b2, WELDING, location=ESSLINGEN)
    body = await chains(client, wanted["id"], market.a.headers)
    assert [team[-1] for team in teams(body)] == [other["id"]]


async def test_no_chain_when_one_offer_makes_the_product_alone(
    client: httpx.AsyncClient, market: Market
) -> None:
    await three_firms(client, market)
    wanted = await mask_request(client, market.a2)
    await step_offer(client, market.b2, SEWING, skills=[MELTBLOWN, SEWING, WELDING])

    body = await chains(client, wanted["id"], market.a2.headers)

    assert body == {**body, "data": [], "has_more": False}


async def test_best_first_ties_by_offer_ids_the_same_every_time_and_paged(
    client: httpx.AsyncClient, market: Market
) -> None:
    firms = await three_firms(client, market)
    twin = await step_offer(client, market.b2, SEWING, lead_time_days=3, location=REUTLINGEN)
    nearer = await step_offer(client, market.b1, WELDING, lead_time_days=4, location=STUTTGART)
    wanted = await mask_request(client, market.a2)

    body = await chains(client, wanted["id"], market.a2.headers)

    scores = [chain["score"] for chain in body["data"]]
    assert scores == sorted(scores, reverse=True)
    assert len(body["data"]) == 4
    # welding at the delivery point beats welding 10 km away; the sewers tie, by id
    sewers = sorted([firms[1]["id"], twin["id"]])
    assert teams(body) == [
        [firms[0]["id"], sewers[0], nearer["id"]],
        [firms[0]["id"], sewers[1], nearer["id"]],
        [firms[0]["id"], sewers[0], firms[2]["id"]],
        [firms[0]["id"], sewers[1], firms[2]["id"]],
    ]
    assert await chains(client, wanted["id"], market.a2.headers) == body
    first = await chains(client, wanted["id"], market.a2.headers, limit=3)
    assert first["has_more"] is True
    rest = await chains(
        client, wanted["id"], market.a2.headers, limit=3, cursor=first["next_cursor"]
    )
    assert rest["has_more"] is False
    assert teams(first) + teams(rest) == teams(body)


async def test_a_request_the_caller_cannot_see_is_404(
    client: httpx.AsyncClient, market: Market
) -> None:
    wanted = await mask_request(client, market.b1, visibility="network")
    response = await client.get(f"/v1/requests/{wanted['id']}/chains", headers=market.a.headers)
    assert_problem(response, 404)
    response = await client.get("/v1/requests/req_nothing/chains", headers=market.b.headers)
    assert_problem(response, 404)
    response = await client.get(f"/v1/requests/{wanted['id']}/chains")
    assert_problem(response, 401)


@pytest.mark.parametrize("limit", [0, 21])
async def test_limit_is_1_to_20(client: httpx.AsyncClient, market: Market, limit: int) -> None:
    wanted = await mask_request(client, market.a2)
    response = await client.get(
        f"/v1/requests/{wanted['id']}/chains", params={"limit": limit}, headers=market.a.headers
    )
    assert_invalid(response, "limit")


async def test_no_chains_for_a_family_code_or_a_request_of_skills_only(
    client: httpx.AsyncClient, market: Market
) -> None:
    await three_firms(client, market)
    family = await mask_request(client, market.a2, products=["mask"])  # no recipe: variants have
    skills_only = await mask_request(
        client, market.a2, products=[], skills=[MELTBLOWN, SEWING, WELDING]
    )
    for wanted in (family, skills_only):
        body = await chains(client, wanted["id"], market.a2.headers)
        assert body == {**body, "data": [], "has_more": False}


async def test_a_cursor_that_is_not_one_is_refused(
    client: httpx.AsyncClient, market: Market
) -> None:
    wanted = await mask_request(client, market.a2)
    response = await client.get(
        f"/v1/requests/{wanted['id']}/chains", params={"cursor": "nope"}, headers=market.a.headers
    )
    assert_invalid(response, "cursor")
