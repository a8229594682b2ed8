"""The webhook endpoints and deliveries as the API shows them (never the stored secrets)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any, ClassVar, Literal

from pydantic import Field

from app.core.schemas import OutModel, PatchModel, StrictModel
from app.web.secrets import ShownOnce

EndpointStatus = Literal["enabled", "disabled"]
DeliveryStatus = Literal["pending", "succeeded", "failed"]
EVENT_TYPE_PATTERN = r"^(\*|[a-z][a-z_]*(\.[a-z][a-z_]*)*(\.\*)?)$"

Url = Annotated[
    str,
    Field(
        min_length=1,
        max_length=2048,
        pattern=r"^[Hh][Tt][Tt][Pp][Ss]?://[^\s/?#@]+([/?#]\S*)?$",
        description="Where deliveries are POSTed: https, on a public address (http and "
        "private addresses only where the deployment allows them)",
        examples=["https://portal.example/hooks"],
    ),
]
EventTypePattern = Annotated[
    str,
    Field(
        min_length=1,
        max_length=64,
        pattern=EVENT_TYPE_PATTERN,
        description="An event type (`match.found`), a prefix (`offer.*`) or `*`",
    ),
]
EventTypes = Annotated[list[EventTypePattern], Field(min_length=1, max_length=50)]
Description = Annotated[str, Field(max_length=500, description="Your note on the endpoint")]


class WebhookEndpointCreate(StrictModel):
    url: Url
    event_types: EventTypes
    description: Description | None = None


class WebhookEndpointUpdate(PatchModel):
    clearable: ClassVar[frozenset[str]] = frozenset({"description"})

    url: Url | None = None
    event_types: EventTypes | None = None
    description: Description | None = None
    status: EndpointStatus | None = Field(
        default=None, description="`enabled` also clears the failure streak"
    )


class WebhookEndpointOut(OutModel):
    id: str
    partner_id: str
    organization_id: str | None = Field(description="Set when an organisation owns the endpoint")
    url: str
    event_types: list[str]
    description: str | None
    status: EndpointStatus
    failing_since: datetime | None = Field(
        description="First failed attempt since the last success; 5 days of failures disable"
    )
    created_at: datetime
    updated_at: datetime


def _replay_detail(body: Mapping[str, Any], what: str) -> str:
    return (
        f"{what} of webhook endpoint {body['id']} was issued already by this request; it is "
        f"shown only once. If it was lost, rotate it "
        f"(POST /v1/webhook-endpoints/{body['id']}/rotate-secret)."
    )


class WebhookEndpointCreated(WebhookEndpointOut, ShownOnce):
    secret: str = Field(description="Signing secret (`whsec_...`). Shown only in this response.")

    @classmethod
    def already_issued(cls, body: Mapping[str, Any]) -> str:
        return _replay_detail(body, "The secret")


class WebhookSecretRotated(OutModel, ShownOnce):
    id: str = Field(description="The endpoint's id")
    secret: str = Field(description="The new signing secret. Shown only in this response.")
    previous_secret_expires_at: datetime = Field(
        description="Until then deliveries carry a signature with the old secret too"
    )

    @classmethod
    def already_issued(cls, body: Mapping[str, Any]) -> str:
        return _replay_detail(body, "The new secret")


class WebhookDeliveryOut(OutModel):
    id: str
    endpoint_id: str
    event_id: str
    event_type: str
    attempt: int = Field(description="Attempts made so far")
    status: DeliveryStatus
    response_status: int | None = Field(description="HTTP status of the last answer")
    duration_ms: int | None = Field(description="Duration of the last attempt")
    next_attempt_at: datetime | None
    error: str | None = Field(description="Why the last attempt failed")
    created_at: datetime
    updated_at: datetime
