"""ORM tables, one module per table. Importing this package registers them all."""

from app.models.alert_pair import AlertPair
from app.models.allocation import Allocation
from app.models.api_key import ApiKey
from app.models.calendar_event import CalendarEvent
from app.models.engagement import Engagement, EngagementEvent, EngagementMessage
from app.models.event import Event
from app.models.feed_subscription import FeedSubscription
from app.models.idempotency import IdempotencyRecord
from app.models.import_job import ImportJob
from app.models.market_change import MarketChange
from app.models.notice import Notice
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
    "CalendarEvent",
    "CapacityRequest",
    "Engagement",
    "EngagementEvent",
    "EngagementMessage",
    "Event",
    "FeedSubscription",
    "IdempotencyRecord",
    "ImportJob",
    "MarketChange",
    "Notice",
    "Offer",
    "Organization",
    "OrganizationCertification",
    "Partner",
    "PostalCode",
    "SavedSearch",
    "WebhookDelivery",
    "WebhookEndpoint",
]
