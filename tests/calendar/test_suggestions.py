"""Upcoming events suggested for a request or an offer by their topics."""

from __future__ import annotations

import httpx

from tests.calendar.support import post_event
from tests.fixtures.assertions import assert_invalid
from tests.fixtures.factories import Market, make_offer, make_request
from tests.fixtures.tenancy import assert_hidden


async def test_a_request_gets_events_on_what_it_needs(
    client: httpx.AsyncClient, market: Market
) -> None:
    request = await make_request(
        client, market.a1, skills=["textile.sewing"], products=["mask.surgical"]
    )
    exact = await post_event(
        client,
        market.b1,
        topics=["mask.surgical"],
        starts_at="2027-02-01T10:00:00+01:00",
        ends_at="2027-02-01T11:00:00+01:00",
    )
    broader = await post_event(
        client,
        market.a2,
        topics=["mask"],
        starts_at="2027-01-10T10:00:00+01:00",
        ends_at="2027-01-10T11:00:00+01:00",
    )
    sooner_exact = await post_event(
        client,
        market.a2,
        topics=["textile.sewing"],
        starts_at="2027-01-05T10:00:00+01:00",
        ends_at="2027-01-05T11:00:00+01:00",
    )
    sibling = await post_event(client, market.a2, topics=["textile.knitting"])
    hidden = await post_event(client, market.b1, topics=["mask.surgical"], visibility="network")
    cancelled = await post_event(client, market.a2, topics=["mask.surgical"])
    await client.delete(f"/v1/calendar-events/{cancelled['id']}", headers=market.a.headers)
    past = await post_event(
        client,
        market.a2,
        topics=["mask.surgical"],
        starts_at="2020-03-01T10:00:00+01:00",
        ends_at="2020-03-01T11:00:00+01:00",
    )

    response = await client.get(f"/v1/requests/{request['id']}/events", headers=market.a.headers)
    assert response.status_code == 200, response.text
    page = response.json()
    ids = [item["event"]["id"] for item in page["data"]]
    assert ids == [sooner_exact["id"], exact["id"], broader["id"]]
    assert [item["relevance"] for item in page["data"]] == [1.0, 1.0, 0.5]
    assert page["data"][2]["matched_topics"] == ["mask"]
    assert not {sibling["id"], hidden["id"], cancelled["id"], past["id"]} & set(ids)
    assert page["has_more"] is False

    first = await client.get(
        f"/v1/requests/{request['id']}/events", params={"limit": 1}, headers=market.a.headers
    )
    assert [item["event"]["id"] for item in first.json()["data"]] == [sooner_exact["id"]]
    assert first.json()["has_more"] is True
    assert_invalid(
        await client.get(
            f"/v1/requests/{request['id']}/events", params={"limit": 0}, headers=market.a.headers
        ),
        "limit",
    )


async def test_an_offer_gets_events_on_what_it_makes(
    client: httpx.AsyncClient, market: Market
) -> None:
    offer = await make_offer(client, market.b1, skills=["textile.sewing"], products=[])
    narrower = await post_event(client, market.a1, topics=["textile.sewing.medical"])
    response = await client.get(f"/v1/offers/{offer['id']}/events", headers=market.b.headers)
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert [item["event"]["id"] for item in data] == [narrower["id"]]
    assert 0 < data[0]["relevance"] < 1


async def test_what_the_caller_may_not_see_is_404(
    client: httpx.AsyncClient, market: Market
) -> None:
    request = await make_request(client, market.b1, visibility="network")
    offer = await make_offer(client, market.b1, visibility="network")
    assert_hidden(
        await client.get(f"/v1/requests/{request['id']}/events", headers=market.a.headers)
    )
    assert_hidden(await client.get(f"/v1/offers/{offer['id']}/events", headers=market.a1.headers))
    assert_hidden(await client.get("/v1/requests/req_none/events", headers=market.a.headers))
