from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import Field, field_validator

from app.core.dates import utcnow
from app.core.schemas import JsonInstant, OutModel, StrictModel
from app.web.secrets import ShownOnce


class ApiKeyCreate(StrictModel):
    name: str | None = Field(default=None, max_length=100, description="Your label for the key")
    expires_at: JsonInstant | None = Field(
        default=None,
        description="When the key stops working (RFC 3339 with a time zone, in the future); "
        "none: until revoked",
        examples=["2027-06-30T00:00:00Z"],
    )

    @field_validator("expires_at")
    @classmethod
    def _in_the_future(cls, value: datetime | None) -> datetime | None:
        if value is not None and value <= utcnow():
            raise ValueError("must lie in the future")
        return value.astimezone(UTC) if value is not None else None


class ApiKeyOut(OutModel):
    id: str
    kind: Literal["partner", "organization"]
    partner_id: str
    organization_id: str | None
    name: str | None
    prefix: str = Field(description="First characters of the key, to recognise it")
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    expires_at: datetime | None = Field(description="When the key stops working; none: never")


class ApiKeyCreated(ApiKeyOut, ShownOnce):
    api_key: str = Field(description="The key itself. Shown only in this response.")

    @classmethod
    def already_issued(cls, body: Mapping[str, Any]) -> str:
        owner = (
            f"/v1/partners/{body['partner_id']}"
            if body["organization_id"] is None
            else f"/v1/organizations/{body['organization_id']}"
        )
        return (
            f"API key {body['id']} was issued already by this request; its secret is shown "
            f"only once. If it was lost, revoke it (DELETE {owner}/api-keys/{body['id']}) "
            f"and issue another (POST {owner}/api-keys)."
        )
