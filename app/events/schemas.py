from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from app.core.schemas import OutModel


class ActorOut(OutModel):
    kind: Literal["admin", "partner", "organization", "system"]
    id: str | None = Field(description="The key's id; null for the system")


class EventOut(OutModel):
    id: str = Field(examples=["evt_01J..."])
    type: str = Field(examples=["offer.created"])
    created_at: datetime
    partner_id: str
    organization_id: str | None
    actor: ActorOut | None
    data: dict[str, Any] = Field(
        description='{"object": ...}: the resource as GET returns it, or the alert'
    )


class EventPage(BaseModel):
    data: list[EventOut]
    has_more: bool
    next_cursor: str = Field(
        description="Pass as `after` to continue; also when the page is empty or the last"
    )
