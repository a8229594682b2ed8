"""Shapes of the matching endpoints (API.md "Matching")."""

from __future__ import annotations

from pydantic import BaseModel, Field

from app.requests.schemas import RequestTerms


class MatchSearch(RequestTerms):
    """An unsaved request: ranked, never stored."""

    organization_id: str | None = Field(
        default=None, description="Whose location to use when `location` is absent"
    )
    title: str | None = Field(default=None, max_length=200)


class Breakdown(BaseModel):
    skill: float
    certification: float
    distance: float
    capacity: float
    time: float
    reliability: float = Field(
        description="The seller's history: fulfilled vs. failed engagements and answers "
        "to holds, smoothed with a prior (a newcomer sits at 0.75)"
    )


class OrganizationRef(BaseModel):
    id: str
    name: str


class MatchedOffer(BaseModel):
    id: str
    title: str
    organization: OrganizationRef
    region: str | None = None


class MatchedRequest(BaseModel):
    id: str
    title: str
    organization: OrganizationRef
    region: str | None = None


class _Scores(BaseModel):
    score: float = Field(ge=0, le=1)
    rank: int = Field(ge=1, description="Position in the whole ranking (continues across pages)")
    breakdown: Breakdown
    distance_km: float
    deliverable_quantity: int
    reasons: list[str]


class OfferMatch(_Scores):
    offer: MatchedOffer


class RequestMatch(_Scores):
    request: MatchedRequest


class OfferMatchPage(BaseModel):
    data: list[OfferMatch]
    has_more: bool
    next_cursor: str | None = None


class RequestMatchPage(BaseModel):
    data: list[RequestMatch]
    has_more: bool
    next_cursor: str | None = None
