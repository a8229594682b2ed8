"""What the allocation endpoints take and answer (API.md "Allocation")."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, Field, Strict, model_validator

from app.core.schemas import StrictModel, number_not_text

Objective = Literal["coverage", "fair"]
MAX_REQUESTS = 10_000


class AllocationFilter(StrictModel):
    """Which open requests take part: every one of yours matching all that is given."""

    skill: str | None = Field(default=None, max_length=100, examples=["textile.sewing"])
    product: str | None = Field(default=None, max_length=100, examples=["gown.isolation"])
    region: str | None = Field(
        default=None, pattern=r"^[A-Za-z]{2}-[A-Za-z0-9]{1,3}$", examples=["DE-BW"]
    )
    organization_id: str | None = Field(default=None, max_length=40)


class AllocationCreate(StrictModel):
    request_ids: list[str] | None = Field(
        default=None,
        min_length=1,
        max_length=MAX_REQUESTS,
        description="The open requests to allocate (yours); or give `filter`",
    )
    filter: AllocationFilter | None = Field(
        default=None, description="Every open request of yours that matches (at most 10,000)"
    )
    objective: Objective = Field(
        default="fair",
        description="`coverage`: the most units, then the least distance; `fair`: the highest "
        "minimum coverage over the requests, then the most units, then the least distance",
    )
    candidates_per_request: Annotated[
        int, Field(ge=1, le=100), Strict(False), BeforeValidator(number_not_text)
    ] = Field(default=20, description="Top matches per request considered")
    solver: Literal["auto", "highs", "ortools"] = Field(
        default="auto",
        description="`auto`: OR-Tools' network flow when it is installed (the `ortools` "
        "extra), HiGHS for what needs a MIP (the most units under minimum orders); `highs` "
        "only HiGHS; `ortools` only the network flow (501 where it is not installed)",
    )
    time_limit_s: float = Field(
        default=20.0,
        gt=0,
        le=120,
        description="Stop the solver after this long (with minimum "
        "orders the program is a MIP) and answer the best allocation found",
    )

    @model_validator(mode="after")
    def _one_selection(self) -> AllocationCreate:
        if (self.request_ids is None) == (self.filter is None):
            raise ValueError("give either request_ids or filter")
        return self


class Assignment(BaseModel):
    request_id: str
    offer_id: str
    quantity: int
    distance_km: float
    score: float = Field(description="The match's score for this request")
    rank: int = Field(description="The offer's place among the request's matches (1 = best)")
    reasons: list[str]
    engagement_id: str | None = Field(default=None, description="The hold, once applied")


class RequestAllocation(BaseModel):
    request_id: str
    requested: int = Field(description="The request's unreserved quantity")
    allocated: int
    coverage: float
    greedy_allocated: int = Field(description="What the greedy baseline gives it")
    reasons: list[str]


class Baseline(BaseModel):
    allocated: int
    coverage: float
    min_coverage: float
    mean_distance_km: float | None


class Totals(BaseModel):
    requested: int
    allocated: int
    coverage: float
    min_coverage: float = Field(
        description="The smallest coverage of a request that some offer could serve"
    )
    mean_distance_km: float | None = Field(description="Per allocated unit")
    requests: int
    servable_requests: int = Field(description="Requests with at least one candidate offer")
    greedy: Baseline


class AllocationOut(BaseModel):
    id: str
    status: Literal["proposed", "applied"]
    objective: Objective
    assignments: list[Assignment]
    requests: list[RequestAllocation]
    totals: Totals
    solver: str
    solve_ms: int
    solver_status: Literal["optimal", "time_limit", "feasible"] = Field(
        description="`optimal`; `time_limit`: the best found in `time_limit_s`; `feasible`: "
        "minimum orders kept by dropping the edges that broke one and solving again (the "
        "fair objective with minimum orders, or `ortools` with them), not proven optimal"
    )
    created_at: datetime
    updated_at: datetime
    applied_at: datetime | None
