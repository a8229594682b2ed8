"""ORM tables, one module per table. Importing this package registers them all."""

from app.models.alert_pair import AlertPair
from app.models.allocation import Allocation
from app.models.api_key import ApiKey
from app.models.engagement import Engagement, EngagementEvent, EngagementMessage
from app.models.event import Event
from app.models.idempotency import IdempotencyRecord
from app.models.import_job import ImportJob
from app.models.market_change import MarketChange
from app.models.offer import Offer
from app.models.organization import Organization, OrganizationCertification
from app.models.partner import Partner
from app.models.postal_code import PostalCode
from app.models.request import CapacityRequest
from app.models.saved_search import SavedSearch
from app.models.webhook import WebhookDelivery, WebhookEndpoint

__all__ = [
    "AlertPair",
    "Allocation",
    "ApiKey",
    "CapacityRequest",
    "Engagement",
    "EngagementEvent",
    "EngagementMessage",
    "Event",
    "IdempotencyRecord",
    "ImportJob",
    "MarketChange",
    "Offer",
    "Organization",
    "OrganizationCertification",
    "Partner",
    "PostalCode",
    "SavedSearch",
    "WebhookDelivery",
    "WebhookEndpoint",
]
