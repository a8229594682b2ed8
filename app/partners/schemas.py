from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from app.core.schemas import OutModel, StrictModel

SLUG_PATTERN = r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$"
PartnerStatus = Literal["active", "inactive"]


class PartnerCreate(StrictModel):
    name: str = Field(min_length=1, max_length=200, examples=["Place2tex"])
    slug: str = Field(pattern=SLUG_PATTERN, examples=["place2tex"])


class PartnerUpdate(StrictModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    status: PartnerStatus | None = None


class PartnerOut(OutModel):
    id: str
    name: str
    slug: str
    status: PartnerStatus
    created_at: datetime
    updated_at: datetime


class PartnerCreated(PartnerOut):
    api_key: str = Field(description="The partner's first key (cmp_...). Shown only here.")
