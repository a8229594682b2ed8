"""Upper bounds of the score each group of open requests could reach for one offer.

The request direction's ``bounds``: best skill among a group's profiles, nearest corner
of its box, latest needed_by, smallest quantity, full certification credit, the offer's
reliability and its usual earliest start (a required certification in progress only
moves a member's start later). Every bound is at least what any member scores, so the early stop of
``demand_scoring`` stays exact. Pure numpy.
"""

from __future__ import annotations

import numpy as np

from app.matching.bounds import distance_lower_bound
from app.matching.demand_columns import Requests
from app.matching.demand_plan import OfferPlan
from app.matching.values import DISTANCE_SCALE_KM, FACTORS, FULL_TIME_DAYS, FloatArray, IntArray


def group_bounds(o: OfferPlan, r: Requests, today: int) -> tuple[IntArray, FloatArray]:
    """The groups a member of which could match, and the best score one could reach."""
    g = r.groups
    offer = o.record
    per_profile = o.reach.total / np.maximum(r.profile_size, 1)
    skill = np.zeros(len(g), dtype=np.float64)
    if len(g):
        skill = np.maximum.reduceat(per_profile[g.profiles], g.profile_start[:-1])
    latest = g.needed_by_max
    end = np.minimum(o.until, latest)
    in_time = offer.capacity_per_week * np.maximum(0, end - o.start + 1) // 7
    deliverable = np.maximum(0, np.minimum(o.total, in_time) - offer.reserved_quantity)
    groups = np.flatnonzero((skill > 0.0) & (deliverable > 0) & (latest >= today))
    nearest = distance_lower_bound(offer.lat, offer.lon, g, groups)
    near = nearest <= g.max_distance_km[groups]
    if offer.service_radius_km is not None:
        near &= nearest <= offer.service_radius_km
    groups, nearest = groups[near], nearest[near]
    bounds: dict[str, FloatArray] = {
        "skill": skill[groups],
        "certification": np.ones(groups.size, dtype=np.float64),
        "distance": np.exp(-nearest / DISTANCE_SCALE_KM),
        "capacity": np.minimum(1.0, deliverable[groups] / g.quantity_min[groups]),
        "time": np.minimum(1.0, np.maximum(0.0, (latest[groups] - o.start) / FULL_TIME_DAYS)),
        "reliability": np.full(groups.size, offer.track.reliability, dtype=np.float64),
    }
    weights = r.weights[g.weight[groups]]
    upper = np.zeros(groups.size, dtype=np.float64)
    for k, name in enumerate(FACTORS):
        upper = upper + weights[:, k] * bounds[name]
    return groups, upper
