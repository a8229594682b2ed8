"""Pure rules: how much an offer holds and how offer/request statuses read on a day."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Column, Date, Integer, MetaData, String, Table, create_engine, insert, select
from sqlalchemy.engine import Engine

from app.market.lifecycle import EXPIRED, read_status, status_clause
from app.models import Offer
from app.offers.rules import OPEN_STATUSES, effective_status, total_quantity
from app.requests import rules as request_rules

ON = date(2027, 1, 15)


@dataclass(frozen=True)
class Window:
    capacity_per_week: int
    available_from: date
    available_until: date
    capacity_total: int | None = None


def window(per_week: int, days: int, *, total: int | None = None) -> Window:
    """``days`` calendar days, both ends inclusive."""
    start = date(2027, 1, 1)
    return Window(per_week, start, start + timedelta(days=days - 1), total)


# --- total_quantity -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("per_week", "days", "expected"),
    [
        (700, 7, 700),
        (700, 14, 1400),
        (700, 1, 100),
        (7, 1, 1),
        (6, 1, 0),  # less than one unit a day rounds down
        (5000, 121, 86428),  # 5000 * 121 / 7 = 86428.57
        (1, 365, 52),
        (1_000_000_000, 3650, 521_428_571_428),
    ],
)
def test_total_is_per_week_over_the_inclusive_window(
    per_week: int, days: int, expected: int
) -> None:
    assert total_quantity(window(per_week, days)) == expected


def test_explicit_total_wins() -> None:
    assert total_quantity(window(700, 14, total=5)) == 5
    assert total_quantity(window(700, 14, total=1_000_000)) == 1_000_000


def test_inverted_window_holds_nothing() -> None:
    offer = Window(700, date(2027, 1, 10), date(2027, 1, 1))
    assert total_quantity(offer) == 0


def test_works_on_the_orm_model() -> None:
    offer = Offer(
        capacity_per_week=70,
        capacity_total=None,
        available_from=date(2027, 3, 1),
        available_until=date(2027, 3, 10),
    )
    assert total_quantity(offer) == 100


per_weeks = st.integers(min_value=1, max_value=1_000_000_000)
lengths = st.integers(min_value=1, max_value=3660)


@given(per_week=per_weeks, days=lengths)
def test_total_is_floor_of_the_daily_rate(per_week: int, days: int) -> None:
    total = total_quantity(window(per_week, days))
    # the largest whole number not above per_week * days / 7
    assert total * 7 <= per_week * days < (total + 1) * 7


@given(a=per_weeks, b=per_weeks, days=lengths)
def test_total_is_monotone_in_per_week(a: int, b: int, days: int) -> None:
    low, high = sorted((a, b))
    assert total_quantity(window(low, days)) <= total_quantity(window(high, days))


@given(per_week=per_weeks, a=lengths, b=lengths)
def test_total_is_monotone_in_window_length(per_week: int, a: int, b: int) -> None:
    short, long = sorted((a, b))
    assert total_quantity(window(per_week, short)) <= total_quantity(window(per_week, long))


@given(per_week=per_weeks, weeks=st.integers(min_value=1, max_value=520))
def test_whole_weeks_are_exact(per_week: int, weeks: int) -> None:
    assert total_quantity(window(per_week, weeks * 7)) == per_week * weeks


@given(
    per_week=st.integers(min_value=-1000, max_value=1_000_000_000),
    start=st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)),
    offset=st.integers(min_value=-400, max_value=4000),
)
def test_total_is_never_negative(per_week: int, start: date, offset: int) -> None:
    offer = Window(per_week, start, start + timedelta(days=offset))
    assert total_quantity(offer) >= 0


@given(per_week=per_weeks, days=lengths, total=st.integers(min_value=1, max_value=10**9))
def test_explicit_total_ignores_the_window(per_week: int, days: int, total: int) -> None:
    offer = window(per_week, days, total=total)
    assert total_quantity(offer) == total
    assert total_quantity(replace(offer, capacity_per_week=1)) == total


# --- offer and request status ---------------------------------------------------------------


@pytest.mark.parametrize("status", ["draft", "active", "paused"])
def test_open_offer_expires_the_day_after_its_window(status: str) -> None:
    assert effective_status(status, ON, on=ON) == status
    assert effective_status(status, ON + timedelta(days=1), on=ON) == status
    assert effective_status(status, ON - timedelta(days=1), on=ON) == "expired"


def test_closed_offer_never_reads_expired() -> None:
    assert effective_status("closed", ON - timedelta(days=365), on=ON) == "closed"
    assert effective_status("closed", ON + timedelta(days=1), on=ON) == "closed"


def test_open_statuses_of_offers() -> None:
    assert set(OPEN_STATUSES) == {"draft", "active", "paused"}


def test_request_statuses() -> None:
    yesterday = ON - timedelta(days=1)
    assert request_rules.effective_status("open", ON, on=ON) == "open"
    assert request_rules.effective_status("open", yesterday, on=ON) == "expired"
    assert request_rules.effective_status("fulfilled", yesterday, on=ON) == "fulfilled"
    assert request_rules.effective_status("cancelled", yesterday, on=ON) == "cancelled"


statuses = st.sampled_from(["draft", "active", "paused", "closed", "open", "cancelled"])
days = st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31))


@given(status=statuses, end=days, on=days)
def test_read_status_rule(status: str, end: date, on: date) -> None:
    opens = ("draft", "active", "paused")
    read = read_status(status, end, open_statuses=opens, on=on)
    if status in opens and end < on:
        assert read == EXPIRED
    else:
        assert read == status


@given(status=statuses, end=days, on=days, later=st.integers(min_value=0, max_value=1000))
def test_once_expired_stays_expired(status: str, end: date, on: date, later: int) -> None:
    opens = ("draft", "active", "paused")
    if read_status(status, end, open_statuses=opens, on=on) == EXPIRED:
        assert (
            read_status(status, end, open_statuses=opens, on=on + timedelta(days=later)) == EXPIRED
        )


# --- status_clause: the SQL says what read_status says --------------------------------------

metadata = MetaData()
things = Table(
    "things",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("status", String(16), nullable=False),
    Column("end_date", Date, nullable=False),
)
ALL_STATUSES = ["draft", "active", "paused", "closed"]


@pytest.fixture(scope="module")
def sqlite() -> Iterator[Engine]:
    engine = create_engine("sqlite://")
    metadata.create_all(engine)
    rows = [
        {"id": index, "status": status, "end_date": ON + timedelta(days=offset)}
        for index, (status, offset) in enumerate(
            (status, offset) for status in ALL_STATUSES for offset in (-30, -1, 0, 1, 30)
        )
    ]
    with engine.begin() as connection:
        connection.execute(insert(things), rows)
    yield engine
    engine.dispose()


def _selected(engine: Engine, wanted: list[str], on: date) -> set[int]:
    clause = status_clause(
        wanted,
        status_column=things.c.status,
        end_column=things.c.end_date,
        open_statuses=OPEN_STATUSES,
        on=on,
    )
    statement = select(things.c.id)
    if clause is not None:
        statement = statement.where(clause)
    with engine.connect() as connection:
        return set(connection.execute(statement).scalars())


def _expected(engine: Engine, wanted: list[str], on: date) -> set[int]:
    with engine.connect() as connection:
        rows = connection.execute(select(things.c.id, things.c.status, things.c.end_date)).all()
    if not wanted:
        return {row.id for row in rows}
    return {
        row.id
        for row in rows
        if read_status(row.status, row.end_date, open_statuses=OPEN_STATUSES, on=on) in wanted
    }


def test_no_statuses_means_no_filter() -> None:
    assert (
        status_clause(
            [],
            status_column=things.c.status,
            end_column=things.c.end_date,
            open_statuses=OPEN_STATUSES,
            on=ON,
        )
        is None
    )


@pytest.mark.parametrize(
    ("wanted", "count"),
    [
        (["active"], 3),  # ends today, tomorrow, in a month
        (["expired"], 6),  # draft/active/paused ended yesterday or a month ago
        (["closed"], 5),  # closed whatever the date
        (["active", "paused"], 6),
        (["closed", "expired"], 11),
    ],
)
def test_status_clause_examples(sqlite: Engine, wanted: list[str], count: int) -> None:
    selected = _selected(sqlite, wanted, ON)
    assert len(selected) == count
    assert selected == _expected(sqlite, wanted, ON)


@given(
    wanted=st.lists(st.sampled_from([*ALL_STATUSES, EXPIRED]), max_size=5, unique=True),
    shift=st.integers(min_value=-40, max_value=40),
)
def test_status_clause_matches_read_status(sqlite: Engine, wanted: list[str], shift: int) -> None:
    on = ON + timedelta(days=shift)
    assert _selected(sqlite, wanted, on) == _expected(sqlite, wanted, on)
