"""What a search of open requests knows about its offer before it looks at any request.

Pure: worked out once per call (per code mix, the similarities are kept with the
request columns): the offer's earliest start and capacity, until when its
organisation holds each certification the requests name, and how well its codes
serve each wanted code. Then what a search yields: scored rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from app.matching.demand import wanted_codes
from app.matching.demand_columns import OfferReach, Requests
from app.matching.values import (
    NO_EXPIRY,
    NOT_HELD,
    BoolArray,
    FloatArray,
    IntArray,
    OfferRecord,
    TaxonomyLike,
)

REACH_CACHE_SIZE = 4096  # offer code mixes remembered per index; a full cache starts over


@dataclass(frozen=True, slots=True)
class OfferPlan:
    """What one search knows about the offer before it looks at any request."""

    record: OfferRecord
    start: int  # earliest start (ordinal): the same for every request
    until: int
    total: int  # capacity over the whole window
    reach: OfferReach
    held_until: IntArray  # per certification code (and the two pads): valid until, any held
    verified_until: IntArray  # ... and verified only
    expected: IntArray  # ... the earliest date one in progress is expected (NEVER: none)
    met_until: IntArray  # per requirement set: until when all of it is held
    pending: bool  # the organisation has some certification in progress


NEVER = np.iinfo(np.int64).max // 2  # expected-by ordinal of none in progress (room to add days)


@dataclass(slots=True)
class DemandScored:
    """Rows that pass every hard filter, with their scores and the facts behind them."""

    rows: IntArray
    score: FloatArray
    factors: dict[str, FloatArray]
    distance: FloatArray
    deliverable: IntArray
    start: IntArray  # earliest start: later than the offer's when a required one is in progress


def _reach(offer: OfferRecord, r: Requests, taxonomy: TaxonomyLike) -> OfferReach:
    offered = wanted_codes(offer.skills, offer.products)
    reach = r.reach_cache.get(offered)
    if reach is not None and reach.taxonomy is taxonomy:
        return reach
    best = np.array(
        [
            max(
                [0.0]
                + [
                    taxonomy.cross_similarity(
                        code, other, wanted_kind=kind, offered_kind=other_kind
                    )
                    for other_kind, other in offered
                ]
            )
            for kind, code in r.codes
        ]
        + [0.0],
        dtype=np.float64,
    )
    total = np.zeros(len(r.profile_size), dtype=np.float64)
    for column in r.profile_codes.T:  # summed in the reference's order so the floats agree
        total = total + best[column]
    reach = OfferReach(taxonomy, best, total)
    if len(r.reach_cache) >= REACH_CACHE_SIZE:
        r.reach_cache.clear()
    r.reach_cache[offered] = reach
    return reach


def _certifications(offer: OfferRecord, r: Requests) -> tuple[IntArray, IntArray, IntArray]:
    """Per certification code of the requests: until when the offer's organisation holds
    it or a more specific code (any, verified), ``NOT_HELD`` when never, and the earliest
    date one in progress is expected (``NEVER`` when none); then the pads."""
    held = np.full(len(r.cert_codes) + 2, NOT_HELD, dtype=np.int64)
    verified = held.copy()
    expected = np.full(len(r.cert_codes) + 2, NEVER, dtype=np.int64)
    for j, code in enumerate(r.cert_codes):
        for held_code, cert in offer.certifications.items():
            if held_code != code and not held_code.startswith(code + "."):
                continue
            if cert.expected_by is not None:  # no expiry while in progress
                expected[j] = min(expected[j], cert.expected_by.toordinal())
                continue
            until = cert.valid_until.toordinal() if cert.valid_until is not None else NO_EXPIRY
            held[j] = max(held[j], until)
            if cert.verified:
                verified[j] = max(verified[j], until)
    held[r.always] = verified[r.always] = NO_EXPIRY
    return held, verified, expected


def prepare_offer(
    offer: OfferRecord, r: Requests, taxonomy: TaxonomyLike, today: date
) -> OfferPlan:
    start = max(offer.available_from, today + timedelta(days=offer.lead_time_days)).toordinal()
    until = offer.available_until.toordinal()
    if offer.capacity_total is not None:
        total = offer.capacity_total
    else:
        total = max(
            0, offer.capacity_per_week * (until - offer.available_from.toordinal() + 1) // 7
        )
    held, verified, expected = _certifications(offer, r)
    met = held[r.required_codes].min(axis=1)  # a set is met until its first code lapses
    pending = any(cert.expected_by is not None for cert in offer.certifications.values())
    return OfferPlan(
        offer,
        start,
        until,
        total,
        _reach(offer, r, taxonomy),
        held,
        verified,
        expected,
        met,
        pending,
    )


@dataclass(frozen=True, slots=True)
class Requirements:
    """Per row, how its required certifications stand for the offer."""

    met: BoolArray  # each held on needed_by, or in progress and expected in time
    start: IntArray  # the earliest start: the offer's, or the latest expected date after it
    in_progress: list[BoolArray]  # per requirement column: met only by one in progress


def requirements(o: OfferPlan, r: Requests, rows: IntArray, needed_by: IntArray) -> Requirements:
    """``fit.certification_expected`` for every required code of each row at once."""
    start = np.full(rows.size, o.start, dtype=np.int64)
    if not o.pending:  # the usual case: only held certificates, one lookup per set
        met: BoolArray = o.met_until[r.required[rows]] >= needed_by
        return Requirements(met, start, [])
    sets = r.required[rows]
    met = np.ones(rows.size, dtype=np.bool_)
    latest_expected = needed_by - o.record.lead_time_days
    in_progress = []
    for column in r.required_codes.T:  # in the request's order; pads are always held
        codes = column[sets]
        held = o.held_until[codes] >= needed_by
        coming = ~held & (o.expected[codes] <= latest_expected)
        met &= held | coming
        start = np.maximum(start, np.where(coming, o.expected[codes], 0))
        in_progress.append(coming)
    return Requirements(met, start, in_progress)
