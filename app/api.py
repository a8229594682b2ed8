"""The composition of the domains: every router of the versioned API (each carries the
/v1 prefix itself) and every hook a domain registers at start-up."""

from __future__ import annotations

from fastapi import FastAPI

from app.alerts.router import router as saved_searches_router
from app.allocation.router import router as allocations_router
from app.analytics.router import router as analytics_router
from app.auth.router import organizations_router as organization_keys_router
from app.auth.router import partners_router as partner_keys_router
from app.calendar import service as calendar_service
from app.calendar.router import ics_router as calendar_ics_router
from app.calendar.router import offers_router as offer_events_router
from app.calendar.router import requests_router as request_events_router
from app.calendar.router import router as calendar_router
from app.core.erasure import PersonalDataErased
from app.core.events import Audited, subscribe
from app.engagements import subscribers as engagement_subscribers
from app.engagements.router import requests_router as request_engagements_router
from app.engagements.router import router as engagements_router
from app.events import outbox
from app.events.router import router as events_router
from app.feeds.router import router as feed_subscriptions_router
from app.geo.distance import register_sql_functions
from app.geo.router import router as regions_router
from app.imports.router import router as imports_router
from app.matching.notify import announce_market_change
from app.matching.router import offers_router as offer_matches_router
from app.matching.router import requests_router as request_matches_router
from app.matching.router import search_router as match_search_router
from app.notices import service as notices_service
from app.notices.router import router as notices_router
from app.offers import subscribers as offer_subscribers
from app.offers.router import router as offers_router
from app.organizations.events import OrganizationClosed
from app.organizations.router import router as organizations_router
from app.partners.router import router as partners_router
from app.privacy.router import router as privacy_router
from app.requests import subscribers as request_subscribers
from app.requests.router import router as requests_router
from app.taxonomy.router import router as taxonomy_router
from app.web.idempotency import forget_answers_about
from app.webhooks.fanout import erase_payload_copies, fan_out
from app.webhooks.router import router as webhooks_router

DOMAIN_ROUTERS = (
    partners_router,
    partner_keys_router,
    organizations_router,
    organization_keys_router,
    offers_router,
    requests_router,
    request_matches_router,
    request_engagements_router,
    engagements_router,
    offer_matches_router,
    match_search_router,
    saved_searches_router,
    regions_router,
    taxonomy_router,
    events_router,
    webhooks_router,
    imports_router,
    analytics_router,
    privacy_router,
    allocations_router,
    feed_subscriptions_router,
    notices_router,
    calendar_router,
    calendar_ics_router,
    request_events_router,
    offer_events_router,
)


def include_api(app: FastAPI) -> None:
    for router in DOMAIN_ROUTERS:
        app.include_router(router)


def register_hooks() -> None:
    """What domains plug into plumbing and into each other, once per process:
    SQL functions SQLite lacks, and the subscribers of in-transaction domain events."""
    register_sql_functions()
    # Subscribers of one event run in registration order. Engagements come first: its
    # OrganizationClosed subscriber locks what the close touches before the others act.
    engagement_subscribers.register()
    request_subscribers.register()
    offer_subscribers.register()
    subscribe(OrganizationClosed, calendar_service.cancel_events_of_closed_organization)
    subscribe(OrganizationClosed, notices_service.withdraw_notices_of_closed_organization)
    subscribe(outbox.ResourceChanged, outbox.record)
    subscribe(outbox.ResourcesChanged, outbox.record_all)
    subscribe(Audited, outbox.record_audited)
    subscribe(PersonalDataErased, outbox.erase_copies)
    subscribe(PersonalDataErased, erase_payload_copies)
    subscribe(PersonalDataErased, forget_answers_about)
    subscribe(outbox.EventWritten, fan_out)
    subscribe(outbox.ResourceChanged, announce_market_change)
    subscribe(outbox.ResourcesChanged, announce_market_change)
