"""Every domain router of the versioned API (each carries the /v1 prefix itself)."""

from __future__ import annotations

from fastapi import FastAPI

from app.engagements.router import requests_router as request_engagements_router
from app.engagements.router import router as engagements_router
from app.geo.router import router as regions_router
from app.matching.router import offers_router as offer_matches_router
from app.matching.router import requests_router as request_matches_router
from app.matching.router import search_router as match_search_router
from app.offers.router import router as offers_router
from app.organizations.router import router as organizations_router
from app.partners.router import router as partners_router
from app.requests.router import router as requests_router
from app.taxonomy.router import router as taxonomy_router

DOMAIN_ROUTERS = (
    partners_router,
    organizations_router,
    offers_router,
    requests_router,
    request_matches_router,
    request_engagements_router,
    engagements_router,
    offer_matches_router,
    match_search_router,
    regions_router,
    taxonomy_router,
)


def include_api(app: FastAPI) -> None:
    for router in DOMAIN_ROUTERS:
        app.include_router(router)
