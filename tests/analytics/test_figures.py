"""The situation picture's counting rules, on markets small enough to count by hand, and
as properties of any market."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from app.analytics.figures import Demand, Grouping, Period, Supply, figures, weekly_supply

MONDAY = date(2026, 12, 7)  # ISO week 2026-W50
DAY = MONDAY.toordinal()


def supply(*offers: tuple[int, int, int, int], region: str | None = "DE-BW") -> Supply:
    """Offers as (per_week, remaining, first day, last day), days from MONDAY."""
    return Supply(
        regions=[region] * len(offers),
        skills=[["textile.sewing"]] * len(offers),
        products=[[]] * len(offers),
        per_week=np.array([o[0] for o in offers], dtype=np.int64),
        remaining=np.array([o[1] for o in offers], dtype=np.int64),
        first_day=np.array([DAY + o[2] for o in offers], dtype=np.int64),
        last_day=np.array([DAY + o[3] for o in offers], dtype=np.int64),
    )


NO_DEMAND = Demand([], [], [], *(np.zeros(0, dtype=np.int64) for _ in range(3)))


def test_weeks_are_iso_weeks_from_the_one_holding_the_start() -> None:
    period = Period.starting(MONDAY + timedelta(days=3), 3)
    assert period.first_monday == MONDAY
    assert period.labels == ["2026-W50", "2026-W51", "2026-W52"]
    assert Period.starting(date(2026, 12, 28), 2).labels == ["2026-W53", "2027-W01"]


def test_a_week_counts_the_producible_days_and_the_remaining_quantity_earliest_first() -> None:
    period = Period(MONDAY, 3)
    weekly = weekly_supply(
        supply(
            (700, 10_000, 0, 13),  # two full weeks at 100 a day
            (70, 100, 3, 20),  # from Thursday: 4 days = 40, then capped at 100 in total
            (7, 50, 7, 20),  # lead time: from the second week
            (700, 250, -30, 40),  # started before the period, 250 left: counted from its start
            (700, 0, 0, 20),  # nothing left
        ),
        period,
    )
    assert weekly.tolist() == [
        [700, 700, 0],
        [40, 60, 0],
        [0, 7, 7],
        [250, 0, 0],
        [0, 0, 0],
    ]


def test_hand_counted_groups_by_week() -> None:
    demand = Demand(
        regions=["DE-BW", "DE-BW", "DE-BY"],
        skills=[["textile.sewing"], ["textile.sewing"], ["textile.sewing"]],
        products=[[], [], []],
        unreserved=np.array([500, 700, 900], dtype=np.int64),
        reserved=np.array([0, 300, 0], dtype=np.int64),
        due=np.array([DAY + 2, DAY + 9, DAY + 40], dtype=np.int64),  # the last: after
    )
    found = figures(
        supply((700, 1_100, 0, 13), (7, 50, 7, 20)),
        demand,
        Period(MONDAY, 3),
        Grouping(("region", "week")),
    )
    assert [(f.keys["week"], f.supply, f.demand, f.reserved) for f in found] == [
        ("2026-W50", 700, 500, 0),
        ("2026-W51", 407, 700, 300),
        ("2026-W52", 7, 0, 0),
    ]
    second = found[1]
    assert (second.active_offers, second.open_requests) == (2, 1)
    assert (round(second.coverage, 4), second.shortage) == (0.5814, 293)
    assert (found[2].coverage, found[2].shortage) == (1.0, 0)


def test_codes_make_groups_once_per_entry_cut_to_the_level_and_within_the_filter() -> None:
    offers = Supply(
        regions=[None, None],
        skills=[["textile.sewing", "textile.cutting"], []],
        products=[[], []],
        per_week=np.array([7, 7], dtype=np.int64),
        remaining=np.array([100, 100], dtype=np.int64),
        first_day=np.array([DAY, DAY], dtype=np.int64),
        last_day=np.array([DAY + 6, DAY + 6], dtype=np.int64),
    )
    period = Period(MONDAY, 1)

    def groups(grouping: Grouping) -> list[tuple[object, int, int]]:
        return [
            (f.keys.get("skill"), f.supply, f.active_offers)
            for f in figures(offers, NO_DEMAND, period, grouping)
        ]

    assert groups(Grouping(("skill",))) == [
        ("textile.cutting", 7, 1),
        ("textile.sewing", 7, 1),
        (None, 7, 1),  # an offer of no skill
    ]
    assert groups(Grouping(("skill",), level=1)) == [("textile", 7, 1), (None, 7, 1)]
    assert groups(Grouping(("skill",), skill="textile.sewing")) == [
        ("textile.sewing", 7, 1),
        (None, 7, 1),
    ]
    assert groups(Grouping(())) == [(None, 14, 2)]


offer_strategy = st.tuples(
    st.integers(1, 10_000),  # per week
    st.integers(0, 50_000),  # remaining
    st.integers(-60, 60),  # first day
    st.integers(0, 120),  # length
)


@given(st.lists(offer_strategy, min_size=1, max_size=20), st.integers(1, 12))
def test_an_offer_never_supplies_more_than_it_has_or_can_make(
    offers: list[tuple[int, int, int, int]], weeks: int
) -> None:
    rows = [(per, left, first, first + length) for per, left, first, length in offers]
    weekly = weekly_supply(supply(*rows), Period(MONDAY, weeks))
    assert (weekly >= 0).all()
    for (per_week, remaining, first, last), units in zip(rows, weekly, strict=True):
        assert units.sum() <= remaining
        days = max(0, min(last, 7 * weeks - 1) - max(first, 0) + 1)
        assert units.sum() == min(remaining, per_week * days // 7)
        for week, amount in enumerate(units):
            working = max(0, min(last, 7 * week + 6) - max(first, 7 * week) + 1)
            assert amount <= per_week * working // 7 + 1  # +1: rounding across weeks


def test_the_worked_example_of_the_docs() -> None:
    # docs/guides/situation-picture.md, "A worked example".
    offers = supply((700, 1_100, 0, 13), (70, 100, 3, 20))
    requests = Demand(
        regions=["DE-BW", "DE-BW"],
        skills=[["textile.sewing"], ["textile.sewing"]],
        products=[[], []],
        unreserved=np.array([700, 500], dtype=np.int64),
        reserved=np.array([300, 0], dtype=np.int64),
        due=np.array([DAY + 9, DAY + 2], dtype=np.int64),
    )
    found = figures(offers, requests, Period(MONDAY, 3), Grouping(("week",)))
    assert [(f.supply, f.demand, f.reserved, round(f.coverage, 4), f.shortage) for f in found] == [
        (740, 500, 0, 1.0, 0),
        (460, 700, 300, 0.6571, 240),
    ]
