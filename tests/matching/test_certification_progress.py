"""Certifications in progress in matching (API.md "Certification in progress"): a required
one counts when expected at least the lead time before needed_by, costs credit, moves the
start to its date, and is named with its date; held and valid beats in progress.

Every ranking goes through ``support.rank``: the fast scorer (grouped both ways) is held
to the reference on each call; ``score_requests`` to ``demand_reference`` below.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from app.matching.fit import CertificationLate, Fit, assess_fit
from app.matching.values import (
    IN_PROGRESS_CREDIT,
    UNVERIFIED_CREDIT,
    HeldCertification,
    OfferRecord,
)
from tests.matching.support import TAXONOMY, day, make_offer, make_want, rank
from tests.matching.test_demand_scoring import make_request, rank_demand

EN = "en-14683"
REQUIRED = make_want(required_certifications=(EN,), needed_by=day(60))


def coming(offset: int) -> HeldCertification:
    return HeldCertification(expected_by=day(offset))


def maker(offer_id: str = "o1", **changes: Any) -> OfferRecord:
    """7,000 a week from today, no lead time: 60,000 by day 60 when nothing waits."""
    values: dict[str, Any] = {"lead_time_days": 0, "capacity_per_week": 7_000}
    values.update(changes)
    return make_offer(offer_id, **values)


def test_a_required_certification_in_progress_counts_when_expected_in_time() -> None:
    offer = maker(lead_time_days=7, certifications={EN: coming(53)})  # 53 + 7 = 60: on time
    (match,) = rank(REQUIRED, [offer])
    assert match.breakdown["certification"] == IN_PROGRESS_CREDIT
    assert (
        "EN 14683 medical face masks expected by 2026-02-27 (certification in progress)"
        in match.reasons
    )
    assert not any(reason.startswith("holds EN 14683") for reason in match.reasons)


def test_it_does_not_count_when_expected_too_late() -> None:
    offer = maker(lead_time_days=7, certifications={EN: coming(54)})  # 54 + 7 = 61 > 60
    assert rank(REQUIRED, [offer]) == []
    verdict = assess_fit(REQUIRED, offer, TAXONOMY)
    assert verdict == CertificationLate(
        code=EN, expected_by=day(54), lead_time_days=7, needed_by=day(60)
    )


def test_deliverable_counts_only_production_from_the_expected_date() -> None:
    want = replace(REQUIRED, quantity=100_000)
    held = rank(want, [maker(certifications={EN: HeldCertification()})])[0]
    waiting = rank(want, [maker(certifications={EN: coming(30)})])[0]
    assert held.deliverable_quantity == 7_000 * 61 // 7  # day 0 to day 60
    assert waiting.deliverable_quantity == 7_000 * 31 // 7  # day 30 to day 60
    assert "can start 2026-02-04, 30 days before needed" in waiting.reasons


def test_the_start_is_the_later_of_the_usual_start_and_the_expected_date() -> None:
    want = replace(REQUIRED, quantity=100_000)
    offer = maker(available_from=day(40), certifications={EN: coming(10)})
    assert rank(want, [offer])[0].deliverable_quantity == 7_000 * 21 // 7  # from day 40


def test_german_reason_names_the_expected_date() -> None:
    offer = maker(certifications={EN: coming(30)})
    (match,) = rank(REQUIRED, [offer], language="de")
    assert (
        "EN 14683 Medizinische Gesichtsmasken erwartet bis 04.02.2026 (Zertifizierung läuft)"
        in match.reasons
    )


def test_held_and_valid_beats_in_progress_other_things_equal() -> None:
    held = maker("o2", certifications={EN: HeldCertification()})
    waiting = maker("o1", certifications={EN: coming(0)})  # expected today: no later start
    first, second = rank(REQUIRED, [waiting, held])
    assert [first.offer_id, second.offer_id] == ["o2", "o1"]
    assert first.score > second.score
    assert first.breakdown["certification"] == 1.0
    assert second.breakdown["certification"] < 1.0
    assert first.deliverable_quantity == second.deliverable_quantity


def test_each_required_one_in_progress_halves_the_factor_preferred_ones_held_count() -> None:
    want = make_want(required_certifications=(EN, "ce"), preferred_certifications=("iso-13485",))
    offer = maker(
        certifications={
            EN: coming(5),
            "ce.mdr": coming(8),  # a more specific code serves "ce"
            "iso-13485": HeldCertification(),
        }
    )
    (match,) = rank(want, [offer])
    assert match.breakdown["certification"] == pytest.approx(
        UNVERIFIED_CREDIT * IN_PROGRESS_CREDIT**2
    )
    assert "can start 2026-01-13, 52 days before needed" in match.reasons  # the later date


def test_a_preferred_certification_in_progress_earns_less_than_held_unverified() -> None:
    want = make_want(preferred_certifications=(EN,))
    cases = {
        "verified": maker(certifications={EN: HeldCertification(verified=True)}),
        "held": maker(certifications={EN: HeldCertification()}),
        "in_progress": maker(certifications={EN: coming(20)}),
        "too_late": maker(lead_time_days=7, certifications={EN: coming(54)}),  # 61 > 60
    }
    scores = {
        name: rank(want, [offer])[0].breakdown["certification"] for name, offer in cases.items()
    }
    assert scores == {"verified": 1.0, "held": 0.7, "in_progress": 0.5, "too_late": 0.0}
    (match,) = rank(want, [maker(certifications={EN: coming(20)})])
    assert (
        "EN 14683 medical face masks expected by 2026-01-25 (certification in progress)"
        in match.reasons
    )
    assert not any(reason.startswith("lacks") for reason in match.reasons)


def test_a_held_certificate_wins_over_one_in_progress_for_the_same_code() -> None:
    """A held ``ce.mdr`` and a ``ce.ivdr`` in progress: "ce" is held, nothing waits."""
    want = make_want(required_certifications=("ce",))
    offer = maker(certifications={"ce.mdr": HeldCertification(), "ce.ivdr": coming(30)})
    (match,) = rank(want, [offer])
    assert match.breakdown["certification"] == 1.0
    assert isinstance(assess_fit(want, offer, TAXONOMY), Fit)


def test_the_request_direction_agrees() -> None:
    """Requests for an offer whose organisation expects EN 14683 on day 30 (7 days' lead):
    needed on day 37 or later it counts; the start moves to day 30 for those only."""
    offer = maker("the-offer", lead_time_days=7, certifications={EN: coming(30)})
    requests = [
        make_request("r-in-time", needed_by=day(60), required_certifications=(EN,)),
        make_request("r-just-in-time", needed_by=day(37), required_certifications=(EN,)),
        make_request("r-too-soon", needed_by=day(36), required_certifications=(EN,)),
        make_request("r-preferring", needed_by=day(36), preferred_certifications=(EN,)),
    ]
    found = {m.request_id: m for m in rank_demand(offer, requests)}
    assert set(found) == {"r-in-time", "r-just-in-time", "r-preferring"}
    assert found["r-in-time"].breakdown["certification"] == IN_PROGRESS_CREDIT
    assert found["r-preferring"].breakdown["certification"] == 0.0  # too late to help
    assert "can start 2026-02-04, 30 days before needed" in found["r-in-time"].reasons
    assert "can start 2026-01-12, 29 days before needed" in found["r-preferring"].reasons
