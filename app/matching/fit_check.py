"""Whether a stored offer may serve a stored request: the hard filters of ``fit``, read
from their rows, refused as a 422 that names the filter the offer fails."""

from __future__ import annotations

import math
from dataclasses import replace
from typing import assert_never

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.dates import today
from app.core.errors import FieldError, InvalidInput
from app.matching import repository
from app.matching.fit import (
    BeyondRequestDistance,
    BeyondServiceRadius,
    CertificationLate,
    CertificationMissing,
    Fit,
    Misfit,
    NothingCovered,
    NothingInTime,
    OtherUnit,
    WindowEnded,
    assess_fit,
)
from app.matching.records import offer_record
from app.matching.service import want_of
from app.matching.values import TaxonomyLike
from app.offers.schemas import OfferRow
from app.requests.schemas import RequestRow


class OfferDoesNotFit(InvalidInput):
    title = "The offer does not meet the request's hard filters"


async def check_fit(
    session: AsyncSession, *, request: RequestRow, offer: OfferRow, taxonomy: TaxonomyLike
) -> None:
    """Raise ``OfferDoesNotFit`` unless ``offer`` passes every hard filter of ``request``.

    Booked units are left out on purpose: whether units are left is the hold's question
    (409 naming what is left); here "deliverable" asks whether the offer's window and
    lead time let it deliver anything by needed_by at all.
    """
    want = want_of(request, on=today(), lat=request.lat, lon=request.lon)
    held = await repository.held_by(session, offer.organization_id)
    record = replace(offer_record(offer, held), reserved_quantity=0)
    verdict = assess_fit(want, record, taxonomy)
    if isinstance(verdict, Fit):
        return
    message = describe(verdict)
    raise OfferDoesNotFit(
        f"Offer {offer.id} cannot serve request {request.id}: {message}.",
        errors=[FieldError(field="offer_id", message=message)],
    )


def describe(misfit: Misfit) -> str:
    """The failed filter as a sentence for the caller."""
    match misfit:
        case OtherUnit(offered=offered, wanted=wanted):
            return f"the offer counts {offered}, the request {wanted}"
        case WindowEnded(available_until=until):
            return f"the offer was available until {until.isoformat()}"
        case CertificationMissing(code=code, needed_by=needed_by):
            return f"the offer's organisation does not hold {code} valid on {needed_by.isoformat()}"
        case CertificationLate(
            code=code, expected_by=expected_by, lead_time_days=lead, needed_by=needed_by
        ):
            return (
                f"the offer's organisation expects {code} by {expected_by.isoformat()} "
                f"(certification in progress); with {lead} days lead time that is too late "
                f"for {needed_by.isoformat()}"
            )
        case BeyondRequestDistance(distance_km=distance, max_distance_km=limit):
            return (
                f"the offer is {_km_beyond(distance, limit)} km from the delivery point; "
                f"the request accepts at most {limit:g} km"
            )
        case BeyondServiceRadius(distance_km=distance, service_radius_km=radius):
            return (
                f"the offer delivers within {radius:g} km; "
                f"the delivery point is {_km_beyond(distance, radius)} km away"
            )
        case NothingCovered():
            return "the offer covers none of the requested skills or products"
        case NothingInTime(needed_by=needed_by):
            return f"the offer can deliver nothing by {needed_by.isoformat()}"
        case _:
            assert_never(misfit)


def _km_beyond(distance: float, limit: float) -> str:
    """``distance`` in whole km, with as many decimals as it takes to read above ``limit``
    (400.2 km against 400 km must not read "400 km")."""
    for decimals in (0, 1, 2, 3):
        shown = math.floor(distance * 10**decimals) / 10**decimals
        if shown > limit:
            return f"{shown:.{decimals}f}"
    return f"{distance:.3f}"
