"""An allocation problem as column arrays: requests, offers and the candidate edges between.

Pure data (numpy), no I/O: the service builds a ``Market`` from the matching index and the
database, the solver and the greedy baseline read it, tests build small ones by hand.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


def _ints(values: Any) -> IntArray:
    return np.asarray(values, dtype=np.int64).reshape(-1)


@dataclass(frozen=True, slots=True)
class Market:
    """Requests ``r``, offers ``o``, (offer, buyer organisation) groups ``g`` and edges ``e``.

    An edge is one candidate pair: the request may take at most ``edge_upper`` units from
    the offer (what the offer can deliver by the request's ``needed_by``), and, when it
    takes any, at least ``edge_minimum`` (the offer's minimum order). An offer gives at
    most ``offer_capacity`` in total; one buyer's holds on one offer at most
    ``group_capacity`` of its group (the engagements' per-buyer share); a request takes
    at most ``request_quantity``. ``edge_rank`` is the offer's place in the request's
    ranking (0 = best match): the greedy baseline takes offers in that order, requests in
    the order of ``request_order``.
    """

    request_quantity: IntArray
    offer_capacity: IntArray
    group_capacity: IntArray
    edge_request: IntArray
    edge_offer: IntArray
    edge_group: IntArray
    edge_upper: IntArray
    edge_minimum: IntArray
    edge_cost: FloatArray
    edge_rank: IntArray
    request_order: IntArray
    edge_source: IntArray  # each edge's position in the sequences given to ``build``

    @classmethod
    def build(
        cls,
        *,
        request_quantity: Any,
        offer_capacity: Any,
        edge_request: Any,
        edge_offer: Any,
        edge_upper: Any,
        edge_cost: Any,
        edge_minimum: Any = None,
        edge_rank: Any = None,
        edge_group: Any = None,
        group_capacity: Any = None,
        request_order: Any = None,
    ) -> Market:
        """A market from plain sequences. Each edge's upper bound is cut to what its offer,
        group and request could ever give; an edge that cannot reach its offer's minimum
        order then is dropped (it could never carry an assignment)."""
        requests, offers = _ints(request_quantity), _ints(offer_capacity)
        edge_r, edge_o = _ints(edge_request), _ints(edge_offer)
        count = len(edge_r)
        minimum = _ints(edge_minimum) if edge_minimum is not None else np.ones(count, np.int64)
        rank = _ints(edge_rank) if edge_rank is not None else np.zeros(count, np.int64)
        if edge_group is None:  # one group per edge: no per-buyer limit beyond the edge's
            group, groups = np.arange(count, dtype=np.int64), _ints(edge_upper)
        else:
            group, groups = _ints(edge_group), _ints(group_capacity)
        upper = np.minimum.reduce(
            [_ints(edge_upper), offers[edge_o], requests[edge_r], groups[group]]
        )
        keep = (upper >= np.maximum(minimum, 1)) & (upper > 0)
        order = _ints(request_order) if request_order is not None else np.arange(len(requests))
        return cls(
            request_quantity=requests,
            offer_capacity=offers,
            group_capacity=groups,
            edge_request=edge_r[keep],
            edge_offer=edge_o[keep],
            edge_group=group[keep],
            edge_upper=upper[keep],
            edge_minimum=np.maximum(minimum[keep], 1),
            edge_cost=np.asarray(edge_cost, dtype=np.float64).reshape(-1)[keep],
            edge_rank=rank[keep],
            request_order=order,
            edge_source=np.flatnonzero(keep),
        )

    @property
    def requests(self) -> int:
        return len(self.request_quantity)

    @property
    def edges(self) -> int:
        return len(self.edge_request)

    def allocated(self, quantities: IntArray) -> IntArray:
        """Units each request gets from edge quantities."""
        return np.bincount(self.edge_request, weights=quantities, minlength=self.requests).astype(
            np.int64
        )

    def reach(self) -> IntArray:
        """What each request could get if it were alone: its edges' bounds, at most its
        quantity (the ceiling of its coverage in any allocation)."""
        alone = np.bincount(self.edge_request, weights=self.edge_upper, minlength=self.requests)
        return np.minimum(alone.astype(np.int64), self.request_quantity)

    def violations(self, quantities: IntArray) -> list[str]:
        """Every rule ``quantities`` (one per edge) breaks; empty when it is a valid allocation."""
        broken: list[str] = []
        given = quantities > 0
        if np.any(quantities < 0):
            broken.append("negative quantity")
        if np.any(quantities > self.edge_upper):
            broken.append("an edge above what its offer can deliver to that request")
        if np.any(given & (quantities < self.edge_minimum)):
            broken.append("an assignment below the offer's minimum order")
        per_offer = np.bincount(
            self.edge_offer, weights=quantities, minlength=len(self.offer_capacity)
        )
        if np.any(per_offer > self.offer_capacity):
            broken.append("an offer gives more than its remaining capacity")
        per_group = np.bincount(
            self.edge_group, weights=quantities, minlength=len(self.group_capacity)
        )
        if np.any(per_group > self.group_capacity):
            broken.append("one buyer holds more of an offer than its share")
        if np.any(self.allocated(quantities) > self.request_quantity):
            broken.append("a request gets more than its unreserved quantity")
        return broken


def coverage_key(market: Market, quantities: IntArray) -> tuple[int, float]:
    """Coverage's order of allocations: more units, then less distance."""
    return int(quantities.sum()), -float(np.dot(quantities, market.edge_cost))


def floors(market: Market, level: float) -> IntArray:
    """Whole units each request needs for a coverage of at least ``level``: ``ceil(level x
    quantity)``, never more than it can reach, 0 for a request nothing can serve."""
    reach = market.reach()
    wanted = np.ceil(level * market.request_quantity - 1e-9).astype(np.int64)
    needed: IntArray = np.where(reach > 0, np.minimum(np.maximum(wanted, 0), reach), 0)
    return needed


def highest_level(
    feasible: Callable[[float], bool], *, low: float, high: float, largest: int
) -> float:
    """The highest level in ``[low, high]`` that ``feasible`` accepts, ``low`` assumed
    feasible: ``high`` itself when it passes, else bisection to ``1 / (2 x largest)``, finer
    than one unit of the largest request that counts (floors are whole units)."""
    if feasible(high):
        return high
    tolerance = 1.0 / (2 * max(1, largest))
    while high - low > tolerance:
        middle = (low + high) / 2
        if feasible(middle):
            low = middle
        else:
            high = middle
    return low


@dataclass(frozen=True, slots=True)
class Figures:
    """Totals of one allocation: units, coverage (allocated / requested) and its minimum
    over the requests some offer could serve at all (``servable``)."""

    requested: int
    allocated: int
    coverage: float
    min_coverage: float
    servable: int
    mean_distance_km: float | None


def figures(market: Market, quantities: IntArray) -> Figures:
    allocated = market.allocated(quantities)
    requested = int(market.request_quantity.sum())
    total = int(allocated.sum())
    servable = market.reach() > 0
    ratios = allocated[servable] / market.request_quantity[servable]
    distance = float(np.dot(quantities, market.edge_cost) / total) if total else None
    return Figures(
        requested=requested,
        allocated=total,
        coverage=total / requested if requested else 0.0,
        min_coverage=float(ratios.min()) if len(ratios) else 0.0,
        servable=int(servable.sum()),
        mean_distance_km=distance,
    )
