"""Shapes of the production chains endpoint (API.md "Production chains")."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from app.matching.schemas import MatchedOffer


class ChainStepOut(BaseModel):
    skill: str = Field(
        description="The skill this step brings", examples=["textile.nonwoven.spunbond"]
    )
    offer: MatchedOffer
    deliverable_quantity: int = Field(
        description="What the offer makes from `starts_on` to the request's `needed_by`, in `unit`"
    )
    unit: str = Field(description="The offer's unit (an upstream step may use another one)")
    distance_km: float = Field(
        description="From this step to where it delivers: the next step, or for the last "
        "step the request's delivery point"
    )
    starts_on: date = Field(description="When the step can start: the step before is ready")
    lead_time_days: int
    certificates_expected: date | None = Field(
        default=None,
        description="Last step only: when a required certification still in progress is "
        "expected; the step starts no earlier (null: every one is held)",
    )


class ChainBreakdown(BaseModel):
    quantity: float = Field(description="min(1, quantity / quantity wanted)")
    distance: float = Field(description="Mean of exp(-d / 150 km) over the hops")
    time: float = Field(description="Days to spare before needed_by / 14, at most 1")


class ChainOut(BaseModel):
    product: str = Field(description="The requested product the chain makes")
    steps: list[ChainStepOut] = Field(description="One per skill of the product, upstream first")
    quantity: int = Field(
        description="The bottleneck: the least any step in the request's unit delivers, "
        "at most the quantity wanted"
    )
    ready_by: date = Field(description="When the last step can start delivering")
    score: float = Field(ge=0, le=1)
    breakdown: ChainBreakdown
    total_distance_km: float
    reasons: list[str]


class ChainPage(BaseModel):
    data: list[ChainOut]
    has_more: bool
    next_cursor: str | None = None
