from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, Strict

from app.core.schemas import JsonDate, OutModel, PatchModel, StrictModel, number_not_text
from app.geo.schemas import Location
from app.market.schemas import ExternalRef, Quantity, Unit, Visibility
from app.models import Offer
from app.offers.rules import effective_status
from app.taxonomy.codes import CodeListField

# An offer read as a plain row (same attribute names as the model), for read-only paths.
OfferRow = Any  # SQLAlchemy's Row, or the driver's named tuple (app/core/driver.py)
OfferInputStatus = Literal["draft", "active", "paused"]
OfferStatus = Literal["draft", "active", "paused", "closed", "expired"]
LeadTimeDays = Annotated[int, Field(ge=0, le=365), Strict(False), BeforeValidator(number_not_text)]


class Capacity(StrictModel):
    unit: Unit = "pieces"
    per_week: Quantity = Field(description="Units per week the line can produce")
    total: Quantity | None = Field(
        default=None, description="Total units offered; default: per_week over the window"
    )


class OfferCreate(StrictModel):
    organization_id: str | None = Field(
        default=None, description="Required with a partner key; implied by an organisation key"
    )
    title: str = Field(min_length=1, max_length=200, examples=["Free sewing line, 2 shifts"])
    description: str | None = Field(default=None, max_length=5000)
    skills: CodeListField = Field(default_factory=list, examples=[["textile.sewing"]])
    products: CodeListField = Field(default_factory=list, examples=[["mask.surgical"]])
    certifications: CodeListField = Field(
        default_factory=list, description="Must be held by the organisation", examples=[[]]
    )
    capacity: Capacity
    min_order_quantity: Quantity = 1
    lead_time_days: LeadTimeDays = 0
    available_from: JsonDate | None = Field(default=None, description="Default: today")
    available_until: JsonDate = Field(examples=["2030-06-30"])
    location: Location | None = Field(default=None, description="Default: the organisation's")
    service_radius_km: float | None = Field(
        default=None, gt=0, le=20_000, description="How far the maker delivers; null: anywhere"
    )
    visibility: Visibility = "shared"
    status: OfferInputStatus = "active"
    external_ref: ExternalRef | None = None


class OfferUpdate(PatchModel):
    clearable = frozenset({"description", "service_radius_km", "external_ref"})

    title: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=5000)
    skills: CodeListField | None = None
    products: CodeListField | None = None
    certifications: CodeListField | None = None
    capacity: Capacity | None = None
    min_order_quantity: Quantity | None = None
    lead_time_days: LeadTimeDays | None = None
    available_from: JsonDate | None = None
    available_until: JsonDate | None = None
    location: Location | None = None
    service_radius_km: float | None = Field(default=None, gt=0, le=20_000)
    visibility: Visibility | None = None
    status: OfferInputStatus | None = None
    external_ref: ExternalRef | None = None


class CapacityOut(OutModel):
    unit: str
    per_week: int
    total: int | None


class OfferOut(OutModel):
    id: str
    partner_id: str
    organization_id: str
    title: str
    description: str | None
    skills: list[str]
    products: list[str]
    certifications: list[str]
    capacity: CapacityOut
    min_order_quantity: int
    lead_time_days: int
    available_from: date
    available_until: date
    location: Location
    region: str | None
    service_radius_km: float | None
    visibility: Visibility
    status: OfferStatus
    external_ref: str | None
    total_quantity: int = Field(description="Units offered over the whole window")
    reserved_quantity: int = Field(description="Taken by accepted engagements")
    held_quantity: int = Field(description="Held by pending engagements that have not expired")
    remaining_quantity: int = Field(description="total - reserved - held")
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None

    @classmethod
    def of(cls, offer: Offer | OfferRow, *, on: date, released: int = 0) -> OfferOut:
        """``released``: held units of holds past their expiry that no sweep has freed yet."""
        held = max(0, offer.held_quantity - released)
        return cls(
            id=offer.id,
            partner_id=offer.partner_id,
            organization_id=offer.organization_id,
            title=offer.title,
            description=offer.description,
            skills=offer.skills,
            products=offer.products,
            certifications=offer.certifications,
            capacity=CapacityOut(
                unit=offer.capacity_unit,
                per_week=offer.capacity_per_week,
                total=offer.capacity_total,
            ),
            min_order_quantity=offer.min_order_quantity,
            lead_time_days=offer.lead_time_days,
            available_from=offer.available_from,
            available_until=offer.available_until,
            location=Location(lat=offer.lat, lon=offer.lon),
            region=offer.region,
            service_radius_km=offer.service_radius_km,
            visibility=offer.visibility,
            status=effective_status(offer.status, offer.available_until, on=on),
            external_ref=offer.external_ref,
            total_quantity=offer.total_quantity,
            reserved_quantity=offer.reserved_quantity,
            held_quantity=held,
            remaining_quantity=max(0, offer.total_quantity - offer.reserved_quantity - held),
            created_at=offer.created_at,
            updated_at=offer.updated_at,
            closed_at=offer.closed_at,
        )
