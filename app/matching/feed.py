"""Keep a worker's matching index in step with the database.

Writes to offers, organisations, their certifications and requests append to
``market_changes`` through database triggers, whatever code path wrote them.
Every worker follows that log: before each matching call (read-your-writes, also
across workers) and every ``match_refresh_s`` in the background. A restart loads
the index afresh. The cursor is taken *before* a load and changes are replayed
from it, so a write racing the load is never lost (reloading an offer twice is
harmless).

On PostgreSQL the log is read by writing transaction id: a poll remembers its
snapshot (which transaction ids it saw finished) and the next reads the entries of the
others, those that were running then or started since, so a change that commits after a
later one is never missed, and the read costs the news only, however long some other
transaction stays open (re-reading from the oldest running transaction did not: a long
transaction anywhere in the cluster made every poll read the whole log since). SQLite has
one writer at a time, so the sequence number is already in commit order.

Locking: one poll at a time (an asyncio lock), but the lock is never held across a
wait for the database. A caller checks out its connection and begins its
transaction *before* taking the lock (on SQLite a writer's BEGIN IMMEDIATE queues
there, a read begins DEFERRED); under the lock only reads run, and reads wait for no
lock on either database (WAL on SQLite, MVCC on PostgreSQL). So a caller that holds a
database lock while it waits for the asyncio lock never blocks the poll that holds it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.background import Stop
from app.core.dates import today, utcnow
from app.core.db import begin_read
from app.core.memory import release_free_memory
from app.core.notices import Notices
from app.core.txids import Snapshot, current_snapshot, tracks_transactions
from app.matching import lapses, repository
from app.matching.candidates import Candidates, CandidatesBuilder
from app.matching.demand import RequestRecord
from app.matching.demand_feed import DemandFeed
from app.matching.index import MatchIndex
from app.matching.lapses import LapseWatch
from app.matching.notify import MARKET_CHANGED
from app.matching.records import matchable, offer_record_of
from app.matching.snapshot import Marker, SnapshotStore, Stored
from app.matching.values import OfferRecord
from app.offers.service import lapsed_holds

logger = logging.getLogger("capmatch.matching")

LOAD_BATCH = 1_000  # offers per page of the initial load
NUDGE_GAP_S = 0.05  # the least time between two polls that a market notice started


@dataclass(frozen=True, slots=True)
class _Position:
    """Where a worker is in the change log: the last sequence number applied (SQLite), or
    the snapshot of the last poll and the entries of the poller's own transaction applied
    already (PostgreSQL, see the module docstring)."""

    seq: int = 0
    snapshot: Snapshot | None = None
    seen: frozenset[int] = frozenset()

    def stored(self) -> dict[str, Any]:
        if self.snapshot is None:
            return {"seq": self.seq}
        return {
            "xmax": self.snapshot.xmax,
            "running": sorted(self.snapshot.running),
            "seen": sorted(self.seen),
        }

    @classmethod
    def of(cls, stored: dict[str, Any]) -> _Position:
        if "xmax" in stored:
            snapshot = Snapshot(int(stored["xmax"]), frozenset(stored["running"]))
            return cls(snapshot=snapshot, seen=frozenset(stored["seen"]))
        return cls(seq=int(stored["seq"]))


@dataclass(frozen=True, slots=True)
class Applied:
    """One batch of the change log as the indexes took it: the current record of every
    offer and request touched (None: no longer matchable). Listeners (alerts) get it."""

    offers: Mapping[str, OfferRecord | None] = field(default_factory=dict)
    requests: Mapping[str, RequestRecord | None] = field(default_factory=dict)


Listener = Callable[[Applied], None]


class MatchFeed:
    """One worker's index and its position in the change log."""

    def __init__(
        self,
        *,
        refresh_s: float = 0.5,
        notices: Notices | None = None,
        snapshots: SnapshotStore | None = None,
    ) -> None:
        self.index: MatchIndex | None = None
        self.demand = DemandFeed()  # open requests, loaded and caught up with the offers
        self.refresh_s = refresh_s
        self._lock = asyncio.Lock()
        self._last_poll_started = float("-inf")
        # Moved only once what it covers is applied: a load or catch-up that fails half-way
        # leaves it where it was, so the next one replays those changes.
        self._position = _Position()
        # Called with every batch of changes applied after the first load (never with a
        # load: that holds no news). Synchronous and quick: they queue work for later.
        self.listeners: list[Listener] = []
        # True from the start of a preloading follow() until its first load is done: the
        # worker answers /readyz 503 meanwhile, so no traffic waits for the load.
        self.loading = False
        # A base loaded from the database, to be written for the next start (by follow()).
        self.snapshots = snapshots
        self._unsaved: Stored | None = None
        # Set by the deployment's ``market`` notice (``app.matching.notify``): the next
        # poll starts at once instead of after ``refresh_s``.
        self._nudged = asyncio.Event()
        if notices is not None:
            notices.on(MARKET_CHANGED, self._nudged.set)
        self.lapses = LapseWatch()  # holds lapsing before the sweep frees them

    async def current(self, session: AsyncSession) -> MatchIndex:
        """The index, caught up with every change committed before this call."""
        arrived = time.monotonic()
        # Every wait for the database happens here, before the lock (module docstring).
        await session.connection()
        must_see = None
        if not tracks_transactions(session):
            # SQLite: a DEFERRED snapshot begins at the caller's first read, which may be
            # before another caller's poll started, so a poll's start time proves
            # nothing; the sequence does. Read in this call's snapshot, after it arrived.
            must_see = await repository.last_change_seq(session)
        async with self._lock:
            # PostgreSQL: a poll that started after we arrived has seen everything we must
            # see (each of its statements takes a snapshot after it started). SQLite: when
            # this snapshot holds changes the index lacks, it is newer than the index, so
            # a load or catch-up from it never goes back in time.
            stale = (
                self._last_poll_started < arrived
                if must_see is None
                else self._position.seq < must_see
            )
            if self.index is None or stale or self.lapses.is_due():
                self._last_poll_started = time.monotonic()
                if self.index is not None and self.index.needs_rebuild:
                    # Apply (and tell listeners of) what the log holds before the new base
                    # replaces it, so no change goes by unannounced.
                    await self._catch_up(session)
                if self.index is None or self.index.needs_rebuild:
                    await self._load(session)
                else:
                    await self._catch_up(session)
        assert self.index is not None
        return self.index

    async def _load(self, session: AsyncSession) -> None:
        started = time.perf_counter()
        # The position is read before the rows, so a write racing the load is replayed.
        if tracks_transactions(session):
            position = _Position(snapshot=(await current_snapshot(session))[0])
        else:
            position = _Position(seq=await repository.last_change_seq(session))
        # The marker of a snapshot written from this load (read before its rows, too).
        newest = await repository.newest_change(session) if self.snapshots else None
        stored = await self._stored(session) if self.index is None else None
        if stored is not None:  # replayed from its position on, like any load
            candidates, position = stored.candidates, _Position.of(stored.position)
        else:
            candidates = await _load_candidates(session, today())
            if self.snapshots and newest and len(candidates) >= self.snapshots.min_offers:
                marker = Marker(newest[0], newest[1].isoformat())
                self._unsaved = Stored(candidates, position.stored(), marker)
        index = MatchIndex.of(candidates)
        await self.demand.load(session)
        self.index, self._position = index, position
        # The base counts every pending hold as held: the catch-up below finds the lapsed.
        self.lapses.reset()
        # The load's rows and records are gone with _load_candidates' frame by now.
        await asyncio.to_thread(release_free_memory)
        logger.info(
            "matching index loaded",
            extra={
                "offers": len(candidates),
                "seconds": round(time.perf_counter() - started, 3),
                "from": "snapshot" if stored else "database",
            },
        )
        await self._catch_up(session)

    async def _stored(self, session: AsyncSession) -> Stored | None:
        """The snapshot on disk, if its marker entry is still in this database's log."""
        if self.snapshots is None:
            return None
        stored = await asyncio.to_thread(self.snapshots.read)
        if stored is None:
            return None
        written_at = await repository.change_written_at(session, stored.marker.seq)
        if written_at is None or written_at.isoformat() != stored.marker.created_at:
            return None
        return stored

    async def _catch_up(self, session: AsyncSession) -> None:
        assert self.index is not None
        position = self._position
        if tracks_transactions(session):
            assert position.snapshot is not None
            # Taken before the read: a change committing in between is read now and again
            # next time (harmless), never missed.
            now, own = await current_snapshot(session)
            last = position.snapshot
            rows = await repository.changes_after_snapshot(session, last.xmax, last.running)
            fresh: list[Any] = [row for row in rows if row.seq not in position.seen]
            # The caller's own uncommitted rows come back while its transaction runs.
            after = _Position(
                snapshot=now, seen=frozenset(row.seq for row in rows if row.txid == own)
            )
        else:
            fresh = list(await repository.changes_after(session, position.seq))
            after = _Position(seq=fresh[-1].seq) if fresh else position
        offers = {row.object_id for row in fresh if row.kind == "offer"}
        offers |= await self.lapses.lapsed(session, offers_changed=bool(offers))
        if fresh or offers:
            organizations = {row.object_id for row in fresh if row.kind == "organization"}
            offer_records: dict[str, OfferRecord | None] = {}
            if offers or organizations:  # a batch of request changes needs no offer read
                offer_records = await _reload(session, offers, organizations, today())
                self.index.apply(offer_records)
            request_records = await self.demand.apply(session, fresh)
            applied = Applied(offers=offer_records, requests=request_records)
            for listener in self.listeners:
                listener(applied)
        self._position = after

    @contextlib.asynccontextmanager
    async def _sharing_the_load(self) -> AsyncIterator[None]:
        """Around the first load: one worker per host loads and writes the snapshot, the
        others wait and read it (its session starts after, so it sees what it holds)."""
        if self.index is None and self.snapshots is not None:
            async with self.snapshots.building():
                yield
        else:
            yield

    async def _save(self) -> None:
        unsaved, self._unsaved = self._unsaved, None
        if unsaved is not None and self.snapshots is not None:
            try:
                await asyncio.to_thread(
                    self.snapshots.write, unsaved.candidates, unsaved.position, unsaved.marker
                )
            except OSError as error:
                logger.warning("matching snapshot not written: %s", error)

    async def follow(
        self,
        sessions: Any,
        *,
        preload: bool,
        keep_hours: int,
        prune_s: float,
        stop: Stop | None = None,
    ) -> None:
        """Background loop of a serving worker: load, then poll; prune the log every
        ``prune_s`` seconds (the first time at once). Ends after the round it is in once
        ``stop`` is requested."""
        stop = stop or Stop()
        pruned_at = float("-inf")
        self.loading = preload and self.index is None
        while not stop.requested:
            self._nudged.clear()  # a notice from here on means news this poll may miss
            started = time.monotonic()
            try:
                if self.index is not None or preload:
                    async with self._sharing_the_load():
                        async with sessions() as session:
                            await begin_read(session)  # a poll only reads: DEFERRED on SQLite
                            await self.current(session)
                            await session.commit()
                        await self._save()
                    self.loading = False
                if time.monotonic() - pruned_at >= prune_s:
                    pruned_at = time.monotonic()
                    async with sessions() as session, session.begin():
                        cutoff = utcnow() - timedelta(hours=keep_hours)
                        await repository.prune_changes(session, before=cutoff)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("matching index refresh failed; will retry")
            await stop.wait(self.refresh_s, or_until=self._nudged)
            # Under a stream of writes notices come faster than polls are worth: one poll
            # per NUDGE_GAP_S at most catches up with all of them.
            if (rest := started + NUDGE_GAP_S - time.monotonic()) > 0:
                await stop.wait(rest)


async def _load_candidates(session: AsyncSession, on: date) -> Candidates:
    """Every matchable offer as columns, read a small page at a time.

    Memory is what decides the shape of this loop (bench/README.md, "Matching engine"):
    only one page of rows and records is alive at a time, each page fetches the
    certifications of its own organisations (not a map of all of them), and nothing
    per offer outlives its page except the builder's typed arrays. Python's small-object
    heap grows only to about one page then, so little of it stays pinned afterwards.
    """
    builder = CandidatesBuilder()
    last = ""
    while True:
        # Keyset paging: no server-side cursor, so it also works on a connection
        # without a transaction, as GETs run on PostgreSQL.
        rows = await repository.matchable_offers_page(session, on=on, after=last, limit=LOAD_BATCH)
        if not rows:
            return await asyncio.to_thread(builder.finish)
        held = await repository.certifications_of_page(
            session, on=on, first=rows[0].id, last=rows[-1].id
        )
        tracks = await repository.track_records_of_page(
            session, on=on, first=rows[0].id, last=rows[-1].id
        )
        last = rows[-1].id
        records = [offer_record_of(row, held, tracks) for row in rows]
        del rows, held, tracks
        await asyncio.to_thread(builder.add, records)
        del records


async def _reload(
    session: AsyncSession, offer_ids: set[str], organization_ids: set[str], on: date
) -> dict[str, OfferRecord | None]:
    """The current record of every offer touched (None when it no longer matches)."""
    rows = await repository.offers_touched(session, offer_ids, organization_ids)
    organizations = {row.organization_id for row in rows}
    held = await repository.certifications_of(session, organizations)
    tracks = await repository.track_records(session, organizations)
    lapsed = await lapsed_holds(session, rows, now=lapses.clock())
    changes: dict[str, OfferRecord | None] = dict.fromkeys(offer_ids)
    for row in rows:
        changes[row.id] = offer_record_of(row, held, tracks, lapsed) if matchable(row, on) else None
    return changes
