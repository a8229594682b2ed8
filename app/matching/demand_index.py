"""A worker's live index of open requests: a large immutable base plus the changes since.

Pure (no I/O), the request direction's ``MatchIndex``: ``app.matching.demand_feed``
loads it and applies the change log. The base holds every open request as of its
load; requests written since are in levels of growing size (``app.matching.layers``: a
change batch rebuilds only the newest one) and their base rows are masked. When more
than ``REBUILD_AFTER`` requests changed since the base, the feed loads a new one. A
search reads one set of layers, so a concurrent apply never shows half a change.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

from app.matching.demand import AfterRequest, DemandMatch, RequestRecord
from app.matching.demand_columns import Requests, build_requests
from app.matching.demand_scoring import request_standing, score_requests
from app.matching.layers import CAPS, Layers
from app.matching.values import BoolArray, OfferRecord, TaxonomyLike, Viewer

# Requests changed since the base was loaded before a new base is read from the database
# (as for offers, app.matching.index).
REBUILD_AFTER = 50_000


class RequestIndex:
    def __init__(
        self, records: Iterable[RequestRecord] = (), *, caps: tuple[int, ...] = CAPS
    ) -> None:
        self._layers: Layers[Requests, RequestRecord] = Layers.of(
            build_requests(records), build_requests, caps=caps
        )

    @classmethod
    def of(cls, base: Requests) -> RequestIndex:
        index = cls()
        index._layers = Layers.of(base, build_requests)
        return index

    def parts(self) -> tuple[tuple[Requests, BoolArray | None], ...]:
        """The columns of one snapshot with the rows that count in each (None: all): the
        base without the rows changed since, then the layers of changes. For whole-market
        figures (``app.analytics``) that read the columns without searching."""
        return self._layers.parts()

    def __len__(self) -> int:
        return self._layers.count()

    @property
    def nbytes(self) -> int:
        """The size of the layers' arrays (what the index costs in memory)."""
        return sum(requests.nbytes for requests, _ in self._layers.parts())

    @property
    def changed_count(self) -> int:
        return self._layers.changed_count

    @property
    def needs_rebuild(self) -> bool:
        return self.changed_count > REBUILD_AFTER

    def apply(self, changes: Mapping[str, RequestRecord | None]) -> None:
        """Requests written since the base: the current record, or None when it no longer
        matches anything (fulfilled, cancelled, gone)."""
        if changes:
            self._layers = self._layers.applied(changes)

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

        found: list[DemandMatch] = []
        for requests, alive in self._layers.parts():
            if len(requests):
                found += rank(requests, alive)
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
        parts = [(requests, alive) for requests, alive in self._layers.parts() if len(requests)]

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
