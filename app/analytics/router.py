"""``GET /v1/analytics/supply-demand``: the situation picture."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

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
from app.taxonomy.dependencies import TaxonomyDep

router = domain_router("/analytics", tags=["analytics"])

MAX_WEEKS = 52
_DIMENSION = "(region|skill|product|week)"
GROUP_BY_PATTERN = rf"^ *({_DIMENSION}( *, *{_DIMENSION})*)? *$"


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
    group_by: Annotated[
        str,
        Query(
            description="Comma-separated, any of region, skill, product, week",
            examples=["region,skill"],
            max_length=100,
            pattern=GROUP_BY_PATTERN,
        ),
    ] = "region",
    start: Annotated[
        str | None,
        Query(
            alias="from",
            description="A day of the first week, YYYY-MM-DD (default: today)",
            pattern=r"^\d{4}-\d{2}-\d{2}$",
            json_schema_extra={"format": "date"},
        ),
    ] = None,
    weeks: Annotated[int, Query(ge=1, le=MAX_WEEKS)] = 8,
    region: Annotated[RegionCode | None, Query()] = None,
    country: Annotated[CountryCode | None, Query()] = None,
    skill: SkillQuery = None,
    product: ProductQuery = None,
    level: Annotated[
        int | None, Query(ge=1, le=10, description="Cut taxonomy codes to this many segments")
    ] = None,
) -> SupplyDemandOut:
    on = today()
    query = service.SupplyDemandQuery(
        group_by=service.dimensions(group_by),
        start=service.first_day(start, on),
        weeks=weeks,
        region=region,
        country=country,
        skill=skill,
        product=product,
        level=level,
    )
    found = await service.supply_demand(
        session, principal=principal, query=query, taxonomy=taxonomy, on=on
    )
    return SupplyDemandOut(data=[_row(figure) for figure in found])


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
