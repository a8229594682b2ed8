"""An organisation is never matched with itself, in either direction.

Engaging one's own offer is refused (422), so a match listing it would be a trap:
the matches of a request (stored or searched for an organisation) leave out that
organisation's offers, and the matches of an offer leave out its organisation's
requests. They are left out inside the search, so pages stay full and cursors
and ``has_more`` count only what may be shown.
"""

from __future__ import annotations

from typing import Any

import httpx

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


async def _pages(
    client: httpx.AsyncClient, url: str, headers: dict[str, str], **params: Any
) -> list[list[dict[str, Any]]]:
    """Every page of a ranking, one match per page, following the cursors."""
    pages: list[list[dict[str, Any]]] = []
    cursor: str | None = None
    while len(pages) < 20:
        query = {**params, "limit": 1, **({"cursor": cursor} if cursor else {})}
        response = await client.get(url, params=query, headers=headers)
        assert response.status_code == 200, response.text
        body = response.json()
        pages.append(body["data"])
        if not body["has_more"]:
            return pages
        cursor = body["next_cursor"]
    raise AssertionError("more pages than matches")


async def test_a_requests_matches_never_list_its_organisations_own_offers(
    client: httpx.AsyncClient, market: Market
) -> None:
    # a1's own offers are the nearest: they would rank first
    own_near = await offer(client, market.a1, location=ESSLINGEN)
    own_too = await offer(client, market.a1)
    sibling = await offer(client, market.a2)
    other = await offer(client, market.b1, location=MUNICH)
    wanted = await request(client, market.a1)

    body = await request_matches(client, wanted["id"], market.a.headers)
    assert offer_ids(body) == [sibling["id"], other["id"]]
    assert [item["rank"] for item in body["data"]] == [1, 2]
    # pages of one: every page full, has_more false on the last, ranks continue
    pages = await _pages(client, f"/v1/requests/{wanted['id']}/matches", market.a1.headers)
    assert [[item["offer"]["id"] for item in data] for data in pages] == [
        [sibling["id"]],
        [other["id"]],
    ]
    assert [data[0]["rank"] for data in pages] == [1, 2]

    # an own offer written after the index loaded (its delta) is left out too
    newer = await offer(client, market.a1, location=ESSLINGEN, as_org=True)
    assert offer_ids(await request_matches(client, wanted["id"], market.b.headers)) == [
        sibling["id"],
        other["id"],
    ]
    # another organisation's request ranks them all
    theirs = await request(client, market.a2)
    assert set(offer_ids(await request_matches(client, theirs["id"], market.a.headers))) == {
        own_near["id"],
        own_too["id"],
        newer["id"],
        other["id"],
    }


async def test_a_search_for_an_organisation_leaves_out_its_own_offers(
    client: httpx.AsyncClient, market: Market
) -> None:
    own = await offer(client, market.a1, location=ESSLINGEN)
    sibling = await offer(client, market.a2)
    everything = await search(client, market.a.headers, search_body())
    assert offer_ids(everything) == [own["id"], sibling["id"]]

    named = await search(client, market.a.headers, search_body(organization_id=market.a1.id))
    assert offer_ids(named) == [sibling["id"]]
    assert named["data"][0]["rank"] == 1
    # an organisation key searches for itself, with or without a location
    as_org = await search(client, market.a1.headers, search_body(), limit=1)
    assert offer_ids(as_org) == [sibling["id"]]
    assert as_org["has_more"] is False
    body = search_body()
    del body["location"]
    assert offer_ids(await search(client, market.a1.headers, body)) == [sibling["id"]]
    # the sibling's own key leaves out only its own
    assert offer_ids(await search(client, market.a2.headers, search_body())) == [own["id"]]


async def test_an_offers_matches_never_list_requests_of_its_own_organisation(
    client: httpx.AsyncClient, market: Market
) -> None:
    made = await offer(client, market.a1, location=ESSLINGEN)
    # a1's own requests are the nearest: they would rank first
    own_near = await request(client, market.a1, location=ESSLINGEN)
    await request(client, market.a1)
    sibling = await request(client, market.a2)
    other = await request(client, market.b1, location=MUNICH)

    for headers in (market.a.headers, market.a1.headers, market.a2.headers):
        body = await offer_matches(client, made["id"], headers)
        assert request_ids(body) == [sibling["id"], other["id"]]
        assert [item["rank"] for item in body["data"]] == [1, 2]
    pages = await _pages(client, f"/v1/offers/{made['id']}/matches", market.a.headers)
    assert [[item["request"]["id"] for item in data] for data in pages] == [
        [sibling["id"]],
        [other["id"]],
    ]
    assert [data[0]["rank"] for data in pages] == [1, 2]

    # a request written after the index loaded (its delta) is left out too
    await request(client, market.a1, location=ESSLINGEN, as_org=True)
    assert request_ids(await offer_matches(client, made["id"], market.b.headers)) == [
        sibling["id"],
        other["id"],
    ]
    # another organisation's offer ranks a1's requests
    theirs = await offer(client, market.a2, location=ESSLINGEN)
    assert own_near["id"] in request_ids(
        await offer_matches(client, theirs["id"], market.a.headers)
    )


async def test_engaging_what_matches_leave_out_is_refused(
    client: httpx.AsyncClient, market: Market
) -> None:
    """Why the rule exists: the engagement a listed own offer invites is refused."""
    own = await offer(client, market.a1)
    wanted = await request(client, market.a1)
    assert offer_ids(await request_matches(client, wanted["id"], market.a.headers)) == []
    assert request_ids(await offer_matches(client, own["id"], market.a.headers)) == []
    response = await client.post(
        f"/v1/requests/{wanted['id']}/engagements",
        json={"offer_id": own["id"], "quantity": 1000},
        headers=market.a.headers,
    )
    assert response.status_code == 422, response.text
