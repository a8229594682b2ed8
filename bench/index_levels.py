"""What the matching index's levels of changes cost and save (app/matching/layers.py).

In memory, no database: an offer index of ``--offers`` synthetic offers, then
``--changes`` single-offer change batches, as a stream of writes brings them. Prints,
in the same run:

- a search (top 20) on the index without changes, then with the changes in the levels;
- the cost of applying one change with the levels (the mean over all batches);
- the baseline, the shape before the levels: one delta rebuilt from every change since
  the base at each batch (the same index with an unbounded newest level), its search
  and its cost of one more change.

    /tmp/venv/bin/python bench/index_levels.py            # from the repository root
    /tmp/venv/bin/python bench/index_levels.py --offers 1000000 --changes 5000
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.matching.index import MatchIndex
from app.matching.values import OfferRecord
from tests.matching.support import TAXONOMY, make_offer, make_want

SEARCHES = 50
UNBOUNDED = (10**9,)  # one level that never folds: the single delta of before


def search_ms(index: MatchIndex) -> float:
    want = make_want()
    started = time.perf_counter()
    for _ in range(SEARCHES):
        index.search(want, TAXONOMY, limit=20)
    return 1000 * (time.perf_counter() - started) / SEARCHES


def changed(offer: OfferRecord, step: int) -> OfferRecord:
    return replace(offer, capacity_per_week=offer.capacity_per_week + step)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--offers", type=int, default=100_000)
    parser.add_argument("--changes", type=int, default=3_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    offers = [
        make_offer(
            f"off_01{i:08d}",
            lat=47 + rng.random() * 8,
            lon=6 + rng.random() * 9,
            capacity_per_week=rng.randint(100, 10_000),
        )
        for i in range(args.offers)
    ]
    picks = [offers[rng.randrange(len(offers))] for _ in range(args.changes)]
    print(f"{args.offers:,} offers, {args.changes:,} single-offer change batches")

    levels = MatchIndex(offers)
    print(f"search, no changes:               {search_ms(levels):7.2f} ms")
    current = {offer.id: offer for offer in offers}
    started = time.perf_counter()
    for offer in picks:
        current[offer.id] = changed(offer, 1)
        levels.apply({offer.id: current[offer.id]})
    apply_levels = 1000 * (time.perf_counter() - started) / len(picks)
    sizes = [len(columns) for columns, _ in levels.parts()[1:]]
    print(f"levels (oldest first):            {sizes}")
    print(f"search, changes in the levels:    {search_ms(levels):7.2f} ms")
    print(f"apply one change, levels:         {apply_levels:7.3f} ms (mean of all batches)")

    delta = MatchIndex(offers, caps=UNBOUNDED)
    first = {offer.id: changed(offer, 1) for offer in picks}
    delta.apply(first)  # the delta, at once
    print(f"baseline search, one delta:       {search_ms(delta):7.2f} ms")
    started = time.perf_counter()
    for offer in picks[:20]:
        delta.apply({offer.id: changed(offer, 2)})
    apply_delta = 1000 * (time.perf_counter() - started) / 20
    print(f"baseline apply one more change:   {apply_delta:7.3f} ms (a delta of {len(first):,})")
    fresh = MatchIndex(list(current.values()))
    same = levels.search(make_want(), TAXONOMY, limit=20) == fresh.search(
        make_want(), TAXONOMY, limit=20
    )
    print(f"apply {apply_delta / apply_levels:.0f}x cheaper with levels")
    print(f"same top 20 as an index built afresh: {same}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
