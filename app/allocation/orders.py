"""Minimum orders kept by dropping: solve without them, drop every edge that got a positive
amount below its offer's minimum, solve again, until none does.

Every answer keeps every minimum (an edge is either unused or at its minimum or more), and
each round is the fast program without minimum orders (a network flow or a linear
program), so this scales where the mixed-integer program does not. It is not proven
optimal: an edge dropped in one round might have been worth its whole minimum. The solver
uses it as the fair objective's answer with minimum orders and as the start of the
coverage MIP.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import replace

import numpy as np

from app.allocation.market import BoolArray, IntArray, Market

Relaxed = Callable[[Market], IntArray]  # edge quantities of a market without minimums


def subset(market: Market, keep: BoolArray) -> Market:
    """The market with only the ``keep`` edges, minimum orders set aside."""
    return replace(
        market,
        edge_request=market.edge_request[keep],
        edge_offer=market.edge_offer[keep],
        edge_group=market.edge_group[keep],
        edge_upper=market.edge_upper[keep],
        edge_minimum=np.ones(int(keep.sum()), dtype=np.int64),
        edge_cost=market.edge_cost[keep],
        edge_rank=market.edge_rank[keep],
        edge_source=market.edge_source[keep],
    )


def by_dropping(
    market: Market, relaxed: Relaxed, *, deadline: float = math.inf
) -> tuple[IntArray, int] | None:
    """Edge quantities that keep every minimum and the rounds it took; None when the
    clock (``time.perf_counter``) passes ``deadline`` first."""
    keep = np.ones(market.edges, dtype=np.bool_)
    rounds = 0
    while True:
        if time.perf_counter() >= deadline:
            return None
        rounds += 1
        quantities = np.zeros(market.edges, dtype=np.int64)
        quantities[keep] = relaxed(subset(market, keep))
        broken = (quantities > 0) & (quantities < market.edge_minimum)
        if not broken.any():
            return quantities, rounds
        keep &= ~broken
