from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from app.core.schemas import OutModel, PatchModel, StrictModel
from app.web.secrets import ShownOnce

SLUG_PATTERN = r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$"
PartnerStatus = Literal["active", "inactive"]


class PartnerCreate(StrictModel):
    name: str = Field(min_length=1, max_length=200, examples=["Place2tex"])
    slug: str = Field(pattern=SLUG_PATTERN, examples=["place2tex"])


class PartnerUpdate(PatchModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    status: PartnerStatus | None = None


class PartnerOut(OutModel):
    id: str
    name: str
    slug: str
    status: PartnerStatus
    created_at: datetime
    updated_at: datetime


class PartnerCreated(PartnerOut, ShownOnce):
    api_key: str = Field(description="The partner's first key (cmp_...). Shown only here.")
    api_key_id: str = Field(description="Id of that key, to revoke it (DELETE .../api-keys/{id})")

    @classmethod
    def already_issued(cls, body: Mapping[str, Any]) -> str:
        keys = f"/v1/partners/{body['id']}/api-keys"
        return (
            f"Partner {body['id']} was created already by this request, with API key "
            f"{body['api_key_id']}; a key's secret is shown only once. If it was lost, "
            f"revoke the key (DELETE {keys}/{body['api_key_id']}) and issue another "
            f"(POST {keys})."
        )
