from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from app.core.schemas import OutModel, StrictModel
from app.web.secrets import ShownOnce


class ApiKeyCreate(StrictModel):
    name: str | None = Field(default=None, max_length=100, description="Your label for the key")


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
