from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from app.core.schemas import OutModel, StrictModel
from app.engagements.rules import Side, Status
from app.market.schemas import Quantity
from app.organizations.schemas import Contact

Actor = Literal["buyer", "seller", "system"]


class EngagementCreate(StrictModel):
    offer_id: str = Field(min_length=1, max_length=40)
    quantity: Quantity = Field(examples=[5000])
    message: str | None = Field(
        default=None,
        min_length=1,
        max_length=5000,
        description="Opens the engagement's message thread",
    )


class TransitionNote(StrictModel):
    note: str | None = Field(default=None, min_length=1, max_length=2000)


class MessageCreate(StrictModel):
    text: str = Field(min_length=1, max_length=5000)


class PartyOut(OutModel):
    """One side of an engagement as the other side sees it.

    ``contact`` appears only once the engagement has been accepted (for one's own
    side it is always there).
    """

    organization_id: str
    partner_id: str
    name: str
    region: str | None
    erased: bool = Field(
        default=False, description="Its contact persons' data was erased (GDPR Art. 17)"
    )
    certifications: list[str]
    contact: Contact | None = None


class EventOut(OutModel):
    from_status: Status | None
    to_status: Status
    actor: Actor
    note: str | None
    at: datetime


class EngagementOut(OutModel):
    id: str
    request_id: str
    offer_id: str
    quantity: int
    status: Status
    expires_at: datetime | None = Field(
        description="When the hold lapses; null unless the engagement reads pending"
    )
    accepted_at: datetime | None
    closed_at: datetime | None
    your_sides: list[Side] = Field(description="The caller's sides (none for the operator)")
    buyer: PartyOut
    seller: PartyOut
    history: list[EventOut]
    created_at: datetime
    updated_at: datetime


class MessageOut(OutModel):
    id: str
    engagement_id: str
    author_side: Side
    author_organization_id: str
    text: str
    created_at: datetime
