"""Production chains: teams of offers that together make a product no single offer makes.

Pure (numpy, no I/O). For each requested product with a recipe of two or more skills
(``Taxonomy.product_recipe``, upstream first) that no single offer makes alone,
``app.matching.chain_pool`` gives each step the offers that may take it; a beam search
then walks the steps from the first to the last, extending each kept partial chain by
every offer of the next step at once (a partials x offers array) and keeping the
``beam`` best partials by an estimate of their final score (what they make and when so
far, the hops to come as the straight line to the delivery point). docs/guides/chains.md
has the rules; in short:

- consecutive steps are within the delivering step's service radius, the last step
  within the request's ``max_distance_km`` and its own radius of the delivery point;
- a step starts when the step before is ready: ``start = max(previous start + lead time,
  available_from)``, the first step ``max(today + lead time, available_from)``; the chain
  is ready when its last step starts (``ready_by``), on or before ``needed_by``;
- each step delivers what it makes from its start to ``needed_by`` (as matching counts
  it); the chain's quantity is the least of its steps in the request's unit (steps in
  another unit cannot be converted and do not limit it), at most the quantity wanted;
- score = 0.4 quantity covered + 0.3 mean nearness per hop (``exp(-d / 150 km)``) + 0.3
  time to spare (1 with 14 days or more before ``needed_by``), rounded to 6 decimals.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np

from app.geo.distance import haversine_km_array
from app.matching.chain_pool import (
    CHAIN_WEIGHTS,
    POOL_SIZE,
    ChainWant,
    Parts,
    Pool,
    deliverable,
    step_pools,
)
from app.matching.values import (
    DISTANCE_DECIMALS,
    DISTANCE_SCALE_KM,
    FULL_TIME_DAYS,
    FloatArray,
    IntArray,
    Viewer,
    quantise,
    quantise_array,
)

# Partial chains kept per step (bench/README.md). The same for every page size, so a
# longer page starts with the chains of a shorter one.
BEAM = 64
MAX_CHAINS = 100  # chains a request has at most (pages included)
NO_LIMIT = np.iinfo(np.int64).max  # the bottleneck before any step in the request's unit


@dataclass(frozen=True, slots=True)
class ChainStep:
    skill: str
    offer_id: str
    unit: str
    deliverable_quantity: int  # made from ``starts_on`` to needed_by, in ``unit``
    distance_km: float  # to where it delivers: the next step, or the delivery point
    starts_on: date
    lead_time_days: int
    # The day a required certificate still in progress is expected (last step only)
    certificates_expected: date | None = None


@dataclass(frozen=True, slots=True)
class Chain:
    product: str
    steps: tuple[ChainStep, ...]
    quantity: int
    ready_by: date
    score: float
    breakdown: dict[str, float]
    wanted: int  # the request's quantity, for the reasons

    @property
    def sort_key(self) -> tuple[float, tuple[str, ...]]:
        return -self.score, tuple(step.offer_id for step in self.steps)


@dataclass(slots=True)
class _Partials:
    """Partial chains (one row each) over the first k steps."""

    at: IntArray  # (B, k): positions into each step's pool
    start: IntArray  # (B, k): ordinal each step starts
    made: IntArray  # (B, k): what each step delivers
    hop_km: FloatArray  # (B, k - 1): distance from each step to the next
    bottleneck: IntArray  # (B,): least made by a step in the request's unit
    nearness: FloatArray  # (B,): sum of exp(-d / scale) over the hops so far
    bound: FloatArray  # (B,)


def _factors(
    bottleneck: IntArray, nearness: FloatArray, ready: IntArray, want: ChainWant, hops: int
) -> tuple[FloatArray, FloatArray, FloatArray]:
    quantity = np.minimum(1.0, bottleneck / want.quantity)
    distance = nearness / hops
    time = np.clip((want.needed_by.toordinal() - ready) / FULL_TIME_DAYS, 0.0, 1.0)
    return quantity, distance, time


def _ahead(to_delivery: FloatArray, hops: int) -> FloatArray:
    """What the ``hops`` still to go may add to the nearness sum, estimated: the path from
    here to the delivery point is at least the straight line (triangle inequality), taken
    as that line cut into equal hops. This ranks partials by where they are, not only by
    what they make; as an estimate it may cut a chain a wider beam would keep
    (bench/README.md has how often)."""
    if hops == 0:
        return np.zeros(to_delivery.size)
    estimate: FloatArray = hops * np.exp(-to_delivery / (DISTANCE_SCALE_KM * hops))
    return estimate


def _weighted(quantity: FloatArray, distance: FloatArray, time: FloatArray) -> FloatArray:
    score = (
        CHAIN_WEIGHTS["quantity"] * quantity
        + CHAIN_WEIGHTS["distance"] * distance
        + CHAIN_WEIGHTS["time"] * time
    )
    return quantise_array(np.minimum(1.0, score))


def _keep(bound: FloatArray, count: int) -> IntArray:
    """Positions of the ``count`` best of ``bound`` (flat), best first; equal bounds in
    position order (partials come best first, a pool's offers by id): deterministic."""
    if bound.size > count:
        cut = np.partition(bound, bound.size - count)[bound.size - count]
        chosen = np.flatnonzero(bound >= cut)
    else:
        chosen = np.arange(bound.size)
    ordered: IntArray = chosen[np.lexsort((chosen, -bound[chosen]))][:count]
    return ordered


def _first(pool: Pool, want: ChainWant, hops: int, lead_after: int, beam: int) -> _Partials:
    needed_by = want.needed_by.toordinal()
    start = np.maximum(want.today.toordinal() + pool.lead, pool.available_from)
    end = np.minimum(pool.available_until, needed_by)
    made = deliverable(pool.per_week, pool.total, pool.reserved, start, end)
    ok = np.flatnonzero((start <= end) & (made > 0))
    bottleneck = np.where(pool.same_unit[ok], made[ok], NO_LIMIT)
    nearness = np.zeros(ok.size)
    # The hops to come estimated (``_ahead``), the steps to come at their least lead time
    # and with nothing short.
    ahead = _ahead(pool.to_delivery[ok], hops)
    bound = _weighted(*_factors(bottleneck, nearness + ahead, start[ok] + lead_after, want, hops))
    chosen = _keep(bound, beam)
    return _Partials(
        at=ok[chosen][:, None],
        start=start[ok][chosen][:, None],
        made=made[ok][chosen][:, None],
        hop_km=np.zeros((chosen.size, 0)),
        bottleneck=bottleneck[chosen],
        nearness=nearness[chosen],
        bound=bound[chosen],
    )


def _extend(
    partials: _Partials,
    pools: Sequence[Pool],
    step: int,
    want: ChainWant,
    lead_after: int,
    keep: int,
) -> _Partials:
    """Every partial with every offer of ``pools[step]`` that may follow it; the ``keep``
    best by bound (the score itself at the last step)."""
    before, pool = pools[step - 1], pools[step]
    hops = len(pools)
    last = partials.at[:, -1]
    hop = haversine_km_array(
        before.lat[last][:, None], before.lon[last][:, None], pool.lat[None, :], pool.lon[None, :]
    )
    ok = ~(before.radius[last][:, None] < hop)  # NaN radius: unlimited
    start = np.maximum(partials.start[:, -1:] + pool.lead[None, :], pool.available_from[None, :])
    end = np.minimum(pool.available_until, want.needed_by.toordinal())[None, :]
    made = deliverable(
        pool.per_week[None, :], pool.total[None, :], pool.reserved[None, :], start, end
    )
    ok &= (start <= end) & (made > 0)
    for earlier in range(step):  # an offer takes one step of a chain at most
        ok &= pools[earlier].key[partials.at[:, earlier]][:, None] != pool.key[None, :]
    row, column = np.nonzero(ok)
    made_ok = made[row, column]
    bottleneck = np.where(
        pool.same_unit[column],
        np.minimum(partials.bottleneck[row], made_ok),
        partials.bottleneck[row],
    )
    nearness = partials.nearness[row] + np.exp(-hop[row, column] / DISTANCE_SCALE_KM)
    # Hops not yet taken (the one to the delivery point included).
    to_come = hops - step
    if step == hops - 1:
        nearness = nearness + np.exp(-pool.to_delivery[column] / DISTANCE_SCALE_KM)
        to_come = 0
    ready = start[row, column] + lead_after
    ahead = _ahead(pool.to_delivery[column], to_come)
    bound = _weighted(*_factors(bottleneck, nearness + ahead, ready, want, hops))
    chosen = _keep(bound, keep)
    row, column = row[chosen], column[chosen]
    return _Partials(
        at=np.column_stack([partials.at[row], column]),
        start=np.column_stack([partials.start[row], start[row, column]]),
        made=np.column_stack([partials.made[row], made[row, column]]),
        hop_km=np.column_stack([partials.hop_km[row], hop[row, column]]),
        bottleneck=bottleneck[chosen],
        nearness=nearness[chosen],
        bound=bound[chosen],
    )


def _chains(product: str, pools: Sequence[Pool], found: _Partials, want: ChainWant) -> list[Chain]:
    hops = len(pools)
    quantity, distance, time = _factors(
        found.bottleneck, found.nearness, found.start[:, -1], want, hops
    )
    chains = []
    for i in range(found.at.shape[0]):
        steps = []
        for k, pool in enumerate(pools):
            j = int(found.at[i, k])
            km = float(found.hop_km[i, k]) if k < hops - 1 else float(pool.to_delivery[j])
            steps.append(
                ChainStep(
                    skill=pool.skill,
                    offer_id=pool.ids[j],
                    unit=pool.units[j],
                    deliverable_quantity=int(found.made[i, k]),
                    distance_km=quantise(km, DISTANCE_DECIMALS),
                    starts_on=date.fromordinal(int(found.start[i, k])),
                    lead_time_days=int(pool.lead[j]),
                    certificates_expected=(
                        date.fromordinal(int(pool.certified_from[j]))
                        if pool.certified_from[j] > 0
                        else None
                    ),
                )
            )
        chains.append(
            Chain(
                product=product,
                steps=tuple(steps),
                quantity=int(min(found.bottleneck[i], want.quantity)),
                ready_by=date.fromordinal(int(found.start[i, -1])),
                score=float(found.bound[i]),
                breakdown={
                    "quantity": quantise(float(quantity[i])),
                    "distance": quantise(float(distance[i])),
                    "time": quantise(float(time[i])),
                },
                wanted=want.quantity,
            )
        )
    return chains


def search_chains(
    pools: Sequence[Pool], want: ChainWant, *, product: str, count: int, beam: int
) -> list[Chain]:
    """The best ``count`` chains through ``pools`` (one per step, upstream first) that the
    beam search finds, best first."""
    if len(pools) < 2 or not all(len(pool) for pool in pools):
        return []
    least_leads = [int(pool.lead.min()) for pool in pools]
    partials = _first(pools[0], want, len(pools), sum(least_leads[1:]), beam)
    for step in range(1, len(pools)):
        if not partials.at.shape[0]:
            return []
        final = step == len(pools) - 1
        partials = _extend(
            partials, pools, step, want, sum(least_leads[step + 1 :]), count if final else beam
        )
    chains = _chains(product, pools, partials, want)
    return sorted(chains, key=lambda chain: chain.sort_key)


def find_chains(
    parts: Parts,
    want: ChainWant,
    recipes: Sequence[tuple[str, Sequence[str]]],
    *,
    limit: int,
    viewer: Viewer | None = None,
    excluded: Collection[str] = (),
    pool_size: int = POOL_SIZE,
    beam: int = BEAM,
) -> list[Chain]:
    """The best ``limit`` chains for the requested products (``recipes``: product and its
    skills, upstream first), score descending, then the steps' offer ids. ``parts`` are
    the index's columns with the rows that count in each (``MatchIndex.parts``);
    ``excluded`` the requesting organisation's offers."""
    found: list[Chain] = []
    for product, recipe in dict(recipes).items():
        pools = step_pools(
            parts,
            want,
            recipe=recipe,
            viewer=viewer,
            excluded=excluded,
            pool_size=pool_size,
        )
        # Every chain scoring the limit-th best is kept (ties), then ordered by ids.
        found += search_chains(pools, want, product=product, count=4 * limit, beam=beam)
    found.sort(key=lambda chain: chain.sort_key)
    return found[:limit]
