"""Shapes of the saved-search endpoints."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from app.core.schemas import OutModel, PatchModel, StrictModel
from app.matching.schemas import MatchSearch

MIN_SCORE_DESCRIPTION = "match.found for an offer scoring at least this (0..1)"


class SavedSearchCreate(StrictModel):
    organization_id: str | None = Field(
        default=None, description="Required with a partner key; implied by an organisation key"
    )
    name: str = Field(min_length=1, max_length=200, examples=["Masks near Stuttgart"])
    criteria: MatchSearch = Field(description="The body of POST /v1/matches/search")
    min_score: float = Field(default=0.5, ge=0, le=1, description=MIN_SCORE_DESCRIPTION)


class SavedSearchUpdate(PatchModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    criteria: MatchSearch | None = Field(
        default=None, description="Replaces the criteria as a whole"
    )
    min_score: float | None = Field(default=None, ge=0, le=1, description=MIN_SCORE_DESCRIPTION)


class SavedSearchOut(OutModel):
    id: str
    partner_id: str
    organization_id: str
    name: str
    criteria: dict[str, Any]
    min_score: float
    created_at: datetime
    updated_at: datetime
