"""Allocation as a network flow (OR-Tools), for markets without minimum orders.

Without minimum orders an allocation is a flow: source -> offer (its remaining capacity)
-> (offer, buyer) (one buyer's share) -> request (an edge: what the offer can deliver to
it) -> sink (the request's quantity). Network codes solve that 10-50 times faster than a
general LP solver, in whole units. OR-Tools is an optional extra (``pip install
'capmatch[ortools]'``, about 80 MB with its dependencies); without it, or with minimum
orders, ``solver`` uses HiGHS.

Edges cost their distance (in 100 m). ``coverage`` is OR-Tools' maximum flow of minimum
cost. ``fair`` first finds the highest level whose whole-unit floors ``ceil(t x
quantity)`` a flow can meet (bisection on maximum flows), then the least-cost flow that
meets them and places the most units: augmenting paths from a flow that meets the floors
never lower a request's units, so the most units with floors equal the most without.
"""

from __future__ import annotations

import importlib
import time
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import numpy as np

from app.allocation.market import IntArray, Market, floors, highest_level


def _optional(module: str) -> Any:
    try:
        return importlib.import_module(module)
    except ImportError:  # the optional extra is not installed
        return None


max_flow: Any = _optional("ortools.graph.python.max_flow")
min_cost_flow: Any = _optional("ortools.graph.python.min_cost_flow")


def available() -> bool:
    return min_cost_flow is not None


def name() -> str:
    try:
        return f"or-tools {version('ortools')} min-cost flow"
    except PackageNotFoundError:  # pragma: no cover - imported but not a distribution
        return "or-tools min-cost flow"


DISTANCE_UNIT_KM = 0.1


class _Graph:
    """Node and arc numbering shared by the max-flow and the min-cost-flow programs.

    A buyer's share of an offer needs a node of its own only when the buyer has several
    edges on that offer; a single edge's bound already holds the share (``Market.build``),
    so it runs from the offer straight to the request: in a market of one request per
    buyer that halves the graph.
    """

    def __init__(self, market: Market) -> None:
        offers = len(market.offer_capacity)
        self.source, self.sink = 0, 1
        offer0 = 2
        edges_per_group = np.bincount(market.edge_group, minlength=len(market.group_capacity))
        shared = np.flatnonzero(edges_per_group > 1)  # groups that need a node
        group_node = np.full(len(market.group_capacity), -1, dtype=np.int64)
        group_node[shared] = offer0 + offers + np.arange(len(shared))
        self.request0 = offer0 + offers + len(shared)
        self.nodes = self.request0 + market.requests
        group_offer = np.zeros(len(market.group_capacity), dtype=np.int64)
        group_offer[market.edge_group] = market.edge_offer
        via_group = group_node[market.edge_group]
        edge_tails = np.where(via_group >= 0, via_group, offer0 + market.edge_offer)
        self.tails = np.concatenate(
            [np.full(offers, self.source), offer0 + group_offer[shared], edge_tails]
        )
        self.heads = np.concatenate(
            [offer0 + np.arange(offers), group_node[shared], self.request0 + market.edge_request]
        )
        self.capacities = np.concatenate(
            [market.offer_capacity, market.group_capacity[shared], market.edge_upper]
        ).astype(np.int64)
        self.edge0 = offers + len(shared)  # the first edge arc
        self.edges = market.edges


def _level(market: Market, graph: _Graph, ceiling: float = 1.0) -> float:
    """The highest ``t`` whose whole-unit floors ``ceil(t x quantity)`` some flow meets for
    every servable request (to ``1 / (2 x largest quantity)``)."""
    reach = market.reach()
    servable = np.flatnonzero(reach > 0)
    if len(servable) == 0:
        return 0.0
    quantity = market.request_quantity[servable]
    solver: Any = max_flow.SimpleMaxFlow()
    solver.add_arcs_with_capacity(graph.tails, graph.heads, graph.capacities)
    sink_arcs = solver.add_arcs_with_capacity(
        graph.request0 + servable,
        np.full(len(servable), graph.sink),
        np.zeros(len(servable), np.int64),
    )

    def feasible(level: float) -> bool:
        wanted = floors(market, level)[servable]
        solver.set_arcs_capacity(sink_arcs, wanted)
        if solver.solve(graph.source, graph.sink) != solver.OPTIMAL:
            raise RuntimeError("max flow failed")
        return int(solver.optimal_flow()) == int(wanted.sum())

    high = float(min(ceiling, (reach[servable] / quantity).min()))
    return highest_level(feasible, low=0.0, high=high, largest=int(quantity.max()))


def _max_flow(market: Market, graph: _Graph) -> int:
    """The most units any allocation places (floors or not: augmenting paths from a flow
    that meets the floors never lower a request's units, so they reach this value too)."""
    solver: Any = max_flow.SimpleMaxFlow()
    solver.add_arcs_with_capacity(graph.tails, graph.heads, graph.capacities)
    requests = graph.request0 + np.arange(market.requests)
    solver.add_arcs_with_capacity(
        requests, np.full(market.requests, graph.sink), market.request_quantity
    )
    if solver.solve(graph.source, graph.sink) != solver.OPTIMAL:
        raise RuntimeError("max flow failed")
    return int(solver.optimal_flow())


def solve(
    market: Market, *, fair: bool, ceiling: float = 1.0
) -> tuple[IntArray, float | None, int]:
    """Edge quantities, the fair level (None for coverage) and the milliseconds taken;
    ``ceiling``: a level known to be out of reach above (a market with fewer edges cannot
    do better than the one before it, which saves most of the search)."""
    started = time.perf_counter()
    graph = _Graph(market)
    cost = np.rint(market.edge_cost / DISTANCE_UNIT_KM).astype(np.int64)
    solver: Any = min_cost_flow.SimpleMinCostFlow()
    solver.add_arcs_with_capacity_and_unit_cost(
        graph.tails,
        graph.heads,
        graph.capacities,
        np.concatenate([np.zeros(graph.edge0, np.int64), cost]),
    )
    requests = graph.request0 + np.arange(market.requests)
    level = None
    if not fair:
        # Coverage: OR-Tools' own lexicographic mode, the most units, then the least cost.
        solver.add_arcs_with_capacity_and_unit_cost(
            requests,
            np.full(market.requests, graph.sink),
            market.request_quantity,
            np.zeros(market.requests, np.int64),
        )
        supply = int(market.offer_capacity.sum())
        solver.set_node_supply(graph.source, supply)
        solver.set_node_supply(graph.sink, -supply)
        status = solver.solve_max_flow_with_min_cost()
    else:
        # Fair: the level's floors as lower bounds of the sink arcs (each request absorbs
        # its floor, the sink gets it for free), exactly the most units in total, the
        # least cost: a balanced min-cost flow.
        level = _level(market, graph, ceiling)
        floor = floors(market, level)
        total = _max_flow(market, graph)
        solver.add_arcs_with_capacity_and_unit_cost(
            requests,
            np.full(market.requests, graph.sink),
            market.request_quantity - floor,
            np.zeros(market.requests, np.int64),
        )
        solver.set_node_supply(graph.source, total)
        solver.set_nodes_supplies(requests, -floor)
        solver.set_node_supply(graph.sink, -(total - int(floor.sum())))
        status = solver.solve()
    if status != solver.OPTIMAL:
        raise RuntimeError(f"min-cost flow failed: {status}")
    quantities = np.asarray(
        solver.flows(np.arange(graph.edge0, graph.edge0 + graph.edges)), dtype=np.int64
    )
    return quantities, level, round((time.perf_counter() - started) * 1000)
