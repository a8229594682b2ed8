"""A brute-force oracle of production chains: every team the rules allow, in plain Python.

``tests/matching/test_chains.py`` holds ``app.matching.chains`` to it; nothing in the app
uses it. The rules are those of docs/guides/chains.md, written out loop by loop.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from datetime import date

from app.geo.distance import haversine_km
from app.matching.chain_pool import CHAIN_WEIGHTS, ChainWant
from app.matching.chains import Chain
from app.matching.values import (
    DISTANCE_SCALE_KM,
    FULL_TIME_DAYS,
    OfferRecord,
    Viewer,
    quantise,
)


def _covers(offered: Sequence[str], wanted: str) -> bool:
    return any(code == wanted or code.startswith(wanted + ".") for code in offered)


def _made(o: OfferRecord, start: int, needed_by: int) -> int:
    """What ``o`` makes from ``start`` to needed_by, as matching counts it."""
    end = min(o.available_until.toordinal(), needed_by)
    window = (o.available_until - o.available_from).days + 1
    total = o.capacity_per_week * window // 7 if o.capacity_total is None else o.capacity_total
    in_time = o.capacity_per_week * max(0, end - start + 1) // 7
    return max(0, min(total, in_time) - o.reserved_quantity)


def _certified(o: OfferRecord, codes: Sequence[str], on: date) -> bool:
    def held(code: str) -> bool:
        return any(
            (have == code or have.startswith(code + "."))
            and (c.valid_until is None or c.valid_until >= on)
            for have, c in o.certifications.items()
        )

    return all(held(code) for code in codes)


def _delivers(o: OfferRecord, w: ChainWant) -> float | None:
    """The distance to the delivery point when ``o`` may be a last step's offer."""
    distance = haversine_km(w.lat, w.lon, o.lat, o.lon)
    if o.unit != w.unit or not _certified(o, w.required_certifications, w.needed_by):
        return None
    if o.service_radius_km is not None and distance > o.service_radius_km:
        return None
    if w.max_distance_km is not None and distance > w.max_distance_km:
        return None
    return distance


def _usable(o: OfferRecord, w: ChainWant, viewer: Viewer | None, excluded: set[str]) -> bool:
    start = max(o.available_from.toordinal(), w.today.toordinal() + o.lead_time_days)
    return (
        o.visible_to(viewer)
        and o.id not in excluded
        and o.available_until >= w.today
        and start <= min(o.available_until, w.needed_by).toordinal()
        and _made(o, start, w.needed_by.toordinal()) > 0
    )


def oracle(
    offers: Sequence[OfferRecord],
    w: ChainWant,
    recipes: Sequence[tuple[str, Sequence[str]]],
    *,
    viewer: Viewer | None = None,
    excluded: set[str] | frozenset[str] = frozenset(),
) -> list[tuple[float, tuple[str, ...], int, date]]:
    """(score, offer ids, quantity, ready_by) of every chain the rules allow, best first."""
    needed_by = w.needed_by.toordinal()
    usable = [o for o in offers if _usable(o, w, viewer, set(excluded))]
    found = []
    for _product, recipe in recipes:
        if len(recipe) < 2:
            continue
        if any(
            _delivers(o, w) is not None and all(_covers(o.skills, s) for s in recipe)
            for o in usable
        ):
            continue  # one offer makes it alone
        per_step = [[o for o in usable if _covers(o.skills, skill)] for skill in recipe]
        for team in itertools.product(*per_step):
            if len({o.id for o in team}) < len(team):
                continue
            last = _delivers(team[-1], w)
            if last is None:
                continue
            start, bottleneck, nearness, ok = w.today.toordinal(), None, 0.0, True
            for k, o in enumerate(team):
                start = max(start + o.lead_time_days, o.available_from.toordinal())
                made = _made(o, start, needed_by)
                if start > min(o.available_until.toordinal(), needed_by) or made <= 0:
                    ok = False
                    break
                if o.unit == w.unit:
                    bottleneck = made if bottleneck is None else min(bottleneck, made)
                if k:
                    hop = haversine_km(team[k - 1].lat, team[k - 1].lon, o.lat, o.lon)
                    radius = team[k - 1].service_radius_km
                    if radius is not None and hop > radius:
                        ok = False
                        break
                    nearness += math.exp(-hop / DISTANCE_SCALE_KM)
            if not ok or bottleneck is None:
                continue
            nearness += math.exp(-last / DISTANCE_SCALE_KM)
            score = quantise(
                min(
                    1.0,
                    CHAIN_WEIGHTS["quantity"] * min(1.0, bottleneck / w.quantity)
                    + CHAIN_WEIGHTS["distance"] * nearness / len(team)
                    + CHAIN_WEIGHTS["time"]
                    * min(1.0, max(0.0, (needed_by - start) / FULL_TIME_DAYS)),
                )
            )
            found.append(
                (
                    score,
                    tuple(o.id for o in team),
                    min(bottleneck, w.quantity),
                    date.fromordinal(start),
                )
            )
    return sorted(found, key=lambda chain: (-chain[0], chain[1]))


def agree(fast: list[Chain], slow: list[tuple[float, tuple[str, ...], int, date]]) -> None:
    """The same chains in the same order; scores within rounding (numpy's exp may differ
    from math's in the last bit, which can move a 6th decimal)."""
    assert len(fast) == len(slow)
    for chain, (score, ids, quantity, ready_by) in zip(fast, slow, strict=True):
        assert abs(chain.score - score) <= 2e-6
        if tuple(step.offer_id for step in chain.steps) != ids:
            assert abs(chain.score - score) <= 2e-6  # a near tie, ordered either way
            continue
        assert chain.quantity == quantity
        assert chain.ready_by == ready_by
