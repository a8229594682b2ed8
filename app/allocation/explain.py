"""Why each assignment went where it did, in words (English), from the solved market."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from app.allocation.market import IntArray, Market


@dataclass(frozen=True, slots=True)
class EdgeFacts:
    """What the market's arrays do not hold about the edges: who and how well."""

    request_ids: Sequence[str]  # per request index
    offer_ids: Sequence[str]  # per offer index
    score: Sequence[float]  # per edge
    distance_km: Sequence[float]  # per edge


def _saturated(market: Market, quantities: IntArray) -> tuple[IntArray, IntArray]:
    """Per offer and per (offer, buyer) group: units left after the allocation."""
    given = quantities.astype(np.float64)
    offer_left = market.offer_capacity - np.bincount(
        market.edge_offer, weights=given, minlength=len(market.offer_capacity)
    ).astype(np.int64)
    group_left = market.group_capacity - np.bincount(
        market.edge_group, weights=given, minlength=len(market.group_capacity)
    ).astype(np.int64)
    return offer_left, group_left


def assignment_reasons(
    market: Market, quantities: IntArray, facts: EdgeFacts
) -> dict[int, list[str]]:
    """Per edge that carries units: its rank and distance and, when the request has a
    better or nearer match that got less, why (that offer is used up elsewhere)."""
    offer_left, group_left = _saturated(market, quantities)
    by_request: dict[int, list[int]] = {}
    for edge in np.argsort(market.edge_rank, kind="stable").tolist():
        by_request.setdefault(int(market.edge_request[edge]), []).append(edge)
    users = np.bincount(market.edge_offer[quantities > 0], minlength=len(market.offer_capacity))
    reasons: dict[int, list[str]] = {}
    for edge in np.flatnonzero(quantities > 0).tolist():
        rank = int(market.edge_rank[edge]) + 1
        words = [
            f"match #{rank} for this request (score {facts.score[edge]:.2f})",
            f"{facts.distance_km[edge]:,.0f} km from the delivery point",
        ]
        request = int(market.edge_request[edge])
        for other in by_request[request]:
            better = market.edge_rank[other] < market.edge_rank[edge]
            nearer = facts.distance_km[other] < facts.distance_km[edge]
            if other == edge or not (better or nearer):
                continue
            room = int(market.edge_upper[other]) - int(quantities[other])
            offer, group = int(market.edge_offer[other]), int(market.edge_group[other])
            if room > 0 and offer_left[offer] > 0 and group_left[group] > 0:
                continue  # it had room: distance or rank is not what decided
            kind = "nearer" if nearer else "better-ranked"
            name, km = facts.offer_ids[offer], facts.distance_km[other]
            if offer_left[offer] <= 0:
                others = int(users[offer]) - (1 if quantities[other] > 0 else 0)
                words.append(
                    f"the {kind} offer {name} ({km:,.0f} km) is fully allocated"
                    + (f" to {others} other request(s)" if others > 0 else "")
                )
            elif group_left[group] <= 0:
                words.append(
                    f"the {kind} offer {name} ({km:,.0f} km) gives this buyer its full share"
                )
            else:
                words.append(f"the {kind} offer {name} ({km:,.0f} km) can deliver no more by then")
            break
        reasons[edge] = words
    return reasons


def request_reasons(
    market: Market,
    quantities: IntArray,
    greedy: IntArray,
    *,
    level: float | None,
) -> list[list[str]]:
    """Per request: how much it gets, against greedy, and why when it gets little."""
    allocated, by_greedy = market.allocated(quantities), market.allocated(greedy)
    edges = np.bincount(market.edge_request, minlength=market.requests)
    reach = market.reach()
    found: list[list[str]] = []
    for index in range(market.requests):
        wanted = int(market.request_quantity[index])
        if wanted == 0:
            found.append(["its whole quantity is engaged already"])
            continue
        words = [f"gets {int(allocated[index]):,} of {wanted:,} ({allocated[index] / wanted:.0%})"]
        if edges[index] == 0:
            words.append("no offer passes its hard filters with capacity left")
        elif reach[index] < wanted:
            words.append(
                f"its candidate offers can deliver at most {int(reach[index]):,} by its needed_by"
            )
        if level is not None and reach[index] > 0:
            words.append(f"every request that an offer can serve gets at least {level:.0%}")
        if by_greedy[index] != allocated[index]:
            words.append(f"greedy matching would give it {int(by_greedy[index]):,}")
        found.append(words)
    return found
