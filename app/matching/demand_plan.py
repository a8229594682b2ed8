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
from app.matching.values import NO_EXPIRY, NOT_HELD, FloatArray, IntArray, OfferRecord, TaxonomyLike

REACH_CACHE_SIZE = 4096  # offer code mixes remembered per index; a full cache starts over


@dataclass(frozen=True, slots=True)
class OfferPlan:
    """What one search knows about the offer before it looks at any request."""

    record: OfferRecord
    start: int  # earliest start (ordinal): the same for every request
    until: int
    total: int  # capacity over the whole window
    reach: OfferReach
    held_until: IntArray  # per certification code (and the two pads): valid until, any
    verified_until: IntArray  # ... and verified only
    met_until: IntArray  # per requirement set: until when all of it is held


@dataclass(slots=True)
class DemandScored:
    """Rows that pass every hard filter, with their scores and the facts behind them."""

    rows: IntArray
    score: FloatArray
    factors: dict[str, FloatArray]
    distance: FloatArray
    deliverable: IntArray


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


def _certifications(offer: OfferRecord, r: Requests) -> tuple[IntArray, IntArray]:
    """Per certification code of the requests: until when the offer's organisation holds
    it or a more specific code (any, verified), ``NOT_HELD`` when never; then the pads."""
    held = np.full(len(r.cert_codes) + 2, NOT_HELD, dtype=np.int64)
    verified = held.copy()
    for j, code in enumerate(r.cert_codes):
        for held_code, cert in offer.certifications.items():
            if held_code != code and not held_code.startswith(code + "."):
                continue
            until = cert.valid_until.toordinal() if cert.valid_until is not None else NO_EXPIRY
            held[j] = max(held[j], until)
            if cert.verified:
                verified[j] = max(verified[j], until)
    held[r.always] = verified[r.always] = NO_EXPIRY
    return held, verified


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
    held, verified = _certifications(offer, r)
    met = held[r.required_codes].min(axis=1)  # a set is met until its first code lapses
    return OfferPlan(offer, start, until, total, _reach(offer, r, taxonomy), held, verified, met)
