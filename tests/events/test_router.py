"""GET /v1/events: every change leaves one event, shown to whom it concerns, oldest first."""

from __future__ import annotations

from typing import Any

import httpx

from tests.fixtures.assertions import assert_problem
from tests.fixtures.factories import ADMIN, Market, bearer, make_offer, make_request


async def events(
    client: httpx.AsyncClient, headers: dict[str, str], **params: Any
) -> tuple[list[dict[str, Any]], str]:
    """Every event this key sees (following next_cursor), and the last cursor."""
    seen: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        query = {"limit": 100, **params, **({"after": cursor} if cursor else {})}
        response = await client.get("/v1/events", params=query, headers=headers)
        assert response.status_code == 200, response.text
        page = response.json()
        seen.extend(page["data"])
        cursor = page["next_cursor"]
        if not page["has_more"]:
            assert cursor
            return seen, cursor


def types(seen: list[dict[str, Any]]) -> list[str]:
    return [event["type"] for event in seen]


async def test_each_change_is_one_event_with_the_resource_as_get_shows_it(
    client: httpx.AsyncClient, market: Market
) -> None:
    offer = await make_offer(client, market.a1)
    headers = market.a.headers
    patched = await client.patch(
        f"/v1/offers/{offer['id']}", json={"title": "Two shifts"}, headers=headers
    )
    closed = await client.delete(f"/v1/offers/{offer['id']}", headers=headers)
    seen, _ = await events(client, headers, types="offer.*")
    assert types(seen) == ["offer.created", "offer.updated", "offer.closed"]
    assert [event["data"]["object"] for event in seen] == [
        offer,
        patched.json(),
        closed.json(),
    ]
    created = seen[0]
    assert created["id"].startswith("evt_")
    assert (created["partner_id"], created["organization_id"]) == (market.a.id, market.a1.id)
    assert created["actor"]["kind"] == "partner"
    assert created["actor"]["key_id"].startswith("key_")
    assert (await client.get(f"/v1/events/{created['id']}", headers=headers)).json() == created


async def test_organisations_and_requests_have_their_events(
    client: httpx.AsyncClient, market: Market
) -> None:
    request = await make_request(client, market.a2)
    await client.patch(
        f"/v1/requests/{request['id']}", json={"quantity": 30000}, headers=market.a.headers
    )
    await client.delete(f"/v1/requests/{request['id']}", headers=market.a.headers)
    seen, _ = await events(client, market.a.headers, types="organization.*,request.*")
    assert types(seen) == [
        "organization.created",
        "organization.created",
        "request.created",
        "request.updated",
        "request.closed",
    ]
    assert seen[0]["data"]["object"]["id"] == market.a1.id
    assert seen[-1]["data"]["object"]["status"] == "cancelled"


async def test_an_engagement_is_seen_by_both_sides_and_nobody_else(
    client: httpx.AsyncClient, market: Market
) -> None:
    offer = await make_offer(client, market.b1)
    request = await make_request(client, market.a1)
    engaged = await client.post(
        f"/v1/requests/{request['id']}/engagements",
        json={"offer_id": offer["id"], "quantity": 1000},
        headers=market.a.headers,
    )
    assert engaged.status_code == 201, engaged.text
    engagement = engaged.json()
    accepted = await client.post(
        f"/v1/engagements/{engagement['id']}/accept", json={}, headers=market.b.headers
    )
    assert accepted.status_code == 200, accepted.text
    wanted = ["engagement.created", "engagement.accepted"]
    for side in (market.a, market.b, market.a1, market.b1):
        seen, _ = await events(client, side.headers, types="engagement.*")
        assert types(seen) == wanted
        assert seen[0]["data"]["object"]["id"] == engagement["id"]
        assert seen[0]["data"]["object"]["your_sides"] == []
        assert (seen[0]["partner_id"], seen[0]["organization_id"]) == (market.a.id, market.a1.id)
    for outsider in (market.a2, market.b2):
        seen, _ = await events(client, outsider.headers, types="engagement.*")
        assert seen == []
    # The buyer's key cannot read the seller-only offer events, and the reverse.
    buyer_seen, _ = await events(client, market.a1.headers, types="offer.*")
    assert buyer_seen == []


async def test_an_engagement_between_two_members_of_one_partner_is_listed_once(
    client: httpx.AsyncClient, market: Market
) -> None:
    offer = await make_offer(client, market.a2)
    request = await make_request(client, market.a1)
    engaged = await client.post(
        f"/v1/requests/{request['id']}/engagements",
        json={"offer_id": offer["id"], "quantity": 1000},
        headers=market.a.headers,
    )
    assert engaged.status_code == 201, engaged.text
    seen, _ = await events(client, market.a.headers, types="engagement.*")
    assert types(seen) == ["engagement.created"]
    for member in (market.a1, market.a2):
        seen, _ = await events(client, member.headers, types="engagement.*")
        assert types(seen) == ["engagement.created"]


async def test_closing_an_organisation_announces_what_closes_with_it(
    client: httpx.AsyncClient, market: Market
) -> None:
    offer = await make_offer(client, market.b1)
    request = await make_request(client, market.a1)
    engaged = await client.post(
        f"/v1/requests/{request['id']}/engagements",
        json={"offer_id": offer["id"], "quantity": 1000},
        headers=market.a.headers,
    )
    assert engaged.status_code == 201, engaged.text
    _, cursor = await events(client, ADMIN)
    closed = await client.delete(f"/v1/organizations/{market.b1.id}", headers=market.b.headers)
    assert closed.status_code == 200, closed.text
    seen, _ = await events(client, ADMIN, after=cursor)
    assert sorted(types(seen)) == ["engagement.cancelled", "offer.closed", "organization.updated"]
    by_type = {event["type"]: event for event in seen}
    assert by_type["offer.closed"]["data"]["object"]["held_quantity"] == 0
    assert by_type["organization.updated"]["data"]["object"]["status"] == "closed"


async def test_tenancy_partners_see_their_members_organisations_themselves(
    client: httpx.AsyncClient, market: Market
) -> None:
    await make_offer(client, market.a1)
    await make_offer(client, market.a2)
    partner_seen, _ = await events(client, market.a.headers, types="offer.created")
    member_seen, _ = await events(client, market.a1.headers, types="offer.created")
    other_seen, _ = await events(client, market.b.headers, types="offer.created")
    admin_seen, _ = await events(client, ADMIN, types="offer.created")
    assert len(partner_seen) == 2
    assert [event["organization_id"] for event in member_seen] == [market.a1.id]
    assert other_seen == []
    assert len(admin_seen) == 2
    hidden = await client.get(f"/v1/events/{partner_seen[1]['id']}", headers=market.b.headers)
    assert_problem(hidden, 404)
    sibling = await client.get(f"/v1/events/{member_seen[0]['id']}", headers=market.a2.headers)
    assert_problem(sibling, 404)


async def test_a_follower_resumes_where_it_stopped(
    client: httpx.AsyncClient, market: Market
) -> None:
    first, cursor = await events(client, market.a.headers)
    again = await client.get("/v1/events", params={"after": cursor}, headers=market.a.headers)
    assert again.json() == {"data": [], "has_more": False, "next_cursor": cursor}
    offer = await make_offer(client, market.a1)
    later, _ = await events(client, market.a.headers, after=cursor)
    assert [event["data"]["object"]["id"] for event in later] == [offer["id"]]
    assert {event["id"] for event in first}.isdisjoint(event["id"] for event in later)
    paged = await client.get("/v1/events", params={"limit": 1}, headers=market.a.headers)
    assert paged.json()["has_more"] is True
    assert paged.json()["data"] == first[:1]


async def test_types_take_exact_names_and_prefixes(
    client: httpx.AsyncClient, market: Market
) -> None:
    await make_offer(client, market.a1)
    await make_request(client, market.a1)
    seen, _ = await events(client, market.a.headers, types="offer.*,request.created")
    assert types(seen) == ["offer.created", "request.created"]
    everything, _ = await events(client, market.a.headers, types="*")
    assert types(everything) == [
        "partner.created",
        "api_key.created",  # the partner's first key
        "organization.created",
        "api_key.created",  # a1's key
        "organization.created",
        "api_key.created",  # a2's key
        "offer.created",
        "request.created",
    ]


async def test_a_forged_cursor_is_a_422_naming_after(client: httpx.AsyncClient) -> None:
    for forged in ("not-a-cursor", "eyJ0IjotMSwicyI6MH0", "eyJ0Ijp0cnVlLCJzIjowfQ"):
        response = await client.get("/v1/events", params={"after": forged}, headers=ADMIN)
        body = assert_problem(response, 422)
        assert body["errors"][0]["field"] == "after"


async def test_events_need_a_key(client: httpx.AsyncClient) -> None:
    assert_problem(await client.get("/v1/events"), 401)
    assert_problem(await client.get("/v1/events", headers=bearer("cmp_nope")), 401)
