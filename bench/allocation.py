"""Allocation: solve time, coverage and distance of `coverage` and `fair` against greedy.

A crisis market: demand about twice the supply, skewed by region (most demand around the
clinics of a few cities, supply spread over the country), each request with its top-k
candidate offers by distance within its reach, what each offer can deliver by the
request's needed_by (per week x weeks left, at most its capacity) and minimum orders on a
share of the offers. The same market goes to the greedy baseline (each request in turn
takes its top matches) and to both objectives, so every figure has its baseline from the
same run. With ``--from-index`` the market is bench/match_seed.py's instead (the archetypes of
bench/match.py: real postal places, skills, products, certifications, windows, lead times
and minimum orders) and the edges are what allocation takes in production: each
request's top-k from the matching engine's scorer over the offer index (every hard
filter), timed; request quantities are scaled so demand is twice the capacity of the
offers that appear as candidates.

    python bench/allocation.py                       # 1k x 10k, then 10k x 100k
    python bench/allocation.py --sizes 1000x10000 --k 20 --moq-share 0.2
    python bench/allocation.py --from-index --sizes 10000x100000
"""

from __future__ import annotations

import argparse
import time
from datetime import date

import numpy as np

from app.allocation.greedy import greedy
from app.allocation.market import Market, figures
from app.allocation.solver import solve

# (lat, lon, weight of demand, weight of supply): demand gathers in the cities.
PLACES = [
    (48.78, 9.18, 5.0, 1.0),  # Stuttgart
    (48.14, 11.58, 4.0, 1.0),  # Munich
    (52.52, 13.40, 4.0, 1.0),  # Berlin
    (53.55, 9.99, 3.0, 1.0),  # Hamburg
    (50.94, 6.96, 3.0, 1.0),  # Cologne
    (50.98, 11.03, 1.0, 1.0),  # Erfurt
    (51.34, 12.37, 1.0, 1.0),  # Leipzig
    (49.45, 11.08, 1.0, 1.0),  # Nuremberg
    (48.40, 9.99, 1.0, 1.0),  # Ulm
    (51.51, 7.47, 1.0, 1.0),  # Dortmund
]


def _points(rng: np.random.Generator, count: int, column: int) -> tuple[np.ndarray, np.ndarray]:
    weights = np.array([place[column] for place in PLACES])
    chosen = rng.choice(len(PLACES), size=count, p=weights / weights.sum())
    lat = np.array([PLACES[i][0] for i in chosen]) + rng.normal(0, 0.6, count)
    lon = np.array([PLACES[i][1] for i in chosen]) + rng.normal(0, 0.9, count)
    return lat, lon


def _km(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray) -> np.ndarray:
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dlat, dlon = p2 - p1, np.radians(lon2 - lon1)
    a = np.sin(dlat / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlon / 2) ** 2
    return 2 * 6371.0 * np.arcsin(np.sqrt(a))


def crisis_market(requests: int, offers: int, *, k: int, moq_share: float, seed: int) -> Market:
    rng = np.random.default_rng(seed)
    request_lat, request_lon = _points(rng, requests, 2)
    offer_lat, offer_lon = _points(rng, offers, 3)
    quantity = rng.integers(1, 41, requests) * 500  # 500 to 20,000
    per_week = rng.integers(1, 11, offers) * 100
    weeks_left = rng.integers(2, 13, requests)
    # Offers' total capacity: demand is about twice what all offers hold.
    capacity = np.maximum(per_week * 6, 100)
    capacity = (capacity * (quantity.sum() / 2 / capacity.sum())).astype(np.int64) + 1
    reach_km = rng.choice([150.0, 300.0, 500.0], size=requests)
    minimum = np.where(rng.random(offers) < moq_share, rng.integers(1, 11, offers) * 100, 1)
    edge_request, edge_offer, edge_km = [], [], []
    # Each request's k nearest offers within its reach, from a grid of cells: rings of
    # cells are added until the k-th nearest lies inside the radius the rings fully cover.
    cell = 0.25
    row_of = np.floor(offer_lat / cell).astype(np.int64)
    col_of = np.floor(offer_lon / cell).astype(np.int64)
    keys = row_of * 10_000 + col_of
    order = np.argsort(keys, kind="stable")
    cells, starts = np.unique(keys[order], return_index=True)
    by_cell = {
        int(key): order[start:end]
        for key, start, end in zip(cells, starts, [*starts[1:], len(order)], strict=True)
    }
    empty = np.zeros(0, dtype=np.int64)
    for r in range(requests):
        row, col = int(np.floor(request_lat[r] / cell)), int(np.floor(request_lon[r] / cell))
        cell_km = cell * 111.0 * np.cos(np.radians(min(abs(request_lat[r]) + 1, 89)))
        ring = 1
        while True:
            parts = [
                by_cell.get((row + dr) * 10_000 + col + dc, empty)
                for dr in range(-ring, ring + 1)
                for dc in range(-ring, ring + 1)
            ]
            pool = np.concatenate(parts)
            km = _km(request_lat[r], request_lon[r], offer_lat[pool], offer_lon[pool])
            covered = ring * cell_km
            inside = km <= reach_km[r]
            if covered >= reach_km[r] or int((km[inside] <= covered).sum()) >= k:
                break
            ring += 1
        pool, km = pool[inside], km[inside]
        best = np.lexsort((pool, km))[:k]
        edge_request += [r] * len(best)
        edge_offer += pool[best].tolist()
        edge_km += km[best].tolist()
    er, eo = np.array(edge_request), np.array(edge_offer)
    deliverable = np.minimum(per_week[eo] * weeks_left[er], capacity[eo])
    rank = np.zeros(len(er), dtype=np.int64)
    starts = np.flatnonzero(np.r_[True, er[1:] != er[:-1]]) if len(er) else np.zeros(0, int)
    for start, end in zip(starts, [*starts[1:], len(er)], strict=True):
        rank[start:end] = np.arange(end - start)
    return Market.build(
        request_quantity=quantity,
        offer_capacity=capacity,
        edge_request=er,
        edge_offer=eo,
        edge_upper=deliverable,
        edge_cost=np.array(edge_km),
        edge_minimum=minimum[eo],
        edge_rank=rank,
    )


def index_market(requests: int, offers: int, *, k: int, seed: int) -> Market:
    """The market from the matching engine's own top-k (see the module's docstring)."""
    import match_seed
    from match import offer_records, want_of

    from app.matching.candidates import build_candidates
    from app.matching.scoring import score_offers
    from app.taxonomy.loading import load_taxonomy

    today = date.today()
    places = match_seed.load_places()
    generated = match_seed.generate_market(offers, seed, places, today)
    needs = match_seed.generate_needs(requests, seed, places, today)
    records = offer_records(generated)
    candidates = build_candidates(records)
    taxonomy = load_taxonomy()
    started = time.perf_counter()
    found = [score_offers(want_of(need, today), candidates, taxonomy, limit=k) for need in needs]
    searched = time.perf_counter() - started
    print(
        f"  candidates: {k} per request from the index of {offers:,} offers in "
        f"{searched * 1000:,.0f} ms ({searched / requests * 1000:.2f} ms per request)"
    )
    by_id = {record.id: record for record in records}
    used = sorted({match.offer_id for matches in found for match in matches})
    offer_index = {offer_id: index for index, offer_id in enumerate(used)}
    totals = match_seed._totals(generated, 0, offers)
    position = {offer_id: index for index, offer_id in enumerate(generated.offer_ids)}
    capacity = [
        max(0, int(totals[position[offer_id]]) - by_id[offer_id].reserved_quantity)
        for offer_id in used
    ]
    quantity = np.array([need.quantity for need in needs], dtype=np.float64)
    quantity = np.maximum(1, np.rint(quantity * 2 * sum(capacity) / quantity.sum()))
    edge_request, edge_offer, upper, cost, minimum, rank = [], [], [], [], [], []
    for request, matches in enumerate(found):
        for place, match in enumerate(matches):
            edge_request.append(request)
            edge_offer.append(offer_index[match.offer_id])
            upper.append(match.deliverable_quantity)
            cost.append(match.distance_km)
            minimum.append(by_id[match.offer_id].min_order_quantity)
            rank.append(place)
    return Market.build(
        request_quantity=quantity.astype(np.int64),
        offer_capacity=capacity,
        edge_request=edge_request,
        edge_offer=edge_offer,
        edge_upper=upper,
        edge_cost=cost,
        edge_minimum=minimum,
        edge_rank=rank,
    )


def report(name: str, market: Market, quantities: np.ndarray, ms: float, extra: str = "") -> None:
    got = figures(market, quantities)
    allocated = market.allocated(quantities)
    ratios = np.sort(allocated / np.maximum(market.request_quantity, 1))
    p10 = ratios[len(ratios) // 10]
    print(
        f"  {name:<9} {ms:>9,.0f} ms  allocated {got.allocated:>12,} ({got.coverage:6.1%})  "
        f"min {got.min_coverage:6.1%}  p10 {p10:6.1%}  "
        f"mean distance {got.mean_distance_km or 0:6.1f} km  {extra}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000x10000,10000x100000")
    parser.add_argument("--k", type=int, default=20, help="candidate offers per request")
    parser.add_argument("--moq-share", type=float, default=0.0)
    parser.add_argument("--time-limit", type=float, default=120.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--from-index", action="store_true", help="match_seed's market")
    parser.add_argument(
        "--engines", default="auto,highs", help="auto (OR-Tools when it can), highs"
    )
    args = parser.parse_args()
    for size in args.sizes.split(","):
        requests, offers = (int(part) for part in size.split("x"))
        started = time.perf_counter()
        if args.from_index:
            market = index_market(requests, offers, k=args.k, seed=args.seed)
        else:
            market = crisis_market(
                requests, offers, k=args.k, moq_share=args.moq_share, seed=args.seed
            )
        built = (time.perf_counter() - started) * 1000
        print(
            f"{requests:,} requests x {offers:,} offers: {market.edges:,} edges "
            f"(k={args.k}, "
            f"minimum orders on {(market.edge_minimum > 1).mean():.0%} of edges), "
            f"supply/demand {market.offer_capacity.sum() / market.request_quantity.sum():.2f}, "
            f"built in {built:,.0f} ms"
        )
        started = time.perf_counter()
        baseline = greedy(market)
        report("greedy", market, baseline, (time.perf_counter() - started) * 1000)
        for engine in args.engines.split(","):
            for objective in ("coverage", "fair"):
                solved = solve(
                    market,
                    objective,
                    time_limit_s=args.time_limit,
                    start=baseline,
                    engine=engine,
                )
                assert market.violations(solved.quantities) == []
                label = f"{solved.status}, {solved.solver}"
                report(objective, market, solved.quantities, solved.solve_ms, label)


if __name__ == "__main__":
    main()
