"""A hypothesis state machine over the life of engagements, offers and requests together.

It drives the HTTP API and keeps its own model of every engagement, offer and request:
holds created on open requests and active offers (now and then on any, with any
quantity), answered by the side that may (now and then by one that may not), lapsing
and swept; offers paused, set back to draft, resumed and closed, requests cancelled and
marked fulfilled, new ones posted while fewer than two could take a hold. Every call
must answer as the model predicts (201/200, 404 for a draft, 409), and after every step:

- every offer reads remaining == total - accepted - live pending, its held units are
  exactly its live pending engagements, and one that is not active holds nothing (3);
- every engagement's stored status is the model's, and each request's live pending +
  accepted + fulfilled units stay within its quantity (rule 1).

Rules mostly pick live holds to act on, so runs go deep: the test fails when fewer than
``MIN_SHARE_ACTING`` of the steps created, moved or released a hold (``Depth``; about
two thirds do). Hypothesis runs in a worker thread; each HTTP call is handed to the
test's event loop, where the app and its database connection live.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

import httpx
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.engagements.releases import expire_lapsed_holds
from app.models import Engagement
from tests.engagements.support import act, engage, lapse
from tests.fixtures.factories import Market, OrgCtx, make_offer, make_request

T = TypeVar("T")
TOTAL = 1000  # units of every offer
FAIR_SHARE = TOTAL // 2  # the default engagement_hold_share of 0.5
WANTED = 700  # units of every request: two offers' fair shares are more, so rule 1 binds
MAX_OPEN = 2  # offers (and requests) that could take a hold; with fewer, new ones come
# About two thirds act on an idle machine; on a loaded one holds expire between steps and
# a run measured 0.497: the guard is against shallow runs, not a tight figure.
MIN_SHARE_ACTING = 0.4
# Written out here, not imported: the model must not share the code under test.
MAY = {
    ("accept", "pending"): {"seller"},
    ("decline", "pending"): {"seller"},
    ("cancel", "pending"): {"buyer"},
    ("cancel", "accepted"): {"buyer", "seller"},
    ("fulfil", "accepted"): {"buyer", "seller"},
}
TARGET = {"accept": "accepted", "decline": "declined", "cancel": "cancelled", "fulfil": "fulfilled"}
ENGAGED = ("pending", "accepted", "fulfilled")
# Mostly the usual move, one time in five an odd one (hypothesis biases integer draws
# towards their bounds; a sampled list draws its items about evenly).
USUALLY = st.sampled_from([True, True, True, True, False])
ANSWERS = [(action, side) for action in sorted(TARGET) for side in ("buyer", "seller")]


@dataclass
class Tracked:
    id: str
    offer: int
    request: int
    quantity: int
    status: str


@dataclass
class Listing:
    """An offer or a request as the model sees it."""

    id: str
    status: str
    organization: str


def expected_answer(engagement: Tracked, action: str, side: str) -> tuple[int, str]:
    """(HTTP status, engagement status afterwards) the model predicts."""
    target = TARGET[action]
    if engagement.status == target:
        retry_sides = set().union(*(s for (a, _), s in MAY.items() if a == action))
        return (200, target) if side in retry_sides else (409, target)
    if side in MAY.get((action, engagement.status), set()):
        return 200, target
    return 409, engagement.status


class Depth(Counter[str]):
    """How deep runs get: steps taken, and those that acted on a live hold."""

    def step(self, name: str, *, acted: bool) -> None:
        self["steps"] += 1
        self[name] += 1
        if acted:
            self["acted"] += 1

    @property
    def share_acting(self) -> float:
        return self["acted"] / max(1, self["steps"])


async def test_capacity_and_quantity_hold_in_every_sequence(
    client: httpx.AsyncClient,
    market: Market,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    loop = asyncio.get_running_loop()
    depth = Depth()

    def call(coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, loop).result(timeout=60)

    headers = {"seller": market.a.headers, "buyer": market.b.headers}
    makers, buyers = [market.a1, market.a2], [market.b1, market.b2]

    class Lifecycles(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.tracked: dict[str, Tracked] = {}
            self.offers: list[Listing] = []
            self.requests: list[Listing] = []
            self.unswept: set[str] = set()  # lapsed holds no sweep has seen yet

        # --- the market -----------------------------------------------------------

        def post_offer(self) -> None:
            maker = makers[len(self.offers) % len(makers)]
            body = call(
                make_offer(
                    client,
                    maker,
                    capacity={"unit": "pieces", "per_week": 5000, "total": TOTAL},
                    min_order_quantity=1,
                )
            )
            self.offers.append(Listing(body["id"], "active", maker.id))

        def post_request(self) -> None:
            buyer: OrgCtx = buyers[len(self.requests) % len(buyers)]
            body = call(make_request(client, buyer, quantity=WANTED))
            self.requests.append(Listing(body["id"], "open", buyer.id))

        @initialize()
        def two_offers_and_two_requests(self) -> None:
            for _ in range(MAX_OPEN):
                self.post_offer()
                self.post_request()

        def units(
            self, *statuses: str, offer: int | None = None, request: int | None = None
        ) -> int:
            return sum(
                e.quantity
                for e in self.tracked.values()
                if e.status in statuses
                and (offer is None or e.offer == offer)
                and (request is None or e.request == request)
            )

        def held_by_buyer(self, request: int, offer: int) -> int:
            """Live pending units on ``offer`` of the organisation behind ``request``."""
            buyer = self.requests[request].organization
            return sum(
                e.quantity
                for e in self.tracked.values()
                if e.status == "pending"
                and e.offer == offer
                and self.requests[e.request].organization == buyer
            )

        def room(self, request: int, offer: int) -> int:
            """The largest hold the model expects to pass (status aside)."""
            return min(
                WANTED - self.units(*ENGAGED, request=request),
                TOTAL - self.units(*ENGAGED, offer=offer),
                FAIR_SHARE - self.held_by_buyer(request, offer),
            )

        def live(self, *statuses: str) -> list[str]:
            return sorted(i for i, e in self.tracked.items() if e.status in statuses)

        def release(self, *, offer: int | None = None, request: int | None = None) -> int:
            """Model of rule 3: the system cancels the pending holds of an offer or request."""
            released = 0
            for engagement in self.tracked.values():
                if engagement.status == "pending" and (
                    engagement.offer == offer or engagement.request == request
                ):
                    engagement.status = "cancelled"
                    released += 1
            return released

        # --- holds ----------------------------------------------------------------

        @rule(data=st.data())
        def create(self, data: st.DataObject) -> None:
            """Mostly a quantity that fits, on an open request and an active offer with
            units left; now and then any quantity on any request and offer."""
            pairs = [
                (request, offer)
                for request, r in enumerate(self.requests)
                for offer, o in enumerate(self.offers)
                if r.status == "open" and o.status == "active" and self.room(request, offer) > 0
            ]
            proper = bool(pairs) and data.draw(USUALLY, label="usual")
            if proper:
                request, offer = data.draw(st.sampled_from(pairs), label="request, offer")
                most = min(self.room(request, offer), 450)
            else:
                request = data.draw(st.integers(0, len(self.requests) - 1), label="request")
                offer = data.draw(st.integers(0, len(self.offers) - 1), label="offer")
                most = WANTED
            quantity = data.draw(st.integers(1, most), label="quantity")
            mine = self.held_by_buyer(request, offer)
            fits_request = self.units(*ENGAGED, request=request) + quantity <= WANTED
            accepted = (
                self.requests[request].status == "open"
                and self.offers[offer].status == "active"
                and fits_request
                and self.units(*ENGAGED, offer=offer) + quantity <= TOTAL
                and mine + quantity <= FAIR_SHARE
            )
            response = call(
                engage(
                    client,
                    self.requests[request].id,
                    self.offers[offer].id,
                    quantity,
                    headers["buyer"],
                )
            )
            # A draft is seen by its owner only: to the buyer of an open request it does
            # not exist (a request that is not open is refused before the offer is read).
            draft = self.offers[offer].status == "draft"
            expected = 404 if draft and self.requests[request].status == "open" else 409
            assert response.status_code == (201 if accepted else expected), response.text
            depth.step("create", acted=accepted)
            depth[f"create: {response.status_code}"] += 1
            if not fits_request:
                depth["refused: request's quantity"] += 1
            if accepted:
                engagement_id: str = response.json()["id"]
                self.tracked[engagement_id] = Tracked(
                    engagement_id, offer, request, quantity, "pending"
                )

        @precondition(lambda self: self.live("pending", "accepted"))
        @rule(data=st.data())
        def answer(self, data: st.DataObject) -> None:
            """Mostly a move the lifecycle allows on a live engagement; now and then any
            move on any engagement (which the model may expect to be refused)."""
            if data.draw(USUALLY, label="usual"):
                engagement = self.tracked[
                    data.draw(st.sampled_from(self.live("pending", "accepted")))
                ]
                allowed = [(a, s) for a, s in ANSWERS if s in MAY.get((a, engagement.status), ())]
                action, side = data.draw(st.sampled_from(allowed))
            else:
                engagement = self.tracked[data.draw(st.sampled_from(sorted(self.tracked)))]
                action, side = data.draw(st.sampled_from(ANSWERS))
            before = engagement.status
            status, after = expected_answer(engagement, action, side)
            response = call(act(client, engagement.id, action, headers[side]))
            assert response.status_code == status, (engagement, action, side, response.text)
            if status == 200:
                assert response.json()["status"] == after
            engagement.status = after
            depth.step("answer", acted=after != before)
            if action == "accept" and after != before:
                self.settle(engagement.request)
            if (before, after) == ("accepted", "cancelled"):
                self.settle(engagement.request)

        def settle(self, request: int) -> None:
            """The request reads fulfilled while accepted work covers it (and open if not)."""
            listing = self.requests[request]
            covered = self.units("accepted", "fulfilled", request=request) >= WANTED
            if covered and listing.status == "open":
                listing.status = "fulfilled"
            elif not covered and listing.status == "fulfilled":
                listing.status = "open"

        @precondition(lambda self: self.live("pending"))
        @rule(data=st.data())
        def time_passes(self, data: st.DataObject) -> None:
            engagement = self.tracked[data.draw(st.sampled_from(self.live("pending")))]
            call(lapse(session_factory, engagement.id))
            engagement.status = "expired"
            self.unswept.add(engagement.id)
            depth.step("time passes", acted=True)

        @precondition(lambda self: self.unswept)
        @rule()
        def sweep(self) -> None:
            swept = call(_sweep(session_factory))
            self.unswept.clear()
            depth.step("sweep", acted=swept > 0)

        # --- offers and requests change -------------------------------------------

        def holding(self, listings: list[Listing], *, key: str) -> list[int]:
            """Listings with pending holds on them (``key``: "offer" or "request")."""
            return [
                index
                for index in range(len(listings))
                if any(
                    e.status == "pending" and getattr(e, key) == index
                    for e in self.tracked.values()
                )
            ]

        @precondition(lambda self: self.holding(self.offers, key="offer"))
        @rule(data=st.data(), change=st.sampled_from(["paused", "draft", "closed", "active"]))
        def change_offer(self, data: st.DataObject, change: str) -> None:
            """Mostly an offer with live holds stops taking work; now and then any offer
            changes status any way (closed ones refuse)."""
            if data.draw(USUALLY, label="usual"):
                index = data.draw(st.sampled_from(self.holding(self.offers, key="offer")))
                change = data.draw(st.sampled_from(["paused", "draft", "closed"]))
            else:
                index = data.draw(st.integers(0, len(self.offers) - 1), label="offer")
            offer = self.offers[index]
            url = f"/v1/offers/{offer.id}"
            if change == "closed":
                response = call(client.delete(url, headers=headers["seller"]))
            else:
                response = call(
                    client.patch(url, json={"status": change}, headers=headers["seller"])
                )
            refused = offer.status == "closed" and change != "closed"
            assert response.status_code == (409 if refused else 200), response.text
            released = 0
            if not refused:
                if offer.status == "active" and change != "active":
                    released = self.release(offer=index)
                offer.status = change
            depth.step("change offer", acted=released > 0)
            depth["released by offers"] += released

        @precondition(lambda self: any(o.status in ("paused", "draft") for o in self.offers))
        @rule(data=st.data())
        def resume_offer(self, data: st.DataObject) -> None:
            resting = [i for i, o in enumerate(self.offers) if o.status in ("paused", "draft")]
            offer = self.offers[data.draw(st.sampled_from(resting))]
            response = call(
                client.patch(
                    f"/v1/offers/{offer.id}", json={"status": "active"}, headers=headers["seller"]
                )
            )
            assert response.status_code == 200, response.text
            offer.status = "active"
            depth.step("resume offer", acted=False)

        @precondition(lambda self: self.holding(self.requests, key="request"))
        @rule(data=st.data(), change=st.sampled_from(["cancelled", "fulfilled"]))
        def close_request(self, data: st.DataObject, change: str) -> None:
            """Mostly a request with live holds is cancelled or marked fulfilled; now and
            then any request (cancelled ones refuse to be fulfilled)."""
            if data.draw(USUALLY, label="usual"):
                index = data.draw(st.sampled_from(self.holding(self.requests, key="request")))
            else:
                index = data.draw(st.integers(0, len(self.requests) - 1), label="request")
            request = self.requests[index]
            url = f"/v1/requests/{request.id}"
            if change == "cancelled":
                response = call(client.delete(url, headers=headers["buyer"]))
            else:
                response = call(
                    client.patch(url, json={"status": change}, headers=headers["buyer"])
                )
            refused = request.status == "cancelled" and change != "cancelled"
            assert response.status_code == (409 if refused else 200), response.text
            released = 0
            if not refused:
                if request.status == "open":
                    released = self.release(request=index)
                request.status = change
            depth.step("close request", acted=released > 0)
            depth["released by requests"] += released

        def takers(self) -> tuple[int, int]:
            """(open requests, active offers) with units left to engage."""
            requests = sum(
                r.status == "open" and self.units(*ENGAGED, request=i) < WANTED
                for i, r in enumerate(self.requests)
            )
            offers = sum(
                o.status == "active" and self.units(*ENGAGED, offer=i) < TOTAL
                for i, o in enumerate(self.offers)
            )
            return requests, offers

        @precondition(lambda self: min(self.takers()) < MAX_OPEN)
        @rule()
        def the_market_moves_on(self) -> None:
            """New offers and requests join while fewer than two could take a hold."""
            requests, offers = self.takers()
            if offers < MAX_OPEN:
                self.post_offer()
            if requests < MAX_OPEN:
                self.post_request()
            depth.step("new listings", acted=False)

        # --- what must hold after every step --------------------------------------

        @invariant()
        def offers_count_exactly_their_live_engagements(self) -> None:
            for index, offer in enumerate(self.offers):
                response = call(client.get(f"/v1/offers/{offer.id}", headers=headers["seller"]))
                body = response.json()
                reserved = self.units("accepted", "fulfilled", offer=index)
                pending = self.units("pending", offer=index)
                assert (body["reserved_quantity"], body["held_quantity"]) == (reserved, pending)
                assert body["remaining_quantity"] == TOTAL - reserved - pending >= 0
                if offer.status != "active":
                    assert pending == 0  # rule 3: paused, draft or closed holds nothing

        @invariant()
        def requests_never_engage_more_than_they_want(self) -> None:
            """Read from the table (one query a step; the API reads the same rows): every
            engagement is as the model says, and each request's engaged units fit."""
            stored = call(_engagements(session_factory, list(self.tracked)))
            assert stored == {e.id: (e.status, e.quantity) for e in self.tracked.values()}
            for index in range(len(self.requests)):
                engaged = sum(
                    stored[e.id][1]
                    for e in self.tracked.values()
                    if e.request == index and stored[e.id][0] in ENGAGED
                )
                assert engaged <= WANTED  # rule 1

    await asyncio.to_thread(
        run_state_machine_as_test,
        Lifecycles,
        # Derandomized: the depth guard below judges the runs drawn, so they must not vary.
        settings=settings(
            max_examples=15, stateful_step_count=30, deadline=None, derandomize=True, database=None
        ),
    )
    print(f"state machine depth: {dict(depth)}; share acting {depth.share_acting:.2f}")
    assert depth.share_acting >= MIN_SHARE_ACTING, dict(depth)


async def _engagements(
    sessions: async_sessionmaker[AsyncSession], engagement_ids: list[str]
) -> dict[str, tuple[str, int]]:
    """(status as it reads now, quantity) of each engagement: a pending hold past its
    expiry reads expired, swept or not."""
    now = datetime.now(UTC)
    async with sessions() as session:
        rows = await session.execute(
            select(
                Engagement.id, Engagement.status, Engagement.expires_at, Engagement.quantity
            ).where(Engagement.id.in_(engagement_ids))
        )
        return {
            engagement_id: (
                "expired" if status == "pending" and expires_at <= now else status,
                quantity,
            )
            for engagement_id, status, expires_at, quantity in rows
        }


async def _sweep(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session, session.begin():
        return await expire_lapsed_holds(session)
