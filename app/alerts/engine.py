"""A worker's alert engine: batches of applied changes in, alert events out.

The matching feed calls ``take`` with every batch of changes it applies (a background
poll every ``CAPMATCH_MATCH_REFRESH_S``, or a match call catching up), and ``flush``
(run every ``FLUSH_S`` from the lifespan) turns what was taken into alerts: find the
candidates in the indexes and drop the pairs alerted already (a read), then in one
write transaction insert each pair (ON CONFLICT DO NOTHING) and publish its event, with
its payload, only when the insert won. Every worker follows the same log, so every
worker finds the same alerts; the pair's primary key lets exactly one of them emit each.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.alerts import finder, payloads, repository
from app.alerts.subjects import Candidate
from app.core.dates import today, utcnow
from app.core.db import begin_read
from app.core.events import publish
from app.core.txids import tracks_transactions
from app.events.outbox import SYSTEM, ResourceChanged
from app.matching.demand import RequestRecord
from app.matching.feed import Applied, MatchFeed
from app.matching.values import OfferRecord, TaxonomyLike

logger = logging.getLogger("capmatch.alerts")

FLUSH_S = 0.1  # how often the lifespan's loop looks for taken batches
ATTEMPTS = 3  # a batch whose alerts fail this often is dropped (logged)

Sessions = Callable[[], AbstractAsyncContextManager[AsyncSession]]


@dataclass(slots=True)
class _Pending:
    offers: dict[str, OfferRecord | None]
    requests: dict[str, RequestRecord | None]
    failures: int = 0


class AlertEngine:
    def __init__(self, feed: MatchFeed, taxonomy: TaxonomyLike) -> None:
        self.feed = feed
        self.taxonomy = taxonomy
        self._pending: _Pending | None = None
        feed.listeners.append(self.take)

    def take(self, applied: Applied) -> None:
        """Remember a batch the feed applied (the newest record of an object wins)."""
        if not applied.offers and not applied.requests:
            return
        if self._pending is None:
            self._pending = _Pending({}, {})
        self._pending.offers.update(applied.offers)
        self._pending.requests.update(applied.requests)

    @property
    def pending(self) -> bool:
        return self._pending is not None

    async def flush(self, sessions: Sessions) -> int:
        """Emit the alerts of every batch taken so far, in one transaction; how many."""
        batch, self._pending = self._pending, None
        if batch is None:
            return 0
        applied = Applied(offers=batch.offers, requests=batch.requests)
        try:
            async with sessions() as session:
                await begin_read(session)  # no write lock while the indexes are searched
                due = await plan(session, self.feed, applied, self.taxonomy)
                await session.commit()
            if not due.candidates:
                return 0
            async with sessions() as session, session.begin():
                return await emit(session, self.feed, due, self.taxonomy)
        except Exception:
            batch.failures += 1
            if batch.failures < ATTEMPTS:
                self._requeue(batch)
            else:
                logger.exception("alerts of a change batch dropped after %d attempts", ATTEMPTS)
            raise

    def _requeue(self, batch: _Pending) -> None:
        # Batches taken meanwhile are newer: their records win.
        newer = self._pending
        if newer is not None:
            batch.offers.update(newer.offers)
            batch.requests.update(newer.requests)
        self._pending = batch


@dataclass(slots=True)
class Due:
    """Alerts that may be due, each pair once, in claiming order; on SQLite with their
    payloads built already."""

    candidates: list[Candidate]
    payloads: dict[tuple[str, str], dict[str, Any] | None]
    on: date


async def plan(
    session: AsyncSession, feed: MatchFeed, applied: Applied, taxonomy: TaxonomyLike
) -> Due:
    """The candidates of ``applied`` whose pair no worker alerted yet (read only).

    SQLite has one writer at a time, so the payloads (an index search each) are built
    here, before the write transaction takes the lock; on PostgreSQL only the worker
    whose claim wins builds them (``emit``).
    """
    on = today()
    found = await finder.candidates(session, feed, applied, taxonomy, on)
    done = await repository.alerted(session, {candidate.pair for candidate in found})
    fresh = []
    for candidate in sorted(found, key=lambda candidate: candidate.pair):
        if candidate.pair not in done:
            done.add(candidate.pair)  # one alert per pair, also within a batch
            fresh.append(candidate)
    built: dict[tuple[str, str], dict[str, Any] | None] = {}
    if not tracks_transactions(session):
        for candidate in fresh:
            built[candidate.pair] = await payloads.payload(session, feed, candidate, taxonomy, on)
    return Due(fresh, built, on)


async def emit(session: AsyncSession, feed: MatchFeed, due: Due, taxonomy: TaxonomyLike) -> int:
    """Claim each pair and publish its alert when the claim won; how many were published.

    Pairs are claimed in one order (by pair), so two workers claiming overlapping pairs
    on PostgreSQL wait for each other instead of deadlocking.
    """
    emitted = 0
    for candidate in due.candidates:
        if candidate.pair in due.payloads and due.payloads[candidate.pair] is None:
            continue  # no longer ranked (changed meanwhile): news for a later batch
        won = await repository.claim_pair(
            session,
            subject_id=candidate.subject.id,
            offer_id=candidate.offer.id,
            type=candidate.type,
            now=utcnow(),
        )
        if not won:
            continue
        if candidate.pair in due.payloads:
            data = due.payloads[candidate.pair]
        else:
            data = await payloads.payload(session, feed, candidate, taxonomy, due.on)
        if data is None:
            await repository.release_pair(session, *candidate.pair)
            continue
        change = ResourceChanged(
            type=candidate.type, object=data, owner=candidate.owner, actor=SYSTEM
        )
        await publish(session, change)
        emitted += 1
    return emitted
