"""The request direction's values: an open request as a record, a ranked request and a cursor.

Pure data (no I/O), like ``values`` for the offer direction. "Demand" is what
``GET /v1/offers/{id}/matches`` ranks for one offer: the open requests it could
serve. The rules are the offer direction's read the other way round (the reference
scorer scores each pair), so a request turns into a ``Want`` for the pair.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from app.matching.values import Kind, Viewer, Want


def wanted_codes(
    skills: tuple[str, ...], products: tuple[str, ...]
) -> tuple[tuple[Kind, str], ...]:
    """Every wanted code with its kind, skills first, duplicates dropped (as ``Want.wanted``)."""
    pairs: list[tuple[Kind, str]] = [("skill", code) for code in skills]
    pairs += [("product", code) for code in products]
    return tuple(dict.fromkeys(pairs))


@dataclass(frozen=True, slots=True)
class RequestRecord:
    """One open request as plain values: one the demand index holds.

    ``partner_id`` with ``shared`` decides who may see it (``Viewer``); requests have
    no drafts, so a viewer sees every shared request and its own partner's others.
    """

    id: str
    lat: float
    lon: float
    skills: tuple[str, ...]
    products: tuple[str, ...]
    quantity: int
    needed_by: date
    unit: str = "pieces"
    required_certifications: tuple[str, ...] = ()
    preferred_certifications: tuple[str, ...] = ()
    max_distance_km: float | None = None
    weights: Mapping[str, float] | None = None
    organization_id: str = ""
    partner_id: str = ""
    shared: bool = True
    region: str | None = None

    @property
    def wanted(self) -> tuple[tuple[Kind, str], ...]:
        return wanted_codes(self.skills, self.products)

    def visible_to(self, viewer: Viewer | None) -> bool:
        return (
            viewer is None or viewer.sees_all or self.shared or self.partner_id == viewer.partner_id
        )

    def want(self, today: date) -> Want:
        """The request as the offer direction sees it (raises ``ValueError`` like ``Want``)."""
        return Want(
            skills=self.skills,
            products=self.products,
            quantity=self.quantity,
            needed_by=self.needed_by,
            lat=self.lat,
            lon=self.lon,
            today=today,
            required_certifications=self.required_certifications,
            preferred_certifications=self.preferred_certifications,
            max_distance_km=self.max_distance_km,
            weights=self.weights,
            unit=self.unit,
        )


@dataclass(frozen=True, slots=True)
class AfterRequest:
    """Resume after this (score, request id): the next page of an offer's ranking."""

    score: float
    request_id: str


# Built up to a hundred times per call, like ``Match``: a plain slotted dataclass.
@dataclass(slots=True)
class DemandMatch:
    """One ranked request for an offer: its score, every factor that went into it, and why."""

    request_id: str
    score: float
    breakdown: dict[str, float]
    distance_km: float
    deliverable_quantity: int
    reasons: list[str]
