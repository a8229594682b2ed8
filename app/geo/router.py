"""Regions: the ISO 3166-2 subdivisions offers, requests and organisations are filed under."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from app.auth.dependencies import AnyAuth
from app.auth.routing import domain_router
from app.core.errors import problem_responses
from app.geo import service
from app.geo.schemas import CountryCode, RegionList, RegionOut

router = domain_router("/regions", tags=["regions"])


@router.get("", response_model=RegionList, responses=problem_responses(401, 422, 503))
async def list_regions(
    _principal: AnyAuth, country: Annotated[CountryCode | None, Query()] = None
) -> RegionList:
    """List the ISO 3166-2 regions (DE, AT, CH) with German and English names."""
    return RegionList(
        data=[
            RegionOut(code=r.code, country=r.country, name_de=r.name_de, name_en=r.name_en)
            for r in service.list_regions(country)
        ]
    )
