"""The baseline every allocation is compared with: requests in turn take their top matches.

What a matching site without allocation does: each request, in the market's order, takes
from its offers best match first as much as is left (never less than an offer's minimum
order), before the next request gets a turn.
"""

from __future__ import annotations

import numpy as np

from app.allocation.market import IntArray, Market


def greedy(market: Market) -> IntArray:
    """Edge quantities of the greedy allocation."""
    quantities = np.zeros(market.edges, dtype=np.int64)
    offer_left = market.offer_capacity.astype(np.int64).copy()
    group_left = market.group_capacity.astype(np.int64).copy()
    # Edges by the request's turn, then by the offer's rank in that request's matches.
    turn = np.empty(market.requests, dtype=np.int64)
    turn[market.request_order] = np.arange(market.requests)
    by_turn = np.lexsort((market.edge_rank, turn[market.edge_request]))
    request_left = market.request_quantity.astype(np.int64).copy()
    for edge in by_turn.tolist():
        request = int(market.edge_request[edge])
        offer, group = int(market.edge_offer[edge]), int(market.edge_group[edge])
        take = min(
            int(market.edge_upper[edge]),
            int(offer_left[offer]),
            int(group_left[group]),
            int(request_left[request]),
        )
        if take <= 0 or take < market.edge_minimum[edge]:
            continue
        quantities[edge] = take
        offer_left[offer] -= take
        group_left[group] -= take
        request_left[request] -= take
    return quantities
