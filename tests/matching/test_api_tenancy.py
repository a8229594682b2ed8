"""Tenancy of the matching endpoints: a caller never sees, nor counts, what it may not see.

API.md "Auth and tenancy": ``network`` objects are seen only by the owning partner and
its organisations, ``shared`` ones by everybody; drafts only by their owners (and they
never match). An object a key may not see answers 404, with no side effect.
"""

from __future__ import annotations

import httpx

from tests.fixtures.assertions import assert_problem
from tests.fixtures.factories import Market
from tests.matching.test_api import (
    ESSLINGEN,
    MUNICH,
    offer,
    offer_ids,
    offer_matches,
    request,
    request_ids,
    request_matches,
    search,
    search_body,
)


async def test_network_offers_of_another_partner_never_appear(
    client: httpx.AsyncClient, market: Market
) -> None:
    a1_network = await offer(client, market.a1, visibility="network")
    a1_shared = await offer(client, market.a1, location=MUNICH)
    b1_network = await offer(client, market.b1, visibility="network", location=ESSLINGEN)
    b1_shared = await offer(client, market.b1, location=MUNICH)
    wanted = await request(client, market.a2)  # shared: every partner may rank it

    a_sees = {a1_network["id"], a1_shared["id"], b1_shared["id"]}
    b_sees = {a1_shared["id"], b1_network["id"], b1_shared["id"]}
    a1_owns = {a1_network["id"], a1_shared["id"]}
    b1_owns = {b1_network["id"], b1_shared["id"]}
    for headers, expected, owned in (
        (market.a.headers, a_sees, set()),
        (market.a1.headers, a_sees, a1_owns),
        (market.a2.headers, a_sees, set()),  # a sibling's network offer counts for its partner
        (market.b.headers, b_sees, set()),
        (market.b1.headers, b_sees, b1_owns),
        (market.b2.headers, b_sees, set()),
    ):
        body = await request_matches(client, wanted["id"], headers)
        assert set(offer_ids(body)) == expected
        assert [item["rank"] for item in body["data"]] == [1, 2, 3]
        assert body["has_more"] is False
        # an organisation key searches for its own organisation: never its own offers
        searched = await search(client, headers, search_body())
        assert set(offer_ids(searched)) == expected - owned


async def test_invisible_offers_are_not_even_counted(
    client: httpx.AsyncClient, market: Market
) -> None:
    mine = await offer(client, market.a1, location=MUNICH)
    # better (nearer) offers a may not see: they must not push has_more or ranks
    for _ in range(3):
        await offer(client, market.b1, visibility="network", location=ESSLINGEN)
    await offer(client, market.b1, visibility="shared", location=ESSLINGEN, status="draft")
    wanted = await request(client, market.a2)

    body = await request_matches(client, wanted["id"], market.a.headers, limit=1)
    assert body == {**body, "has_more": False, "next_cursor": None}
    assert offer_ids(body) == [mine["id"]]
    assert body["data"][0]["rank"] == 1
    searched = await search(client, market.a2.headers, search_body(), limit=1)
    assert offer_ids(searched) == [mine["id"]]
    assert searched["has_more"] is False
    assert searched["data"][0]["rank"] == 1


async def test_request_matches_of_a_request_not_visible_are_404(
    client: httpx.AsyncClient, market: Market
) -> None:
    await offer(client, market.a1)
    await offer(client, market.b2)
    b_network = await request(client, market.b1, visibility="network")
    url = f"/v1/requests/{b_network['id']}/matches"
    for headers in (market.a.headers, market.a1.headers, market.a2.headers):
        assert_problem(await client.get(url, headers=headers), 404)
        assert_problem(await client.get(f"{url}?limit=1&min_score=0.5", headers=headers), 404)
    # its own partner and that partner's organisations may rank it
    for headers in (market.b.headers, market.b1.headers, market.b2.headers):
        assert len((await request_matches(client, b_network["id"], headers))["data"]) == 2
    # a cancelled or foreign request's 404 looks like an unknown id's
    unknown = assert_problem(
        await client.get("/v1/requests/req_missing/matches", headers=market.a.headers), 404
    )
    hidden = assert_problem(await client.get(url, headers=market.a.headers), 404)
    assert hidden["type"] == unknown["type"]
    assert hidden["title"] == unknown["title"]


async def test_offer_matches_of_an_offer_not_visible_are_404(
    client: httpx.AsyncClient, market: Market
) -> None:
    await request(client, market.a2)
    await request(client, market.b2)
    b_network = await offer(client, market.b1, visibility="network")
    b_draft = await offer(client, market.b1, status="draft")
    for hidden in (b_network, b_draft):
        url = f"/v1/offers/{hidden['id']}/matches"
        for headers in (market.a.headers, market.a1.headers, market.a2.headers):
            assert_problem(await client.get(url, headers=headers), 404)
    body = await offer_matches(client, b_network["id"], market.b.headers)
    assert len(body["data"]) == 2
    body = await offer_matches(client, b_network["id"], market.b2.headers)
    assert len(body["data"]) == 2


async def test_offer_matches_list_only_requests_the_caller_may_see(
    client: httpx.AsyncClient, market: Market
) -> None:
    shared_offer = await offer(client, market.a1)
    a2_network = await request(client, market.a2, visibility="network")
    a2_shared = await request(client, market.a2, location=MUNICH)
    b1_network = await request(client, market.b1, visibility="network")
    b1_shared = await request(client, market.b1, location=MUNICH, quantity=30000)

    a_sees = {a2_network["id"], a2_shared["id"], b1_shared["id"]}
    b_sees = {a2_shared["id"], b1_network["id"], b1_shared["id"]}
    for headers, expected in (
        (market.a.headers, a_sees),
        (market.a1.headers, a_sees),
        (market.a2.headers, a_sees),
        (market.b.headers, b_sees),
        (market.b2.headers, b_sees),
    ):
        body = await offer_matches(client, shared_offer["id"], headers)
        assert set(request_ids(body)) == expected
        assert [item["rank"] for item in body["data"]] == [1, 2, 3]
        assert body["has_more"] is False
        limited = await offer_matches(client, shared_offer["id"], headers, limit=3)
        assert limited["has_more"] is False


async def test_search_for_an_organisation_not_yours_is_404(
    client: httpx.AsyncClient, market: Market
) -> None:
    await offer(client, market.a1)
    body = search_body()
    del body["location"]  # the organisation's location would be used
    for headers, organization_id in (
        (market.a.headers, market.b1.id),
        (market.a1.headers, market.a2.id),
        (market.a.headers, "org_missing"),
    ):
        response = await client.post(
            "/v1/matches/search", json={**body, "organization_id": organization_id}, headers=headers
        )
        assert_problem(response, 404)


async def test_search_naming_an_organisation_not_yours_is_404_even_with_a_location(
    client: httpx.AsyncClient, market: Market
) -> None:
    # As for POST /v1/requests: an organisation the key may not act for answers 404.
    await offer(client, market.a1)
    for headers, organization_id in (
        (market.a.headers, market.b1.id),
        (market.a1.headers, market.a2.id),
    ):
        response = await client.post(
            "/v1/matches/search",
            json=search_body(organization_id=organization_id),
            headers=headers,
        )
        assert_problem(response, 404)
