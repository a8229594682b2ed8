from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import AliasChoices, BaseModel, Field

from app.core.schemas import OutModel


class ActorOut(OutModel):
    """Who caused the event: the feed doubles as an audit log (never the key itself)."""

    kind: Literal["admin", "partner", "organization", "system"]
    # Events stored before the field was named key_id carry it as "id".
    key_id: str | None = Field(
        validation_alias=AliasChoices("key_id", "id"),
        description="The id of the key that made the change; null for the system",
    )


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
