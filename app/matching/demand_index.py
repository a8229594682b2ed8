"""A worker's live index of open requests: a large immutable base plus a small delta.

Pure (no I/O), the request direction's ``MatchIndex``: ``app.matching.demand_feed``
loads it and applies the change log. The base holds every open request as of its
load; requests written since are in the delta (rebuilt on each change batch, it
stays small) and their base rows are masked. When the delta grows past
``REBUILD_AFTER`` the feed loads a new base. A search reads one snapshot, so a
concurrent apply never shows half a change.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from app.matching.demand import AfterRequest, DemandMatch, RequestRecord
from app.matching.demand_columns import Requests, build_requests
from app.matching.demand_scoring import request_standing, score_requests
from app.matching.values import BoolArray, OfferRecord, TaxonomyLike, Viewer

REBUILD_AFTER = 5_000  # requests changed since the base was loaded


@dataclass(frozen=True, slots=True)
class _Snapshot:
    base: Requests
    alive: BoolArray | None  # base rows not superseded (None: all)
    delta: Requests
    changed: Mapping[str, RequestRecord | None] = field(default_factory=dict)


class RequestIndex:
    def __init__(self, records: Iterable[RequestRecord] = ()) -> None:
        self._snapshot = _Snapshot(build_requests(records), None, build_requests([]))

    @classmethod
    def of(cls, base: Requests) -> RequestIndex:
        index = cls()
        index._snapshot = _Snapshot(base, None, index._snapshot.delta)
        return index

    def parts(self) -> tuple[tuple[Requests, BoolArray | None], ...]:
        """The columns of one snapshot with the rows that count in each (None: all): the
        base without the rows changed since, then the delta. For whole-market figures
        (``app.analytics``) that read the columns without searching."""
        snapshot = self._snapshot
        return ((snapshot.base, snapshot.alive), (snapshot.delta, None))

    def __len__(self) -> int:
        snapshot = self._snapshot
        alive = len(snapshot.base) if snapshot.alive is None else int(snapshot.alive.sum())
        return alive + len(snapshot.delta)

    @property
    def nbytes(self) -> int:
        """The size of the base's and delta's arrays (what the index costs in memory)."""
        snapshot = self._snapshot
        return snapshot.base.nbytes + snapshot.delta.nbytes

    @property
    def changed_count(self) -> int:
        return len(self._snapshot.changed)

    @property
    def needs_rebuild(self) -> bool:
        return self.changed_count > REBUILD_AFTER

    def apply(self, changes: Mapping[str, RequestRecord | None]) -> None:
        """Requests written since the base: the current record, or None when it no longer
        matches anything (fulfilled, cancelled, gone)."""
        if not changes:
            return
        snapshot = self._snapshot
        changed = {**snapshot.changed, **changes}
        alive = np.ones(len(snapshot.base), dtype=np.bool_)
        rows = [snapshot.base.row_of(request_id) for request_id in changed]
        alive[[row for row in rows if row is not None]] = False
        delta = build_requests(record for record in changed.values() if record is not None)
        self._snapshot = _Snapshot(snapshot.base, alive, delta, changed)

    def search(
        self,
        offer: OfferRecord,
        taxonomy: TaxonomyLike,
        *,
        today: date,
        limit: int,
        min_score: float = 0.0,
        language: str = "en",
        viewer: Viewer | None = None,
        region: str | None = None,
        exclude_organization: str | None = None,
        after: AfterRequest | None = None,
    ) -> list[DemandMatch]:
        snapshot = self._snapshot

        def rank(requests: Requests, alive: BoolArray | None) -> list[DemandMatch]:
            return score_requests(
                offer,
                requests,
                taxonomy,
                today=today,
                limit=limit,
                min_score=min_score,
                language=language,
                allowed=alive,
                viewer=viewer,
                region=region,
                exclude_organization=exclude_organization,
                after=after,
            )

        found = rank(snapshot.base, snapshot.alive)
        if len(snapshot.delta):
            found += rank(snapshot.delta, None)
            found.sort(key=lambda match: (-match.score, match.request_id))
        return found[:limit]

    def standing(
        self,
        offer: OfferRecord,
        taxonomy: TaxonomyLike,
        *,
        request_id: str,
        score: float,
        today: date,
        limit: int,
        language: str = "en",
        viewer: Viewer | None = None,
        exclude_organization: str | None = None,
    ) -> tuple[int, DemandMatch] | None:
        """The rank and match ``search`` would give ``request_id`` (scoring about
        ``score``), or None when it is not among the matches; reasons for that one only."""
        snapshot = self._snapshot
        parts: list[tuple[Requests, BoolArray | None]] = [(snapshot.base, snapshot.alive)]
        if len(snapshot.delta):
            parts.append((snapshot.delta, None))

        def holds(part: tuple[Requests, BoolArray | None]) -> bool:
            row = part[0].row_of(request_id)
            return row is not None and (part[1] is None or bool(part[1][row]))

        # The part that holds the request first: the score it has there decides the ties.
        parts.sort(key=lambda part: not holds(part))
        rank, match = 1, None
        for requests, allowed in parts:
            ahead, found = request_standing(
                offer,
                requests,
                taxonomy,
                request_id=request_id,
                score=score if match is None else match.score,
                today=today,
                limit=limit,
                language=language,
                allowed=allowed,
                viewer=viewer,
                exclude_organization=exclude_organization,
            )
            rank += ahead
            match = match or found
        return None if match is None else (rank, match)
