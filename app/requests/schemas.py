from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import Field, model_validator

from app.core.schemas import JsonDate, OutModel, PatchModel, StrictModel
from app.geo.schemas import Location
from app.market.schemas import ExternalRef, Quantity, Unit, Visibility
from app.models import CapacityRequest
from app.requests.rules import effective_status
from app.taxonomy.codes import CodeListField

# A request read as a plain row (same attribute names as the model), for read-only paths.
RequestRow = Any  # SQLAlchemy's Row, or the driver's named tuple (app/core/driver.py)
RequestInputStatus = Literal["open", "fulfilled", "cancelled"]
RequestStatus = Literal["open", "fulfilled", "cancelled", "expired"]


class Weights(StrictModel):
    """Overrides of the default matching weights, each in [0, 1]; renormalised to sum 1."""

    skill: float | None = Field(default=None, ge=0, le=1)
    certification: float | None = Field(default=None, ge=0, le=1)
    distance: float | None = Field(default=None, ge=0, le=1)
    capacity: float | None = Field(default=None, ge=0, le=1)
    time: float | None = Field(default=None, ge=0, le=1)
    reliability: float | None = Field(default=None, ge=0, le=1)

    @model_validator(mode="after")
    def _some_weight(self) -> Weights:
        overrides = self.overrides()
        if len(overrides) == len(type(self).model_fields) and not any(overrides.values()):
            raise ValueError("at least one weight must be greater than 0")
        return self

    def overrides(self) -> dict[str, float]:
        return {name: value for name, value in self.model_dump().items() if value is not None}


class RequestTerms(StrictModel):
    """What is wanted: the fields a stored request and a match search share."""

    organization_id: str | None = Field(
        default=None, description="Required with a partner key; implied by an organisation key"
    )
    description: str | None = Field(default=None, max_length=5000)
    skills: CodeListField = Field(default_factory=list, examples=[["textile.sewing"]])
    products: CodeListField = Field(default_factory=list, examples=[["mask.surgical"]])
    quantity: Quantity = Field(examples=[20000])
    unit: Unit = "pieces"
    needed_by: JsonDate = Field(examples=["2030-06-30"])
    location: Location | None = Field(
        default=None, description="Delivery point; default: the organisation's"
    )
    max_distance_km: float | None = Field(default=None, gt=0, le=20_000)
    required_certifications: CodeListField = Field(default_factory=list, examples=[["en-14683"]])
    preferred_certifications: CodeListField = Field(default_factory=list, examples=[["iso-13485"]])
    weights: Weights | None = Field(
        default=None, description="Matching weight overrides; default weights when absent"
    )


class RequestCreate(RequestTerms):
    title: str = Field(min_length=1, max_length=200, examples=["20k type IIR masks for clinics"])
    visibility: Visibility = "shared"
    alert_min_score: float = Field(
        default=0.5, ge=0, le=1, description="match.found from this score on (0..1)"
    )
    external_ref: ExternalRef | None = None


class RequestUpdate(PatchModel):
    clearable = frozenset({"description", "max_distance_km", "weights", "external_ref"})

    title: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=5000)
    skills: CodeListField | None = None
    products: CodeListField | None = None
    quantity: Quantity | None = None
    unit: Unit | None = None
    needed_by: JsonDate | None = None
    location: Location | None = None
    max_distance_km: float | None = Field(default=None, gt=0, le=20_000)
    required_certifications: CodeListField | None = None
    preferred_certifications: CodeListField | None = None
    visibility: Visibility | None = None
    status: RequestInputStatus | None = None
    weights: Weights | None = None
    alert_min_score: float | None = Field(default=None, ge=0, le=1)
    external_ref: ExternalRef | None = None


class RequestOut(OutModel):
    id: str
    partner_id: str
    organization_id: str
    title: str
    description: str | None
    skills: list[str]
    products: list[str]
    quantity: int
    unit: str
    needed_by: date
    location: Location
    region: str | None
    max_distance_km: float | None
    required_certifications: list[str]
    preferred_certifications: list[str]
    visibility: Visibility
    status: RequestStatus
    external_ref: str | None
    weights: dict[str, float] | None
    alert_min_score: float
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None

    @classmethod
    def of(cls, request: CapacityRequest | RequestRow, *, on: date) -> RequestOut:
        return cls(
            id=request.id,
            partner_id=request.partner_id,
            organization_id=request.organization_id,
            title=request.title,
            description=request.description,
            skills=request.skills,
            products=request.products,
            quantity=request.quantity,
            unit=request.unit,
            needed_by=request.needed_by,
            location=Location(lat=request.lat, lon=request.lon),
            region=request.region,
            max_distance_km=request.max_distance_km,
            required_certifications=request.required_certifications,
            preferred_certifications=request.preferred_certifications,
            visibility=request.visibility,
            status=effective_status(request.status, request.needed_by, on=on),
            external_ref=request.external_ref,
            weights=request.weights,
            alert_min_score=request.alert_min_score,
            created_at=request.created_at,
            updated_at=request.updated_at,
            closed_at=request.closed_at,
        )
