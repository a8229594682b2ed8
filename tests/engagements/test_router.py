"""Engagements over HTTP: lifecycle, capacity accounting, privacy, tenancy, messages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.engagements.releases import expire_lapsed_holds
from app.models import Engagement, Offer
from tests.engagements.support import (
    TOTAL,
    act,
    acted,
    engage,
    engaged,
    make_deal,
    offer_counts,
)
from tests.fixtures.assertions import assert_invalid, assert_problem
from tests.fixtures.factories import (
    Market,
    make_offer,
    make_organization,
    make_partner,
    make_request,
)


def parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


async def test_a_hold_is_pending_for_72_hours_and_takes_capacity(
    client: httpx.AsyncClient, market: Market
) -> None:
    deal = await make_deal(client, market)
    before = datetime.now(UTC)
    body = await engaged(client, deal, 300, message="Can you start in December?")

    assert body["status"] == "pending"
    assert body["quantity"] == 300
    assert (body["request_id"], body["offer_id"]) == (deal.request["id"], deal.offer["id"])
    assert body["your_sides"] == ["buyer"]
    expires = parse_time(body["expires_at"])
    assert before + timedelta(hours=72) <= expires <= datetime.now(UTC) + timedelta(hours=72)
    assert [(e["from_status"], e["to_status"], e["actor"]) for e in body["history"]] == [
        (None, "pending", "buyer")
    ]
    assert await offer_counts(client, deal.offer["id"], deal.seller) == (0, 300, TOTAL - 300)


async def test_a_hold_without_a_message_shows_its_history_at_once(
    client: httpx.AsyncClient, market: Market
) -> None:
    """Nothing but the hold itself sends the history row before the answer reads it."""
    deal = await make_deal(client, market)
    body = await engaged(client, deal, 300)
    assert [(e["from_status"], e["to_status"], e["actor"]) for e in body["history"]] == [
        (None, "pending", "buyer")
    ]


async def test_accept_reserves_and_fulfil_keeps_the_reservation(
    client: httpx.AsyncClient, market: Market
) -> None:
    deal = await make_deal(client, market)
    engagement = await engaged(client, deal, 300)

    accepted = await acted(client, engagement["id"], "accept", deal.seller)
    assert accepted["status"] == "accepted"
    assert accepted["accepted_at"] is not None
    assert accepted["expires_at"] is None  # no hold left to lapse
    assert accepted["your_sides"] == ["seller"]
    assert await offer_counts(client, deal.offer["id"], deal.seller) == (300, 0, TOTAL - 300)

    fulfilled = await acted(client, engagement["id"], "fulfil", deal.buyer)
    assert fulfilled["status"] == "fulfilled"
    assert fulfilled["closed_at"] is not None
    assert await offer_counts(client, deal.offer["id"], deal.seller) == (300, 0, TOTAL - 300)
    assert [(e["from_status"], e["to_status"], e["actor"]) for e in fulfilled["history"]] == [
        (None, "pending", "buyer"),
        ("pending", "accepted", "seller"),
        ("accepted", "fulfilled", "buyer"),
    ]


async def test_decline_and_cancel_give_the_units_back(
    client: httpx.AsyncClient, market: Market
) -> None:
    deal = await make_deal(client, market)
    declined = await engaged(client, deal, 100)
    withdrawn = await engaged(client, deal, 150)
    called_off = await engaged(client, deal, 200)
    assert await offer_counts(client, deal.offer["id"], deal.seller) == (0, 450, TOTAL - 450)

    body = (await act(client, declined["id"], "decline", deal.seller, note="line is full")).json()
    assert (body["status"], body["expires_at"]) == ("declined", None)
    assert body["history"][-1]["note"] == "line is full"
    await acted(client, withdrawn["id"], "cancel", deal.buyer)
    await acted(client, called_off["id"], "accept", deal.seller)
    assert await offer_counts(client, deal.offer["id"], deal.seller) == (200, 0, TOTAL - 200)
    await acted(client, called_off["id"], "cancel", deal.seller)  # either side, once accepted
    assert await offer_counts(client, deal.offer["id"], deal.seller) == (0, 0, TOTAL)


async def test_transitions_the_lifecycle_does_not_allow_are_409(
    client: httpx.AsyncClient, market: Market
) -> None:
    deal = await make_deal(client, market)
    engagement = await engaged(client, deal, 100)
    url_id = engagement["id"]

    assert_problem(await act(client, url_id, "accept", deal.buyer), 409)  # buyer cannot accept
    assert_problem(await act(client, url_id, "decline", deal.buyer), 409)
    assert_problem(await act(client, url_id, "cancel", deal.seller), 409)  # not while pending
    assert_problem(await act(client, url_id, "fulfil", deal.seller), 409)  # not accepted yet
    await acted(client, url_id, "decline", deal.seller)
    for action, headers in (("accept", deal.seller), ("cancel", deal.buyer)):
        problem = assert_problem(await act(client, url_id, action, headers), 409)
        assert "declined" in problem["detail"]
    assert await offer_counts(client, deal.offer["id"], deal.seller) == (0, 0, TOTAL)


async def test_accept_is_safe_to_retry_and_idempotency_keys_replay(
    client: httpx.AsyncClient, market: Market
) -> None:
    deal = await make_deal(client, market)
    headers = {**deal.buyer, "Idempotency-Key": "hold-1"}
    first = await engage(client, deal.request["id"], deal.offer["id"], 100, headers)
    again = await engage(client, deal.request["id"], deal.offer["id"], 100, headers)
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    engagement_id = first.json()["id"]

    once = await acted(client, engagement_id, "accept", deal.seller)
    twice = await acted(client, engagement_id, "accept", deal.seller)
    assert once["status"] == twice["status"] == "accepted"
    assert len(twice["history"]) == 2
    keyed = {**deal.seller, "Idempotency-Key": "accept-1"}
    assert (await act(client, engagement_id, "accept", keyed)).status_code == 200
    assert await offer_counts(client, deal.offer["id"], deal.seller) == (100, 0, TOTAL - 100)


async def test_decline_and_cancel_replay_under_an_idempotency_key(
    client: httpx.AsyncClient, market: Market
) -> None:
    deal = await make_deal(client, market)
    declined = (await engaged(client, deal, 100))["id"]
    cancelled = (await engaged(client, deal, 200))["id"]
    for engagement_id, action, side in (
        (declined, "decline", deal.seller),
        (cancelled, "cancel", deal.buyer),
    ):
        keyed = {**side, "Idempotency-Key": f"{action}-1"}
        first = await act(client, engagement_id, action, keyed, note="not now")
        again = await act(client, engagement_id, action, keyed, note="not now")
        assert first.status_code == again.status_code == 200, again.text
        assert again.json() == first.json()
        assert again.headers.get("idempotent-replayed") == "true"
        assert len(again.json()["history"]) == 2  # created, then one answer
    assert await offer_counts(client, deal.offer["id"], deal.seller) == (0, 0, TOTAL)


async def test_a_hold_larger_than_what_is_left_is_409(
    client: httpx.AsyncClient, market: Market
) -> None:
    deal = await make_deal(client, market)
    other_buyer = await make_request(client, market.b2, quantity=TOTAL)
    await engaged(client, deal, 450)
    taken = await engage(client, other_buyer["id"], deal.offer["id"], 450, deal.buyer)
    assert taken.status_code == 201, taken.text

    refused = await engage(client, other_buyer["id"], deal.offer["id"], 101, deal.buyer)
    problem = assert_problem(refused, 409)
    assert [error["field"] for error in problem["errors"]] == ["quantity"]
    assert "100 units left" in problem["detail"]
    third_buyer = await make_request(client, await make_organization(client, market.b))
    assert (await engage(client, third_buyer["id"], deal.offer["id"], 100, deal.buyer)).is_success
    assert await offer_counts(client, deal.offer["id"], deal.seller) == (0, TOTAL, 0)
    assert_problem(await engage(client, third_buyer["id"], deal.offer["id"], 1, deal.buyer), 409)


async def test_one_buyers_pending_holds_are_capped_at_half_the_offer(
    client: httpx.AsyncClient, market: Market
) -> None:
    deal = await make_deal(client, market)
    first = await engaged(client, deal, 400)
    capped = await engage(client, deal.request["id"], deal.offer["id"], 101, deal.buyer)
    problem = assert_problem(capped, 409)
    assert "500 units" in problem["detail"]
    assert (await engage(client, deal.request["id"], deal.offer["id"], 100, deal.buyer)).is_success

    # Another buyer is not held back, and an accepted hold no longer counts as pending.
    other = await make_request(client, market.b2, quantity=TOTAL)
    assert (await engage(client, other["id"], deal.offer["id"], 300, deal.buyer)).is_success
    await acted(client, first["id"], "accept", deal.seller)
    assert (await engage(client, deal.request["id"], deal.offer["id"], 100, deal.buyer)).is_success


async def test_bad_holds_are_refused_with_the_field_named(
    client: httpx.AsyncClient, market: Market
) -> None:
    deal = await make_deal(client, market)
    request_id, offer_id = deal.request["id"], deal.offer["id"]
    assert_invalid(await engage(client, request_id, offer_id, 0, deal.buyer), "quantity")
    assert_invalid(
        await client.post(
            f"/v1/requests/{request_id}/engagements",
            json={"offer_id": offer_id, "quantity": 5, "reserved": 1},
            headers=deal.buyer,
        ),
        "reserved",
    )
    assert_problem(await engage(client, request_id, "off_missing", 5, deal.buyer), 404)
    assert_problem(await engage(client, "req_missing", offer_id, 5, deal.buyer), 404)
    # Only the request's owner engages for it; the maker cannot engage its own offer.
    assert_problem(await engage(client, request_id, offer_id, 5, deal.seller), 404)
    own = await make_request(client, market.a1)
    assert_invalid(await engage(client, own["id"], offer_id, 5, deal.seller), "offer_id")
    kg = await make_request(client, market.b1, unit="kg")
    assert_invalid(await engage(client, kg["id"], offer_id, 5, deal.buyer), "offer_id")
    big_moq = await make_offer(client, market.a1, min_order_quantity=500)
    assert_invalid(await engage(client, request_id, big_moq["id"], 5, deal.buyer), "quantity")
    paused = await client.patch(
        f"/v1/offers/{offer_id}", json={"status": "paused"}, headers=deal.seller
    )
    assert paused.status_code == 200, paused.text
    assert_problem(await engage(client, request_id, offer_id, 5, deal.buyer), 409)


async def test_capacity_cannot_be_cut_below_what_is_booked(
    client: httpx.AsyncClient, market: Market
) -> None:
    deal = await make_deal(client, market)
    await engaged(client, deal, 400)
    cut = await client.patch(
        f"/v1/offers/{deal.offer['id']}",
        json={"capacity": {"unit": "pieces", "per_week": 5000, "total": 399}},
        headers=deal.seller,
    )
    problem = assert_problem(cut, 409)
    assert [error["field"] for error in problem["errors"]] == ["capacity"]
    enough = await client.patch(
        f"/v1/offers/{deal.offer['id']}",
        json={"capacity": {"unit": "pieces", "per_week": 5000, "total": 400}},
        headers=deal.seller,
    )
    assert enough.status_code == 200, enough.text
    assert enough.json()["remaining_quantity"] == 0


async def test_contacts_are_shown_to_the_other_side_only_once_accepted(
    client: httpx.AsyncClient, market: Market
) -> None:
    deal = await make_deal(client, market)
    engagement = await engaged(client, deal, 100)
    url = f"/v1/engagements/{engagement['id']}"

    assert engagement["buyer"]["contact"] is not None  # one's own side
    assert engagement["seller"]["contact"] is None
    seen_by_seller = (await client.get(url, headers=deal.seller)).json()
    assert seen_by_seller["buyer"]["contact"] is None
    assert seen_by_seller["seller"]["contact"] is not None
    # Before accept: name, region and certifications only.
    assert seen_by_seller["buyer"]["name"]
    assert "region" in seen_by_seller["buyer"]
    assert seen_by_seller["buyer"]["certifications"] == ["en-14683", "iso-13485"]

    await acted(client, engagement["id"], "accept", deal.seller)
    for headers, other in ((deal.buyer, "seller"), (deal.seller, "buyer")):
        contact = (await client.get(url, headers=headers)).json()[other]["contact"]
        assert contact == {"name": "A. Muster", "email": "a@example.org", "phone": "+49 7121 0"}


async def test_a_third_partner_sees_nothing_of_the_engagement(
    client: httpx.AsyncClient, market: Market
) -> None:
    deal = await make_deal(client, market)
    engagement = await engaged(client, deal, 100, message="hello")
    outsider = await make_partner(client)
    url = f"/v1/engagements/{engagement['id']}"

    listed = await client.get("/v1/engagements", headers=outsider.headers)
    assert listed.json()["data"] == []
    assert_problem(await client.get(url, headers=outsider.headers), 404)
    assert_problem(await client.get(f"{url}/messages", headers=outsider.headers), 404)
    for action in ("accept", "decline", "cancel", "fulfil"):
        assert_problem(await act(client, engagement["id"], action, outsider.headers), 404)
    posted = await client.post(f"{url}/messages", json={"text": "hi"}, headers=outsider.headers)
    assert_problem(posted, 404)
    # A sibling organisation of the seller's partner is no party either.
    assert_problem(await client.get(url, headers=market.a2.headers), 404)
    assert (await client.get(url, headers=market.a1.headers)).status_code == 200
    assert (await client.get(url, headers=deal.seller)).json()["status"] == "pending"


async def test_both_sides_write_to_the_message_thread(
    client: httpx.AsyncClient, market: Market
) -> None:
    deal = await make_deal(client, market)
    engagement = await engaged(client, deal, 100, message="Can you start in December?")
    url = f"/v1/engagements/{engagement['id']}/messages"
    reply = await client.post(url, json={"text": "Yes, week 49."}, headers=market.a1.headers)
    assert reply.status_code == 201, reply.text
    assert reply.json()["author_side"] == "seller"
    assert reply.json()["author_organization_id"] == market.a1.id

    thread = (await client.get(url, headers=deal.buyer)).json()
    assert [(m["author_side"], m["text"]) for m in thread["data"]] == [
        ("seller", "Yes, week 49."),
        ("buyer", "Can you start in December?"),
    ]
    assert_invalid(await client.post(url, json={"text": ""}, headers=deal.buyer), "text")


async def test_the_list_shows_what_the_caller_is_party_to_with_filters(
    client: httpx.AsyncClient, market: Market
) -> None:
    deal = await make_deal(client, market)
    pending = await engaged(client, deal, 100)
    accepted = await engaged(client, deal, 200)
    await acted(client, accepted["id"], "accept", deal.seller)
    # Partner a also buys from partner b.
    b_offer = await make_offer(client, market.b2, min_order_quantity=1)
    a_request = await make_request(client, market.a2)
    bought = await engage(client, a_request["id"], b_offer["id"], 50, market.a.headers)
    assert bought.status_code == 201, bought.text

    async def listed(headers: dict[str, str], **params: str | list[str]) -> list[str]:
        response = await client.get("/v1/engagements", params=params, headers=headers)
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()["data"]]

    everything = [bought.json()["id"], accepted["id"], pending["id"]]
    assert await listed(deal.seller) == everything  # newest first
    assert await listed(deal.seller, role="seller") == [accepted["id"], pending["id"]]
    assert await listed(deal.seller, role="buyer") == [bought.json()["id"]]
    assert await listed(deal.seller, status="accepted") == [accepted["id"]]
    assert await listed(deal.seller, status=["pending", "accepted"]) == everything
    assert await listed(deal.buyer, request_id=deal.request["id"]) == [
        accepted["id"],
        pending["id"],
    ]
    assert await listed(deal.buyer, offer_id=b_offer["id"]) == [bought.json()["id"]]
    assert await listed(market.b1.headers) == [accepted["id"], pending["id"]]
    first_page = await client.get("/v1/engagements", params={"limit": 2}, headers=deal.seller)
    assert first_page.json()["has_more"] is True
    rest = await client.get(
        "/v1/engagements",
        params={"limit": 2, "cursor": first_page.json()["next_cursor"]},
        headers=deal.seller,
    )
    assert [item["id"] for item in rest.json()["data"]] == [pending["id"]]
    assert_invalid(
        await client.get("/v1/engagements", params={"status": "done"}, headers=deal.seller),
        "status[0]",
    )


async def test_a_request_reads_fulfilled_while_accepted_holds_cover_it(
    client: httpx.AsyncClient, market: Market
) -> None:
    deal = await make_deal(client, market, wanted=1000)
    second_offer = await make_offer(client, market.a2, min_order_quantity=1)
    request_url = f"/v1/requests/{deal.request['id']}"
    first = await engaged(client, deal, 500)
    split = await engage(client, deal.request["id"], second_offer["id"], 500, deal.buyer)
    assert split.status_code == 201, split.text

    await acted(client, first["id"], "accept", deal.seller)
    assert (await client.get(request_url, headers=deal.buyer)).json()["status"] == "open"
    await acted(client, split.json()["id"], "accept", deal.seller)
    assert (await client.get(request_url, headers=deal.buyer)).json()["status"] == "fulfilled"
    await acted(client, first["id"], "cancel", deal.buyer)
    assert (await client.get(request_url, headers=deal.buyer)).json()["status"] == "open"


async def test_a_lapsed_hold_frees_its_units_on_read_and_in_the_sweep(
    client: httpx.AsyncClient,
    market: Market,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    deal = await make_deal(client, market)
    lapsing = await engaged(client, deal, 300)
    await engaged(client, deal, 100)
    async with session_factory() as session, session.begin():
        await session.execute(
            update(Engagement)
            .where(Engagement.id == lapsing["id"])
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )

    # Lazy on read: nobody has swept yet, but reads already count it free.
    assert await offer_counts(client, deal.offer["id"], deal.seller) == (0, 100, TOTAL - 100)
    url = f"/v1/engagements/{lapsing['id']}"
    read = (await client.get(url, headers=deal.buyer)).json()
    assert (read["status"], read["expires_at"]) == ("expired", None)
    assert_problem(await act(client, lapsing["id"], "accept", deal.seller), 409)
    listed = await client.get("/v1/engagements", params={"status": "expired"}, headers=deal.buyer)
    assert [item["id"] for item in listed.json()["data"]] == [lapsing["id"]]

    async with session_factory() as session, session.begin():
        # The refused accept expired it too, but a refused call writes nothing: the
        # sweep does it.
        assert await expire_lapsed_holds(session) == 1
        stored = await session.get(Offer, deal.offer["id"])
        assert stored is not None
        assert (stored.reserved_quantity, stored.held_quantity) == (0, 100)
    history = (await client.get(url, headers=deal.buyer)).json()["history"]
    assert [(e["to_status"], e["actor"]) for e in history] == [
        ("pending", "buyer"),
        ("expired", "system"),
    ]


async def test_the_sweep_expires_lapsed_holds_of_every_offer(
    client: httpx.AsyncClient,
    market: Market,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    deal = await make_deal(client, market)
    other = await make_offer(
        client,
        market.a2,
        capacity={"unit": "pieces", "per_week": 10, "total": 50},
        min_order_quantity=1,
    )
    on_first = await engaged(client, deal, 300)
    on_other = await engage(client, deal.request["id"], other["id"], 20, deal.buyer)
    assert on_other.status_code == 201, on_other.text
    async with session_factory() as session, session.begin():
        await session.execute(
            update(Engagement).values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
        assert await expire_lapsed_holds(session) == 2
        for offer_id in (deal.offer["id"], other["id"]):
            stored = await session.get(Offer, offer_id)
            assert stored is not None
            assert stored.held_quantity == 0
    swept = await client.get(f"/v1/engagements/{on_first['id']}", headers=deal.buyer)
    assert swept.json()["closed_at"] is not None


async def test_matches_rank_what_is_left_after_holds(
    client: httpx.AsyncClient, market: Market
) -> None:
    deal = await make_deal(client, market, wanted=1000)
    url = f"/v1/requests/{deal.request['id']}/matches"

    async def deliverable() -> list[int]:
        response = await client.get(url, headers=deal.buyer)
        assert response.status_code == 200, response.text
        return [item["deliverable_quantity"] for item in response.json()["data"]]

    assert await deliverable() == [1000]
    other = await make_request(client, market.b2, quantity=TOTAL)
    hold = await engage(client, other["id"], deal.offer["id"], 400, deal.buyer)
    assert hold.status_code == 201, hold.text
    assert await deliverable() == [600]
    accepted = await acted(client, hold.json()["id"], "accept", deal.seller)
    assert accepted["status"] == "accepted"
    assert await deliverable() == [600]
    await engaged(client, deal, 500)
    rest = await engage(client, other["id"], deal.offer["id"], 100, deal.buyer)
    assert rest.status_code == 201, rest.text
    assert await deliverable() == []  # fully booked: no longer a match


async def test_an_organisation_key_acts_for_its_own_side_only(
    client: httpx.AsyncClient, market: Market
) -> None:
    deal = await make_deal(client, market)
    as_buyer_org = await engage(
        client, deal.request["id"], deal.offer["id"], 100, market.b1.headers
    )
    assert as_buyer_org.status_code == 201, as_buyer_org.text
    engagement_id = as_buyer_org.json()["id"]
    other_org = await make_organization(client, market.b)
    assert_problem(await act(client, engagement_id, "cancel", other_org.headers), 404)
    assert_problem(await act(client, engagement_id, "accept", market.b1.headers), 409)
    assert (await act(client, engagement_id, "accept", market.a1.headers)).status_code == 200
