"""Shapes of the feed subscriptions: read-only links for calendar apps and feed readers."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field

from app.core.schemas import LanguageCode, OutModel, StrictModel
from app.geo.schemas import RegionCode
from app.taxonomy.codes import Code
from app.web.secrets import ShownOnce

FeedName = Literal["calendar", "notices"]
NoticeKind = Literal["call_for_partners", "funding", "standard", "other"]
Identifier = Annotated[str, Field(min_length=1, max_length=40)]


class FeedFilters(StrictModel):
    """The list filters a subscribed feed applies (each as the list endpoint's parameter)."""

    topic: Code | None = Field(default=None, description="About this topic (or a narrower one)")
    partner_id: Identifier | None = Field(
        default=None, description="Posted by this partner's members"
    )
    organization_id: Identifier | None = None
    language: LanguageCode | None = None
    region: RegionCode | None = Field(
        default=None, description="Calendar only: held in this region"
    )
    kind: NoticeKind | None = Field(default=None, description="Notices only: this kind of notice")
    q: str | None = Field(default=None, min_length=1, max_length=200)


class SubscriptionCreate(StrictModel):
    feed: FeedName = Field(
        default="calendar",
        description="`calendar`: the .ics (RFC 5545); `notices`: the Atom feed (RFC 4287)",
    )
    name: str | None = Field(default=None, min_length=1, max_length=200, examples=["Outlook"])
    filters: FeedFilters = Field(default_factory=FeedFilters)


class SubscriptionOut(OutModel):
    id: str
    feed: FeedName
    name: str | None
    filters: dict[str, Any]
    token_prefix: str = Field(description="The token's first characters, to tell links apart")
    created_at: datetime
    revoked_at: datetime | None


class SubscriptionCreated(SubscriptionOut, ShownOnce):
    url: str = Field(description="The feed with the token in its query: give this to the app")
    token: str = Field(description="Shown once; reads only this feed, as your key would")

    @classmethod
    def already_issued(cls, body: Mapping[str, Any]) -> str:
        return (
            f"Feed subscription {body['id']} was created by this request already and its "
            "token is shown only once; revoke it (DELETE /v1/calendar-subscriptions/"
            f"{body['id']}) and create another."
        )
