"""The best offers for many stored requests at once (allocation's candidate edges)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.dates import today
from app.matching import repository
from app.matching.feed import MatchFeed
from app.matching.service import want_of
from app.matching.values import Match, Viewer
from app.taxonomy.vocabulary import Taxonomy


async def top_offers(
    session: AsyncSession,
    feed: MatchFeed,
    requests: Sequence[Any],
    *,
    limit: int,
    taxonomy: Taxonomy,
) -> dict[str, list[Match]]:
    """Per request (stored rows), its best ``limit`` matches as ``GET .../matches`` ranks
    them for the request's own partner: every hard filter applied, never an offer of the
    requesting organisation, best first."""
    on = today()
    index = await feed.current(session)
    own = await repository.offer_ids_by_organization(
        session, {request.organization_id for request in requests}, on=on
    )

    def search_all() -> dict[str, list[Match]]:
        found: dict[str, list[Match]] = {}
        for request in requests:
            want = want_of(request, on=on, lat=request.lat, lon=request.lon)
            found[request.id] = index.search(
                want,
                taxonomy,
                limit=limit,
                viewer=Viewer(partner_id=request.partner_id),
                excluded=own[request.organization_id],
            )
        return found

    # Scoring is CPU work: off the event loop, as for the matches endpoints.
    return await asyncio.to_thread(search_all)
