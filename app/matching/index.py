"""A worker's live matching index: a large immutable base plus the changes since.

Pure (no I/O): ``app.matching.feed`` loads it from the database and applies the
change log. The base holds every active offer as of its load; offers written since
are in levels of growing size (``app.matching.layers``: a change batch rebuilds only the
newest one) and their base rows are masked. When more than ``REBUILD_AFTER`` offers
changed since the base, the feed loads a new one. A search reads one set of layers,
so a concurrent apply never shows half a change.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping

import numpy as np

from app.matching.candidates import Candidates, build_candidates
from app.matching.layers import CAPS, Layers
from app.matching.reliability import TrackRecord
from app.matching.scoring import score_offers, standing
from app.matching.values import (
    After,
    BoolArray,
    Certifications,
    Match,
    OfferRecord,
    TaxonomyLike,
    Viewer,
    Want,
)

# Offers changed since the base was loaded before a new base is read from the database
# (a whole load: seconds at 100k offers). The levels keep each change's cost flat.
REBUILD_AFTER = 50_000


class MatchIndex:
    def __init__(
        self, records: Iterable[OfferRecord] = (), *, caps: tuple[int, ...] = CAPS
    ) -> None:
        self._layers: Layers[Candidates, OfferRecord] = Layers.of(
            build_candidates(records), build_candidates, caps=caps
        )

    @classmethod
    def of(cls, base: Candidates) -> MatchIndex:
        index = cls()
        index._layers = Layers.of(base, build_candidates)
        return index

    def parts(self) -> tuple[tuple[Candidates, BoolArray | None], ...]:
        """The columns of one snapshot with the rows that count in each (None: all): the
        base without the rows changed since, then the layers of changes. For whole-market
        figures (``app.analytics``) that read the columns without searching."""
        return self._layers.parts()

    def __len__(self) -> int:
        return self._layers.count()

    @property
    def changed_count(self) -> int:
        return self._layers.changed_count

    @property
    def needs_rebuild(self) -> bool:
        return self.changed_count > REBUILD_AFTER

    def certifications_of(self, offer_id: str) -> Certifications | None:
        """The certifications of the offer's organisation as the index holds them, or None
        when the index does not hold the offer (not active, or written since)."""
        layers = self._layers
        changed, record = layers.change_of(offer_id)
        if changed:
            return None if record is None else record.certifications
        row = layers.base.row_of(offer_id)
        if row is None:
            return None
        return layers.base.certifications(row)

    def track_of(self, offer_id: str) -> TrackRecord | None:
        """The track record of the offer's organisation as the index holds it, or None
        when the index does not hold the offer (as ``certifications_of``)."""
        layers = self._layers
        changed, record = layers.change_of(offer_id)
        if changed:
            return None if record is None else record.track
        row = layers.base.row_of(offer_id)
        return None if row is None else layers.base.track(row)

    def apply(self, changes: Mapping[str, OfferRecord | None]) -> None:
        """Offers written since the base: the current record, or None when it no longer
        matches anything (closed, paused, draft, gone)."""
        if changes:
            self._layers = self._layers.applied(changes)

    def search(
        self,
        want: Want,
        taxonomy: TaxonomyLike,
        *,
        limit: int,
        min_score: float = 0.0,
        language: str = "en",
        viewer: Viewer | None = None,
        region: str | None = None,
        after: After | None = None,
        excluded: Collection[str] = (),
    ) -> list[Match]:
        """The best ``limit`` offers for ``want`` (``score_offers``), never one of ``excluded``
        (offer ids: the requesting organisation's own offers)."""

        def rank(candidates: Candidates, alive: BoolArray | None) -> list[Match]:
            return score_offers(
                want,
                candidates,
                taxonomy,
                limit=limit,
                min_score=min_score,
                language=language,
                allowed=alive,
                viewer=viewer,
                region=region,
                after=after,
            )

        found: list[Match] = []
        for candidates, alive in self._layers.parts():
            if len(candidates):
                found += rank(candidates, _without(candidates, alive, excluded))
        found.sort(key=lambda match: (-match.score, match.offer_id))
        return found[:limit]

    def standing(
        self,
        want: Want,
        taxonomy: TaxonomyLike,
        *,
        offer_id: str,
        score: float,
        limit: int,
        language: str = "en",
        viewer: Viewer | None = None,
        excluded: Collection[str] = (),
    ) -> tuple[int, Match] | None:
        """The rank and match ``search`` would give ``offer_id`` (scoring about ``score``),
        or None when it is not among the matches (ranks beyond ``limit`` are not told
        apart); reasons are written for that one match only."""
        parts = [
            (candidates, _without(candidates, alive, excluded))
            for candidates, alive in self._layers.parts()
            if len(candidates)
        ]
        # The part that holds the offer first: the score it has there decides the ties.
        parts.sort(key=lambda part: not _holds(part[0], part[1], offer_id))
        rank, match = 1, None
        for candidates, allowed in parts:
            ahead, found = standing(
                want,
                candidates,
                taxonomy,
                offer_id=offer_id,
                score=score if match is None else match.score,
                limit=limit,
                language=language,
                allowed=allowed,
                viewer=viewer,
            )
            rank += ahead
            match = match or found
        return None if match is None else (rank, match)


def _holds(candidates: Candidates, allowed: BoolArray | None, offer_id: str) -> bool:
    row = candidates.row_of(offer_id)
    return row is not None and (allowed is None or bool(allowed[row]))


def _without(
    candidates: Candidates, allowed: BoolArray | None, excluded: Collection[str]
) -> BoolArray | None:
    """``allowed`` with the rows of ``excluded`` masked too. A mask rather than a column of
    organisations: that column would cost 4 MB per million offers in every worker, the
    mask only the few calls whose organisation has offers of its own (bench/README.md)."""
    rows = candidates.rows_of(excluded) if excluded else None
    if rows is None or not rows.size:
        return allowed
    mask = np.ones(len(candidates), dtype=np.bool_) if allowed is None else allowed.copy()
    mask[rows] = False
    return mask
