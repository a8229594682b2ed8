"""The situation picture (API.md "Situation picture"): what the caller may see, counted
as ``app.analytics.figures`` says."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.analytics import columnar
from app.analytics.columnar import Scope
from app.analytics.figures import DIMENSIONS, Dimension, Figure, Grouping, Period
from app.auth.principal import Principal
from app.core.dates import utcnow
from app.core.errors import FieldError, InvalidInput
from app.engagements import service as engagements
from app.geo.shapes import document
from app.matching.feed import MatchFeed
from app.matching.service import viewer_of
from app.taxonomy.codes import CodeKind
from app.taxonomy.vocabulary import Taxonomy


@dataclass(frozen=True, slots=True)
class SupplyDemandQuery:
    group_by: tuple[Dimension, ...]
    start: date
    weeks: int
    region: str | None = None
    country: str | None = None
    skill: str | None = None
    product: str | None = None
    level: int | None = None


EMPTY = {
    "supply": 0,
    "demand": 0,
    "reserved": 0,
    "coverage": 1.0,
    "shortage": 0,
    "active_offers": 0,
    "open_requests": 0,
}


def regions_collection(figures_of: dict[str | None, dict[str, Any]]) -> dict[str, Any]:
    """The bundled region outlines, each feature's properties carrying its region's figures
    (zero, coverage 1, where nothing visible is there)."""
    collection = document()
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": feature["properties"]["region"],
                "properties": {
                    **feature["properties"],
                    **figures_of.get(feature["properties"]["region"], EMPTY),
                },
                "geometry": feature["geometry"],
            }
            for feature in collection["features"]
        ],
    }


# A period starts within these days (weeks beyond 9999-12-31 have no date).
EARLIEST, LATEST = date(2000, 1, 1), date(2199, 12, 31)


def first_day(text: str | None, on: date) -> date:
    """``from`` as a date (a real one: 2026-02-30 is refused), today without one."""
    if text is None:
        return on
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise InvalidInput.at("from", f"'{text}' is not a date; use YYYY-MM-DD") from None
    if not EARLIEST <= day <= LATEST:
        raise InvalidInput.at("from", f"give a day between {EARLIEST} and {LATEST}")
    return day


def dimensions(group_by: str) -> tuple[Dimension, ...]:
    """``group_by`` (comma-separated) as dimensions, in their fixed order."""
    wanted = [part.strip().lower() for part in group_by.split(",") if part.strip()]
    unknown = [part for part in wanted if part not in DIMENSIONS]
    if unknown:
        raise InvalidInput.at(
            "group_by", f"unknown: {', '.join(unknown)}; use any of {', '.join(DIMENSIONS)}"
        )
    return tuple(dimension for dimension in DIMENSIONS if dimension in wanted)


async def supply_demand(
    session: AsyncSession,
    *,
    principal: Principal,
    query: SupplyDemandQuery,
    taxonomy: Taxonomy,
    feed: MatchFeed,
    on: date,
) -> list[Figure]:
    """The figures of what ``principal`` may see, from the worker's matching index (caught
    up with every change committed before the call) and the live engagements."""
    _check_codes(taxonomy, query)
    offers = await feed.current(session)
    requests = feed.demand.index
    assert requests is not None  # loaded with the offers
    engaged = await engagements.engaged_units(session, now=utcnow())
    return columnar.supply_demand(
        offers.parts(),
        requests.parts(),
        engaged,
        scope=Scope(viewer_of(principal), query.region, query.country),
        period=Period.starting(query.start, query.weeks),
        grouping=Grouping(query.group_by, query.level, query.skill, query.product),
        on=on,
    )


def _check_codes(taxonomy: Taxonomy, query: SupplyDemandQuery) -> None:
    """Filter codes must exist (deprecated ones are fine to filter by)."""
    filters: tuple[tuple[CodeKind, str | None], ...] = (
        ("skill", query.skill),
        ("product", query.product),
    )
    errors = [
        FieldError(field=kind, message=error.message)
        for kind, code in filters
        if code is not None
        for error in taxonomy.validate(kind, [code], field=kind, keep=[code])
    ]
    if errors:
        raise InvalidInput("; ".join(f"{e.field}: {e.message}" for e in errors), errors=errors)
