"""How a failed hard filter reads in the 422 (the HTTP side: tests/engagements)."""

from __future__ import annotations

from datetime import date

import pytest

from app.matching.fit import (
    BeyondRequestDistance,
    BeyondServiceRadius,
    CertificationLate,
    CertificationMissing,
    Misfit,
    NothingCovered,
    NothingInTime,
    OtherUnit,
    WindowEnded,
)
from app.matching.fit_check import describe

NEEDED_BY = date(2027, 1, 31)


@pytest.mark.parametrize(
    ("misfit", "message"),
    [
        (NothingCovered(), "the offer covers none of the requested skills or products"),
        (
            CertificationMissing(code="en-14683", needed_by=NEEDED_BY),
            "the offer's organisation does not hold en-14683 valid on 2027-01-31",
        ),
        (
            CertificationLate(
                code="en-14683",
                expected_by=date(2027, 1, 25),
                lead_time_days=7,
                needed_by=NEEDED_BY,
            ),
            "the offer's organisation expects en-14683 by 2027-01-25 (certification in "
            "progress); with 7 days lead time that is too late for 2027-01-31",
        ),
        (
            BeyondRequestDistance(distance_km=512.7, max_distance_km=400.0),
            "the offer is 512 km from the delivery point; the request accepts at most 400 km",
        ),
        (
            BeyondRequestDistance(distance_km=400.04, max_distance_km=400.0),
            "the offer is 400.04 km from the delivery point; the request accepts at most 400 km",
        ),
        (
            BeyondServiceRadius(distance_km=512.2, service_radius_km=300.0),
            "the offer delivers within 300 km; the delivery point is 512 km away",
        ),
        (
            BeyondServiceRadius(distance_km=12.6, service_radius_km=12.5),
            "the offer delivers within 12.5 km; the delivery point is 12.6 km away",
        ),
        (NothingInTime(needed_by=NEEDED_BY), "the offer can deliver nothing by 2027-01-31"),
        (OtherUnit(offered="kg", wanted="pieces"), "the offer counts kg, the request pieces"),
        (
            WindowEnded(available_until=date(2026, 12, 31)),
            "the offer was available until 2026-12-31",
        ),
    ],
)
def test_each_misfit_reads_as_a_sentence_naming_its_numbers(misfit: Misfit, message: str) -> None:
    assert describe(misfit) == message
