"""Production chains for a stored request: load, search the worker's index, hydrate, explain.

The search is CPU work on the index's columns (``app.matching.chains``): it runs in a
worker thread, like matching, so the event loop keeps serving meanwhile.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal
from app.core.dates import today
from app.core.errors import InvalidInput
from app.matching import repository
from app.matching.chain_pool import ChainWant
from app.matching.chain_reasons import chain_reasons
from app.matching.chain_schemas import ChainBreakdown, ChainOut, ChainPage, ChainStepOut
from app.matching.chains import MAX_CHAINS, Chain, find_chains
from app.matching.feed import MatchFeed
from app.matching.schemas import MatchedOffer, OrganizationRef
from app.matching.service import viewer_of
from app.requests.service import get_visible_request
from app.taxonomy.vocabulary import Taxonomy


def _encode_cursor(shown: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"shown": shown}).encode()).decode().rstrip("=")


def _decode_cursor(cursor: str | None) -> int:
    """Chains on the pages before (the search is deterministic, so a count suffices)."""
    if cursor is None:
        return 0
    try:
        shown = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))["shown"]
        if not isinstance(shown, int) or not 0 <= shown <= MAX_CHAINS:
            raise ValueError(cursor)
    except (ValueError, TypeError, KeyError, binascii.Error) as error:
        raise InvalidInput.at("cursor", "not a cursor of these chains") from error
    return shown


def _entry(chain: Chain, cards: Mapping[str, Any], reasons: list[str]) -> ChainOut | None:
    steps = []
    for step in chain.steps:
        card = cards.get(step.offer_id)
        if card is None:  # closed between the index read and now: the team is broken
            return None
        offer = MatchedOffer(
            id=step.offer_id,
            title=card.title,
            region=card.region,
            organization=OrganizationRef(
                id=card.organization_id,
                name=card.organization_name,
            ),
        )
        steps.append(
            ChainStepOut(
                skill=step.skill,
                offer=offer,
                deliverable_quantity=step.deliverable_quantity,
                unit=step.unit,
                distance_km=step.distance_km,
                starts_on=step.starts_on,
                lead_time_days=step.lead_time_days,
                certificates_expected=step.certificates_expected,
            )
        )
    return ChainOut(
        product=chain.product,
        steps=steps,
        quantity=chain.quantity,
        ready_by=chain.ready_by,
        score=chain.score,
        breakdown=ChainBreakdown(**chain.breakdown),
        total_distance_km=round(sum(step.distance_km for step in chain.steps), 3),
        reasons=reasons,
    )


async def request_chains(
    session: AsyncSession,
    feed: MatchFeed,
    *,
    principal: Principal,
    request_id: str,
    limit: int,
    cursor: str | None,
    language: str,
    taxonomy: Taxonomy,
) -> ChainPage:
    """Teams of visible offers that together make a requested product no single offer
    makes, best first (docs/guides/chains.md). Never an offer of the requester."""
    request = await get_visible_request(session, principal=principal, request_id=request_id)
    shown = _decode_cursor(cursor)
    recipes = [(product, taxonomy.product_recipe(product)) for product in request.products]
    recipes = [(product, recipe) for product, recipe in recipes if len(recipe) >= 2]
    end = min(shown + limit, MAX_CHAINS)
    if not recipes or shown >= end:
        return ChainPage(data=[], has_more=False)
    on = today()
    want = ChainWant(
        quantity=request.quantity,
        unit=request.unit,
        needed_by=request.needed_by,
        today=on,
        lat=request.lat,
        lon=request.lon,
        max_distance_km=request.max_distance_km,
        required_certifications=tuple(request.required_certifications),
    )
    index = await feed.current(session)
    # Read after the index caught up: a superset of the organisation's offers it holds.
    own = await repository.offer_ids_of(session, request.organization_id, on=on)
    found = await asyncio.to_thread(
        find_chains,
        index.parts(),
        want,
        recipes,
        limit=end + 1,
        viewer=viewer_of(principal),
        excluded=own,
    )
    page, has_more = found[shown:end], len(found) > end and end < MAX_CHAINS
    cards = await repository.offer_cards(
        session, sorted({step.offer_id for chain in page for step in chain.steps})
    )
    required = tuple(request.required_certifications)
    data = []
    for chain in page:
        reasons = chain_reasons(
            chain, taxonomy, language, needed_by=request.needed_by, required=required
        )
        entry = _entry(chain, cards, reasons)
        if entry is not None:
            data.append(entry)
    return ChainPage(
        data=data, has_more=has_more, next_cursor=_encode_cursor(end) if has_more else None
    )
