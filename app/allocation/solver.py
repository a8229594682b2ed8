"""The optimal allocation for an objective: HiGHS, or OR-Tools' flow (``flow``) for markets
without minimum orders when it is installed.

The model: one variable per candidate edge (units the request takes from the offer),
bounded by what the offer can deliver by the request's ``needed_by``; rows cap each offer
(remaining capacity), each buyer's share of an offer, and each request (its unreserved
quantity, and a floor in the fair objective). The matrix is a network's (every column has
one offer-side and one request-side entry in two laminar families), so vertex solutions
are whole units. Objectives are lexicographic, solved in stages on one model:
- ``coverage``: the most units, then the least ``units x distance``;
- ``fair``: the highest level ``t`` such that every request some offer can serve gets at
  least ``ceil(t x quantity)`` whole units (max-min coverage; a request no candidate offer
  can serve is left out, or every level would be 0), then the most units with those
  floors, then the least distance. The level: the LP's max-min, lowered by bisection
  until the ceilings fit.

Minimum orders: ``coverage`` becomes a MIP (``_Program.run``: lazily semi-integer edges),
started from the better of greedy and ``orders.by_dropping``, stopped at ``time_limit_s``
with the best found; ``fair`` takes the dropping answer (``status`` says ``feasible``).
"""

from __future__ import annotations

import math
import os
import sys
import time
from dataclasses import dataclass
from importlib.metadata import version
from typing import Any, Literal

import highspy
import numpy as np

from app.allocation import flow, orders
from app.allocation.market import (
    FloatArray,
    IntArray,
    Market,
    coverage_key,
    floors,
    highest_level,
)

Objective = Literal["coverage", "fair"]
Engine = Literal["auto", "highs", "ortools"]
SOLVER_NAME = f"highs {version('highspy')}"
LEVEL_TOLERANCE = 1e-4  # the fair level is lowered in steps no smaller than this
_FEASIBLE = (highspy.HighsModelStatus.kOptimal,)
# highspy's stubs leave its constructor untyped and miss some methods this module calls.
_Highs: Any = highspy.Highs


def _silence_banner() -> None:
    """HiGHS prints a licence banner to the process's stdout (C++, not Python's) when its
    first instance is made, before any option can silence it: make that instance with
    stdout pointed at /dev/null, so a JSON log stream stays JSON."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 1)
            _Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)


_silence_banner()


class EngineUnavailable(RuntimeError):
    """The engine asked for cannot solve this market here."""


class SolverFailed(RuntimeError):
    """HiGHS ended without a usable solution (never expected for these bounded programs)."""


@dataclass(frozen=True, slots=True)
class Solved:
    quantities: IntArray  # per edge
    level: float | None  # the fair level t (None for coverage)
    solver: str
    solve_ms: int
    status: str  # optimal | time_limit | feasible (minimum orders kept by dropping edges)


def _highs(time_limit_s: float) -> Any:
    solver = _Highs()
    solver.setOptionValue("output_flag", False)
    solver.setOptionValue("random_seed", 0)
    solver.setOptionValue("threads", 1)
    solver.setOptionValue("time_limit", float(time_limit_s))
    return solver


class _Program:
    """The edge model on one HiGHS instance; ``level_column`` adds the fair level ``t``."""

    def __init__(
        self, market: Market, *, integral: bool, level_column: bool, time_limit_s: float
    ) -> None:
        self.market = market
        offers = len(market.offer_capacity)
        # A buyer's share of an offer needs a row only when the buyer has several edges on
        # it; a single edge's bound already holds the share (``Market.build``).
        shared = np.bincount(market.edge_group, minlength=len(market.group_capacity)) > 1
        group_row = np.full(len(market.group_capacity), -1, dtype=np.int64)
        group_row[shared] = offers + np.arange(int(shared.sum()))
        self.request_row0 = offers + int(shared.sum())
        rows = self.request_row0 + market.requests
        edges = market.edges
        # Column-wise entries, rows ascending: offer, the share's row if any, request.
        edge_group_row = group_row[market.edge_group]
        entries = 2 + (edge_group_row >= 0).astype(np.int64)
        start = np.concatenate([[0], np.cumsum(entries)]).astype(np.int32)
        index = np.empty(int(start[-1]), dtype=np.int32)
        index[start[:-1]] = market.edge_offer
        has_group = edge_group_row >= 0
        index[start[:-1][has_group] + 1] = edge_group_row[has_group]
        index[start[1:] - 1] = self.request_row0 + market.edge_request
        value = np.ones(len(index), dtype=np.float64)
        self.group_capacity = market.group_capacity[shared]
        lower = np.zeros(edges)
        upper = market.edge_upper.astype(np.float64)
        # Minimum orders are kept lazily: an edge becomes semi-integer only once a solution
        # gave it a positive amount below its minimum (``run``).
        self.lazy = integral and bool((market.edge_minimum > 1).any())
        self.semi = np.zeros(edges, dtype=np.bool_)
        self.start: IntArray | None = None
        cost = np.zeros(edges)
        columns = edges
        if level_column:
            servable = np.flatnonzero(market.reach() > 0)
            index = np.concatenate([index, (self.request_row0 + servable).astype(np.int32)])
            value = np.concatenate([value, -market.request_quantity[servable].astype(np.float64)])
            start = np.append(start, len(index)).astype(np.int32)
            lower, upper = np.append(lower, 0.0), np.append(upper, 0.0)
            cost = np.append(cost, 0.0)
            columns += 1
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = columns, rows
        lp.col_cost_, lp.col_lower_, lp.col_upper_ = cost, lower, upper
        inf = highspy.kHighsInf
        lp.row_lower_ = np.full(rows, -inf)
        lp.row_upper_ = np.concatenate(
            [market.offer_capacity, self.group_capacity, market.request_quantity]
        ).astype(np.float64)
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_ = start, index, value
        self.highs = _highs(time_limit_s)
        self.highs.setOptionValue("mip_rel_gap", 0.0)
        # Interior point, then crossover to a vertex (whole units on the network matrix):
        # 10-20x faster than the simplex on the level's dense column.
        self.highs.setOptionValue("solver", "ipm")
        if self.highs.passModel(lp) != highspy.HighsStatus.kOk:
            raise SolverFailed("HiGHS refused the model")
        self.columns = columns
        self.timed_out = False
        self.deadline = time.perf_counter() + time_limit_s

    def floors(self, lower: FloatArray) -> None:
        """Each request takes at least ``lower`` units."""
        rows = np.arange(
            self.request_row0, self.request_row0 + self.market.requests, dtype=np.int32
        )
        self.highs.changeRowsBounds(
            len(rows),
            rows,
            lower.astype(np.float64),
            self.market.request_quantity.astype(np.float64),
        )

    def objective(self, cost: FloatArray, *, maximise: bool) -> None:
        self.highs.changeColsCost(self.columns, np.arange(self.columns, dtype=np.int32), cost)
        sense = highspy.ObjSense.kMaximize if maximise else highspy.ObjSense.kMinimize
        self.highs.changeObjectiveSense(sense)

    @property
    def mixed_integer(self) -> bool:
        return bool(self.semi.any())

    def run(self) -> bool:
        """Solve, keeping minimum orders; True when a solution was found (optimal, or the
        best at the time limit).

        A program where only the edges that broke a minimum so far are semi-integer is a
        relaxation of the one where all are: when its optimum breaks no other minimum, it
        is the optimum of the whole. Else those edges join and it is solved again. Few
        edges ever need the branching, where making every one semi-integer up front
        took HiGHS minutes at 20k edges."""
        while True:
            if not self._run():
                return False
            if not self.lazy:
                return True
            given = self.values()[: self.market.edges]
            minimum = self.market.edge_minimum
            broken = (given > 0.5) & (given < minimum - 0.5) & ~self.semi
            if not broken.any():
                return True
            self._make_semi(np.flatnonzero(broken))

    def _make_semi(self, edges: IntArray) -> None:
        if not self.mixed_integer:  # from now on a MIP
            self.highs.setOptionValue("solver", "choose")
            # HiGHS' full MIP presolve took 45 of 46 s on a 20k-edge market whose branch
            # and bound then needed one node (with symmetry detection off: 22 s); its light
            # presolve takes 0.1 s. The few semi-integer columns leave it little to find.
            self.highs.setOptionValue("mip_detect_symmetry", False)
            self.highs.setOptionValue("presolve_mode", 2)
        self.semi[edges] = True
        indices = edges.astype(np.int32)
        self.highs.changeColsIntegrality(
            len(indices), indices, np.full(len(indices), highspy.HighsVarType.kSemiInteger)
        )
        self.highs.changeColsBounds(
            len(indices),
            indices,
            self.market.edge_minimum[edges].astype(np.float64),
            self.market.edge_upper[edges].astype(np.float64),
        )
        if self.start is not None:
            self.highs.setSolution(_solution(self.start))

    def out_of_time(self) -> bool:
        return time.perf_counter() >= self.deadline

    def _run(self) -> bool:
        # One budget for every stage and round: each run gets what is left of it.
        left = self.deadline - time.perf_counter()
        if left <= 0:
            self.timed_out = True
            return False
        self.highs.setOptionValue("time_limit", left)
        self.highs.run()
        status = self.highs.getModelStatus()
        if status in _FEASIBLE:
            return True
        if (
            status == highspy.HighsModelStatus.kTimeLimit
            and self.highs.getInfo().primal_solution_status == 2
        ):
            self.timed_out = True
            return True
        if status == highspy.HighsModelStatus.kTimeLimit:
            self.timed_out = True
        return False

    def values(self) -> FloatArray:
        return np.asarray(self.highs.getSolution().col_value, dtype=np.float64)

    def edge_quantities(self) -> IntArray:
        return np.rint(self.values()[: self.market.edges]).astype(np.int64)


def _solution(quantities: IntArray) -> highspy.HighsSolution:
    solution = highspy.HighsSolution()
    solution.col_value = quantities.astype(np.float64).tolist()
    solution.value_valid = True
    return solution


def _fair_level(market: Market, time_limit_s: float) -> float:
    """The highest ``t`` such that every servable request can get ``ceil(t x quantity)``
    whole units: the best minimum coverage, minimum orders aside."""
    servable = market.reach() > 0
    if not servable.any():
        return 0.0
    relaxed = _Program(market, integral=False, level_column=True, time_limit_s=time_limit_s)
    cost = np.zeros(relaxed.columns)
    cost[-1] = 1.0
    relaxed.highs.changeColBounds(relaxed.columns - 1, 0.0, 1.0)
    relaxed.floors(np.zeros(market.requests))  # the rows read: allocated - t x quantity >= 0
    relaxed.objective(cost, maximise=True)
    if not relaxed.run():
        if relaxed.timed_out:  # the caller runs out of time too and falls back
            return 0.0
        raise SolverFailed("no max-min level")
    high = min(1.0, max(0.0, float(relaxed.values()[-1])))
    # Whole units: a coverage of t needs ceil(t x quantity), which the fractional level
    # may not afford. Bisect below it on the ceilings' feasibility (a network LP: its
    # vertices are whole, so feasible in the LP is feasible in units).
    relaxed.highs.changeColBounds(relaxed.columns - 1, 0.0, 0.0)
    relaxed.objective(np.zeros(relaxed.columns), maximise=True)
    relaxed.highs.setOptionValue("solver", "simplex")

    def feasible(level: float) -> bool:
        relaxed.floors(floors(market, level).astype(np.float64))
        return relaxed.run()

    largest = int(market.request_quantity[servable].max())
    return highest_level(feasible, low=0.0, high=high, largest=largest)


def solve(
    market: Market,
    objective: Objective,
    *,
    time_limit_s: float = 60.0,
    start: IntArray | None = None,
    engine: Engine = "auto",
) -> Solved:
    """The optimal edge quantities for ``objective`` (see the module's docstring);
    ``start``: a feasible allocation the coverage MIP starts from (the greedy one).
    ``engine``: ``auto`` takes OR-Tools' min-cost flow when it is installed and no edge
    has a minimum order, else HiGHS; ``ortools`` insists (``EngineUnavailable``)."""
    started = time.perf_counter()
    if market.edges == 0:
        return Solved(np.zeros(0, dtype=np.int64), None, SOLVER_NAME, 0, "optimal")
    minimum_orders = bool((market.edge_minimum > 1).any())
    if engine == "ortools" and not flow.available():
        raise EngineUnavailable("OR-Tools is not installed: pip install 'capmatch[ortools]'")
    use_flow = engine != "highs" and flow.available()
    if use_flow and not minimum_orders:
        quantities, level, elapsed = flow.solve(market, fair=objective == "fair")
        return Solved(quantities, level, flow.name(), elapsed, "optimal")
    if minimum_orders:
        deadline = started + time_limit_s
        dropped = _dropping(market, objective, deadline, "ortools" if use_flow else "highs")
        if dropped is None:
            return _fallback(market, start, started)
        if objective == "fair" or engine == "ortools":
            elapsed = round((time.perf_counter() - started) * 1000)
            name = flow.name() if use_flow else SOLVER_NAME
            return Solved(dropped, None, name, elapsed, "feasible")
        if start is None or coverage_key(market, dropped) > coverage_key(market, start):
            start = dropped
    program = _Program(market, integral=True, level_column=False, time_limit_s=time_limit_s)
    program.deadline = started + time_limit_s
    level = None
    if objective == "fair":
        level = _fair_level(market, time_limit_s)
        while True:
            program.floors(floors(market, level).astype(np.float64))
            program.objective(np.ones(program.columns), maximise=True)
            if program.run():
                break
            if program.out_of_time():
                return _fallback(market, start, started)
            # Minimum orders can make the relaxation's level unreachable in whole orders:
            # lower it until it is reachable (never below 0, where it always is).
            level = 0.0 if level < LEVEL_TOLERANCE else level - max(LEVEL_TOLERANCE, level / 8)
    else:
        program.objective(np.ones(program.columns), maximise=True)
        program.start = start
        if not program.run():
            return _fallback(market, start, started)
    # Whole units: the sum of the solution's rounded values could exceed the optimum.
    total = math.floor(float(program.highs.getObjectiveValue()) + 1e-6)
    # Then the least distance among allocations of that many units.
    program.highs.addRow(
        float(total),
        highspy.kHighsInf,
        program.market.edges,
        np.arange(program.market.edges, dtype=np.int32),
        np.ones(program.market.edges),
    )
    most = program.edge_quantities()
    program.highs.setOptionValue("mip_rel_gap", 1e-6)
    program.objective(market.edge_cost.astype(np.float64), maximise=False)
    program.start = most
    if program.mixed_integer:
        program.highs.setSolution(_solution(most))
    # The stage before is a solution of this one: should HiGHS still fail on it (it did,
    # rarely, on semi-integer columns after the added row, and at the time limit), keep it.
    quantities = program.edge_quantities() if program.run() else most
    elapsed = round((time.perf_counter() - started) * 1000)
    status = "time_limit" if program.timed_out else "optimal"
    return Solved(quantities, level, SOLVER_NAME, elapsed, status)


def _dropping(
    market: Market, objective: Objective, deadline: float, engine: Engine
) -> IntArray | None:
    """Minimum orders kept by dropping the edges that break one (``orders``), each round
    solved without minimum orders by ``engine``; None when out of time."""
    ceiling = [1.0]  # each round has fewer edges: its fair level is at most the last one's

    def relaxed(part: Market) -> IntArray:
        if engine == "ortools":
            quantities, level, _ = flow.solve(part, fair=objective == "fair", ceiling=ceiling[0])
            ceiling[0] = level if level is not None else 1.0
            return quantities
        left = max(deadline - time.perf_counter(), 1e-3)
        return solve(part, objective, time_limit_s=left, engine=engine).quantities

    found = orders.by_dropping(market, relaxed, deadline=deadline)
    return None if found is None else found[0]


def _fallback(market: Market, start: IntArray | None, started: float) -> Solved:
    """Out of time before any allocation of the objective was found: the start (greedy,
    which keeps every rule) if there is one, else nothing, marked ``time_limit``."""
    quantities = start if start is not None else np.zeros(market.edges, dtype=np.int64)
    elapsed = round((time.perf_counter() - started) * 1000)
    return Solved(quantities, None, f"{SOLVER_NAME}, out of time: the start", elapsed, "time_limit")
