"""match.found and demand.found: both directions, visibility, thresholds, once per pair."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.alerts.support import alerts_written, criteria, settle
from tests.fixtures.factories import Market, make_offer, make_request, request_body


async def _only_entry(client: httpx.AsyncClient, url: str, headers: dict[str, str]) -> Any:
    response = await client.get(url, headers=headers)
    assert response.status_code == 200, response.text
    [entry] = response.json()["data"]
    return entry


async def test_a_new_offer_tells_the_request_owner_once(
    app: FastAPI, client: httpx.AsyncClient, market: Market
) -> None:
    await settle(app)  # the worker's index is loaded: what follows is news
    request = await make_request(client, market.a1)
    assert await settle(app) == 0  # no offer yet
    offer = await make_offer(client, market.b1)
    assert await settle(app) == 1

    [event] = await alerts_written(app.state.database.sessionmaker)
    assert event.type == "match.found"
    assert (event.partner_id, event.organization_id) == (market.a.id, market.a1.id)
    assert event.actor == {"kind": "system", "key_id": None}
    shown = await _only_entry(client, f"/v1/requests/{request['id']}/matches", market.a.headers)
    assert event.data["object"] == {
        "request_id": request["id"],
        "offer_id": offer["id"],
        "match": shown,
    }

    # However often the offer or the request changes afterwards: no second alert.
    patched = await client.patch(
        f"/v1/offers/{offer['id']}", json={"title": "Two lines"}, headers=market.b.headers
    )
    assert patched.status_code == 200, patched.text
    patched = await client.patch(
        f"/v1/requests/{request['id']}", json={"quantity": 15000}, headers=market.a.headers
    )
    assert patched.status_code == 200, patched.text
    assert await settle(app) == 0
    assert len(await alerts_written(app.state.database.sessionmaker)) == 1


async def test_a_new_request_tells_the_offer_owner(
    app: FastAPI, client: httpx.AsyncClient, market: Market
) -> None:
    await settle(app)
    offer = await make_offer(client, market.b1)
    assert await settle(app) == 0  # no request yet
    request = await make_request(client, market.a1)
    assert await settle(app) == 1

    [event] = await alerts_written(app.state.database.sessionmaker)
    assert event.type == "demand.found"
    assert (event.partner_id, event.organization_id) == (market.b.id, market.b1.id)
    shown = await _only_entry(client, f"/v1/offers/{offer['id']}/matches", market.b.headers)
    read = await client.get(f"/v1/requests/{request['id']}", headers=market.b.headers)
    assert event.data["object"] == {
        "offer_id": offer["id"],
        "request": read.json(),
        "match": shown,
    }


async def test_an_offer_that_becomes_active_is_news(
    app: FastAPI, client: httpx.AsyncClient, market: Market
) -> None:
    await settle(app)
    await make_request(client, market.a1)
    offer = await make_offer(client, market.b1, status="draft")
    assert await settle(app) == 0
    activated = await client.patch(
        f"/v1/offers/{offer['id']}", json={"status": "active"}, headers=market.b.headers
    )
    assert activated.status_code == 200, activated.text
    assert await settle(app) == 1
    [event] = await alerts_written(app.state.database.sessionmaker)
    assert event.data["object"]["offer_id"] == offer["id"]


async def test_a_network_offer_never_reaches_another_partner(
    app: FastAPI, client: httpx.AsyncClient, market: Market
) -> None:
    await settle(app)
    await make_request(client, market.a1)  # partner a
    same_network = await make_request(client, market.b2)  # partner b
    offer = await make_offer(client, market.b1, visibility="network")
    assert await settle(app) == 1
    [event] = await alerts_written(app.state.database.sessionmaker)
    # Only b's own member hears of it; a's request never sees the offer.
    assert (event.type, event.partner_id, event.organization_id) == (
        "match.found",
        market.b.id,
        market.b2.id,
    )
    assert event.data["object"]["request_id"] == same_network["id"]
    assert event.data["object"]["offer_id"] == offer["id"]


async def test_a_network_request_never_reaches_another_partner(
    app: FastAPI, client: httpx.AsyncClient, market: Market
) -> None:
    await settle(app)
    await make_offer(client, market.b1)  # partner b
    own_network = await make_offer(client, market.a2)  # partner a
    assert await settle(app) == 0
    request = await make_request(client, market.a1, visibility="network")
    assert await settle(app) == 1
    [event] = await alerts_written(app.state.database.sessionmaker)
    assert (event.type, event.partner_id, event.organization_id) == (
        "demand.found",
        market.a.id,
        market.a2.id,
    )
    assert event.data["object"]["offer_id"] == own_network["id"]
    assert event.data["object"]["request"]["id"] == request["id"]


async def test_an_organisation_is_never_alerted_about_itself(
    app: FastAPI, client: httpx.AsyncClient, market: Market
) -> None:
    await settle(app)
    await make_request(client, market.a1)
    await make_offer(client, market.a1)
    assert await settle(app) == 0
    assert await alerts_written(app.state.database.sessionmaker) == []


async def test_alerts_start_at_the_request_alert_min_score(
    app: FastAPI, client: httpx.AsyncClient, market: Market
) -> None:
    await settle(app)
    demanding = await make_request(client, market.a1, alert_min_score=1.0)
    easy = await make_request(client, market.a2, alert_min_score=0.0)
    offer = await make_offer(client, market.b1)
    assert await settle(app) == 1
    [event] = await alerts_written(app.state.database.sessionmaker)
    assert event.data["object"]["request_id"] == easy["id"]
    # The demanding request does match, below its threshold.
    score = (
        await _only_entry(client, f"/v1/requests/{demanding['id']}/matches", market.a.headers)
    )["score"]
    assert 0 < score < 1
    assert event.data["object"]["offer_id"] == offer["id"]


async def test_demand_found_starts_at_the_request_alert_min_score(
    app: FastAPI, client: httpx.AsyncClient, market: Market
) -> None:
    await settle(app)
    await make_offer(client, market.b1)
    await make_request(client, market.a1, alert_min_score=1.0)
    assert await settle(app) == 0


async def test_a_saved_search_hears_of_new_offers_from_its_min_score(
    app: FastAPI, client: httpx.AsyncClient, market: Market
) -> None:
    await settle(app)
    wanted = criteria(request_body(None))
    created = []
    for org, min_score in ((market.a1, 0.3), (market.a2, 1.0)):
        response = await client.post(
            "/v1/saved-searches",
            json={"name": "Masks", "criteria": wanted, "min_score": min_score},
            headers=org.headers,
        )
        assert response.status_code == 201, response.text
        created.append(response.json())
    offer = await make_offer(client, market.b1)
    network = await make_offer(client, market.b2, visibility="network")
    assert await settle(app) == 1
    [event] = await alerts_written(app.state.database.sessionmaker)
    saved = created[0]
    assert (event.type, event.partner_id, event.organization_id) == (
        "match.found",
        market.a.id,
        market.a1.id,
    )
    response = await client.get(
        f"/v1/saved-searches/{saved['id']}/matches", headers=market.a1.headers
    )
    [shown] = response.json()["data"]  # the network offer of b is not shown to a either
    assert shown["offer"]["id"] != network["id"]
    assert event.data["object"] == {
        "saved_search_id": saved["id"],
        "offer_id": offer["id"],
        "match": shown,
    }


async def test_changes_before_a_new_base_are_still_news(
    app: FastAPI, client: httpx.AsyncClient, market: Market, monkeypatch: pytest.MonkeyPatch
) -> None:
    await settle(app)
    await make_request(client, market.a1)
    await make_offer(client, market.b1)
    # Many changes since the base: the next call loads a new one, which holds the offer
    # already; the feed applies (and hands over) what the log holds before it does.
    feed = app.state.match_feed
    monkeypatch.setattr(type(feed.index), "needs_rebuild", property(lambda _: True))
    assert await settle(app) == 1
