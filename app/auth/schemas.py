from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from app.core.schemas import OutModel, StrictModel


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


class ApiKeyCreated(ApiKeyOut):
    api_key: str = Field(description="The key itself. Shown only in this response.")
