"""``GET /v1/analytics/supply-demand`` as the API shows it."""

from __future__ import annotations

from pydantic import Field

from app.core.schemas import OutModel


class SupplyDemandRow(OutModel):
    """One group. Only the keys of ``group_by`` are present (``null``: the offers and
    requests that name no code of that kind, or have no region)."""

    region: str | None = Field(default=None, examples=["DE-BW"])
    skill: str | None = Field(default=None, examples=["textile.sewing"])
    product: str | None = Field(default=None, examples=["mask.surgical"])
    week: str | None = Field(default=None, examples=["2026-W49"], description="ISO week")
    supply: int = Field(description="Units the visible active offers can deliver in it")
    demand: int = Field(description="Unreserved units of the visible open requests due in it")
    reserved: int = Field(description="Units of those requests already held or accepted")
    coverage: float = Field(description="min(1, supply / demand); 1 without demand")
    shortage: int = Field(description="max(0, demand - supply)")
    active_offers: int = Field(description="Offers with supply in it")
    open_requests: int = Field(description="Requests due in it")


class SupplyDemandOut(OutModel):
    data: list[SupplyDemandRow]
