"""``GET /v1/analytics/supply-demand``: the situation picture."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated

from fastapi import Depends, Query, Request
from fastapi.responses import JSONResponse

from app.analytics import service
from app.analytics.figures import Figure
from app.analytics.schemas import SupplyDemandOut, SupplyDemandRow
from app.auth.dependencies import AnyAuth
from app.auth.routing import domain_router
from app.core.dates import today
from app.core.db import SessionDep
from app.core.errors import problem_responses
from app.geo.schemas import CountryCode, RegionCode
from app.market.query import ProductQuery, SkillQuery
from app.matching.feed import MatchFeed
from app.taxonomy.dependencies import TaxonomyDep

router = domain_router("/analytics", tags=["analytics"])
GEOJSON = "application/geo+json"

MAX_WEEKS = 52
_DIMENSION = "(region|skill|product|week)"
GROUP_BY_PATTERN = rf"^ *({_DIMENSION}( *, *{_DIMENSION})*)? *$"


@dataclass(frozen=True, slots=True)
class PeriodQuery:
    on: date
    start: date
    weeks: int


def period_query(
    start: Annotated[
        str | None,
        Query(
            alias="from",
            description="A day of the first week, YYYY-MM-DD, 2000-2199 (default: today)",
            pattern=r"^2[01]\d\d-\d{2}-\d{2}$",  # 2000-2199
            json_schema_extra={"format": "date"},
        ),
    ] = None,
    weeks: Annotated[int, Query(ge=1, le=MAX_WEEKS)] = 8,
) -> PeriodQuery:
    on = today()
    return PeriodQuery(on, service.first_day(start, on), weeks)


PeriodDep = Annotated[PeriodQuery, Depends(period_query)]


def match_feed(request: Request) -> MatchFeed:
    """The worker's matching index, kept by the app (``app.main``)."""
    feed: MatchFeed = request.app.state.match_feed
    return feed


FeedDep = Annotated[MatchFeed, Depends(match_feed)]


@router.get(
    "/supply-demand",
    response_model=SupplyDemandOut,
    response_model_exclude_unset=True,
    responses=problem_responses(401, 422, 503),
    summary="Supply against demand per region, skill, product and week",
)
async def supply_demand(
    session: SessionDep,
    principal: AnyAuth,
    taxonomy: TaxonomyDep,
    feed: FeedDep,
    period: PeriodDep,
    group_by: Annotated[
        str,
        Query(
            description="Comma-separated, any of region, skill, product, week",
            examples=["region,skill"],
            max_length=100,
            pattern=GROUP_BY_PATTERN,
        ),
    ] = "region",
    region: Annotated[RegionCode | None, Query()] = None,
    country: Annotated[CountryCode | None, Query()] = None,
    skill: SkillQuery = None,
    product: ProductQuery = None,
    level: Annotated[
        int | None, Query(ge=1, le=10, description="Cut taxonomy codes to this many segments")
    ] = None,
) -> SupplyDemandOut:
    taxonomy.check_filters((("skill", "skill", skill), ("product", "product", product)))
    query = service.SupplyDemandQuery(
        group_by=service.dimensions(group_by),
        start=period.start,
        weeks=period.weeks,
        region=region,
        country=country,
        skill=skill,
        product=product,
        level=level,
    )
    found = await service.supply_demand(
        session, principal=principal, query=query, taxonomy=taxonomy, feed=feed, on=period.on
    )
    return SupplyDemandOut(data=[_row(figure) for figure in found])


@router.get(
    "/regions.geojson",
    response_class=JSONResponse,
    responses={
        200: {
            "content": {GEOJSON: {"schema": {"type": "object"}}},
            "description": "RFC 7946 FeatureCollection: one feature per region",
        },
        **problem_responses(401, 422, 503),
    },
    summary="Region outlines with their supply and demand figures",
)
async def regions_geojson(
    session: SessionDep,
    principal: AnyAuth,
    taxonomy: TaxonomyDep,
    feed: FeedDep,
    period: PeriodDep,
    skill: SkillQuery = None,
    product: ProductQuery = None,
) -> JSONResponse:
    taxonomy.check_filters((("skill", "skill", skill), ("product", "product", product)))
    query = service.SupplyDemandQuery(
        group_by=("region",), start=period.start, weeks=period.weeks, skill=skill, product=product
    )
    found = await service.supply_demand(
        session, principal=principal, query=query, taxonomy=taxonomy, feed=feed, on=period.on
    )
    collection = service.regions_collection(
        {
            figure.keys["region"]: _row(figure).model_dump(exclude={"region"}, exclude_unset=True)
            for figure in found
        }
    )
    return JSONResponse(collection, media_type=GEOJSON)


def _row(figure: Figure) -> SupplyDemandRow:
    return SupplyDemandRow(
        **figure.keys,
        supply=figure.supply,
        demand=figure.demand,
        reserved=figure.reserved,
        coverage=round(figure.coverage, 4),
        shortage=figure.shortage,
        active_offers=figure.active_offers,
        open_requests=figure.open_requests,
    )
