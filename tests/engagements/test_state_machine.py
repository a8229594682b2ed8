"""A hypothesis state machine over create/accept/decline/cancel/fulfil/expire/sweep.

It drives the HTTP API and keeps its own model of every engagement. After every
step the offer must read remaining == total - sum(accepted) - sum(live pending),
never negative, and every call must answer as the model predicts (201/200 or 409).
Hypothesis runs in a worker thread; each HTTP call is handed to the test's event
loop, where the app and its database connection live.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import httpx
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.engagements.releases import expire_lapsed_holds
from app.models import Engagement
from tests.engagements.support import act, engage
from tests.fixtures.factories import Market, make_offer, make_request

T = TypeVar("T")
TOTAL = 1000
FAIR_SHARE = TOTAL // 2  # the default engagement_hold_share of 0.5
# Written out here, not imported: the model must not share the code under test.
MAY = {
    ("accept", "pending"): {"seller"},
    ("decline", "pending"): {"seller"},
    ("cancel", "pending"): {"buyer"},
    ("cancel", "accepted"): {"buyer", "seller"},
    ("fulfil", "accepted"): {"buyer", "seller"},
}
TARGET = {"accept": "accepted", "decline": "declined", "cancel": "cancelled", "fulfil": "fulfilled"}


@dataclass
class Tracked:
    id: str
    buyer: int
    quantity: int
    status: str


def expected_answer(engagement: Tracked, action: str, side: str) -> tuple[int, str]:
    """(HTTP status, engagement status afterwards) the model predicts."""
    target = TARGET[action]
    if engagement.status == target:
        retry_sides = set().union(*(s for (a, _), s in MAY.items() if a == action))
        return (200, target) if side in retry_sides else (409, target)
    if side in MAY.get((action, engagement.status), set()):
        return 200, target
    return 409, engagement.status


async def test_capacity_accounting_holds_in_every_sequence(
    client: httpx.AsyncClient,
    market: Market,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    loop = asyncio.get_running_loop()

    def call(coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, loop).result(timeout=60)

    headers = {"seller": market.a.headers, "buyer": market.b.headers}

    class Engagements(RuleBasedStateMachine):
        created = Bundle("created")

        def __init__(self) -> None:
            super().__init__()
            self.tracked: dict[str, Tracked] = {}

        @initialize()
        def a_fresh_offer_and_two_buyers(self) -> None:
            self.offer = call(
                make_offer(
                    client,
                    market.a1,
                    capacity={"unit": "pieces", "per_week": 5000, "total": TOTAL},
                    min_order_quantity=1,
                )
            )
            self.requests = [
                call(make_request(client, market.b1, quantity=TOTAL)),
                call(make_request(client, market.b2, quantity=TOTAL)),
            ]

        def units(self, *statuses: str, buyer: int | None = None) -> int:
            return sum(
                e.quantity
                for e in self.tracked.values()
                if e.status in statuses and (buyer is None or e.buyer == buyer)
            )

        @rule(target=created, buyer=st.integers(0, 1), quantity=st.integers(1, 450))
        def create(self, buyer: int, quantity: int) -> str:
            remaining = TOTAL - self.units("pending", "accepted", "fulfilled")
            fits = quantity <= remaining
            fair = self.units("pending", buyer=buyer) + quantity <= FAIR_SHARE
            response = call(
                engage(
                    client,
                    self.requests[buyer]["id"],
                    self.offer["id"],
                    quantity,
                    headers["buyer"],
                )
            )
            assert response.status_code == (201 if fits and fair else 409), response.text
            if response.status_code != 201:
                return ""
            engagement_id: str = response.json()["id"]
            self.tracked[engagement_id] = Tracked(engagement_id, buyer, quantity, "pending")
            return engagement_id

        @rule(
            engagement_id=created,
            action=st.sampled_from(sorted(TARGET)),
            side=st.sampled_from(["buyer", "seller"]),
        )
        def transition(self, engagement_id: str, action: str, side: str) -> None:
            if not engagement_id:
                return
            engagement = self.tracked[engagement_id]
            status, after = expected_answer(engagement, action, side)
            response = call(act(client, engagement_id, action, headers[side]))
            assert response.status_code == status, (engagement, action, side, response.text)
            engagement.status = after
            if status == 200:
                assert response.json()["status"] == after

        @rule(engagement_id=created)
        def time_passes(self, engagement_id: str) -> None:
            engagement = self.tracked.get(engagement_id)
            if engagement is None or engagement.status != "pending":
                return
            call(_lapse(session_factory, engagement_id))
            engagement.status = "expired"

        @rule()
        def sweep(self) -> None:
            call(_sweep(session_factory))

        @invariant()
        def remaining_is_total_minus_accepted_minus_live_pending(self) -> None:
            if not hasattr(self, "offer"):
                return
            response = call(client.get(f"/v1/offers/{self.offer['id']}", headers=headers["seller"]))
            body = response.json()
            reserved = self.units("accepted", "fulfilled")
            pending = self.units("pending")
            assert body["reserved_quantity"] == reserved
            assert body["held_quantity"] == pending
            assert body["remaining_quantity"] == TOTAL - reserved - pending >= 0

    await asyncio.to_thread(
        run_state_machine_as_test,
        Engagements,
        settings=settings(max_examples=15, stateful_step_count=20, deadline=None),
    )


async def _lapse(sessions: async_sessionmaker[AsyncSession], engagement_id: str) -> None:
    async with sessions() as session, session.begin():
        await session.execute(
            update(Engagement)
            .where(Engagement.id == engagement_id)
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )


async def _sweep(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions() as session, session.begin():
        await expire_lapsed_holds(session)
