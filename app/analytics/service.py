"""The situation picture (API.md "Situation picture"): what the caller may see, counted
as ``app.analytics.figures`` says."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
from sqlalchemy.ext.asyncio import AsyncSession

from app.analytics.figures import (
    DIMENSIONS,
    Demand,
    Dimension,
    Figure,
    Grouping,
    Period,
    Supply,
    figures,
)
from app.analytics.repository import AnalyticsRepository
from app.auth.principal import Principal
from app.core.dates import utcnow
from app.core.errors import FieldError, InvalidInput
from app.geo.shapes import document
from app.market.listing import MarketFilters
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


def first_day(text: str | None, on: date) -> date:
    """``from`` as a date (a real one: 2026-02-30 is refused), today without one."""
    if text is None:
        return on
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput.at("from", f"'{text}' is not a date; use YYYY-MM-DD") from None


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
    on: date,
) -> list[Figure]:
    _check_codes(taxonomy, query)
    filters = MarketFilters(skill=query.skill, product=query.product, region=query.region)
    repository = AnalyticsRepository(session)
    offers = await repository.offers(
        principal=principal, filters=filters, country=query.country, on=on
    )
    requests = await repository.requests(
        principal=principal, filters=filters, country=query.country, on=on, now=utcnow()
    )
    grouping = Grouping(query.group_by, query.level, query.skill, query.product)
    period = Period.starting(query.start, query.weeks)
    return figures(_supply(offers, on), _demand(requests), period, grouping)


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


def _supply(rows: Sequence[Any], on: date) -> Supply:
    return Supply(
        regions=[row.region for row in rows],
        skills=[row.skills for row in rows],
        products=[row.products for row in rows],
        per_week=_ints(row.capacity_per_week for row in rows),
        remaining=_ints(row.remaining for row in rows),
        first_day=_ints(
            max(row.available_from, on + timedelta(days=row.lead_time_days)).toordinal()
            for row in rows
        ),
        last_day=_ints(row.available_until.toordinal() for row in rows),
    )


def _demand(rows: Sequence[Any]) -> Demand:
    return Demand(
        regions=[row.region for row in rows],
        skills=[row.skills for row in rows],
        products=[row.products for row in rows],
        unreserved=_ints(max(0, row.quantity - row.engaged) for row in rows),
        reserved=_ints(min(row.quantity, row.engaged) for row in rows),
        due=_ints(row.needed_by.toordinal() for row in rows),
    )


def _ints(values: Any) -> Any:
    return np.fromiter(values, dtype=np.int64)
