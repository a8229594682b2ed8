"""Cells as a German office writes them: numbers, dates, choices."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.tabular.cells import CellError, parse_cell, parse_date, parse_integer, parse_number
from app.tabular.columns import COLUMNS


@given(st.integers(min_value=0, max_value=10**9))
def test_whole_numbers_with_german_thousands(value: int) -> None:
    german = f"{value:,}".replace(",", ".")
    assert parse_integer(german) == value
    assert parse_integer(f"{value:,}") == value
    assert parse_integer(str(value)) == value
    assert parse_integer(float(value)) == value


@given(st.decimals(min_value=-1000, max_value=1000, places=4, allow_nan=False))
def test_decimal_comma_and_point(value: object) -> None:
    text = f"{value:f}"
    assert parse_number(text) == pytest.approx(float(text))
    assert parse_number(text.replace(".", ",")) == pytest.approx(float(text))


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2999, 12, 31)))
def test_dates_iso_and_german(value: date) -> None:
    assert parse_date(value.isoformat()) == value
    assert parse_date(value.strftime("%d.%m.%Y")) == value
    assert parse_date(f"{value.day}.{value.month}.{value.year}") == value


@pytest.mark.parametrize("text", ["31/12/2030", "2030-13-01", "morgen", "31.02.2030"])
def test_bad_dates_say_the_format(text: str) -> None:
    with pytest.raises(CellError, match=r"DD\.MM\.YYYY|calendar"):
        parse_date(text)


@pytest.mark.parametrize("text", ["viele", "1,5", "1.2.3,4,5"])
def test_bad_counts(text: str) -> None:
    with pytest.raises(CellError):
        parse_integer(text)


def test_choices_and_codes() -> None:
    columns = {column.field: column for column in COLUMNS["offers"]}
    assert parse_cell(columns["status"], "Aktiv") == "active"
    assert parse_cell(columns["visibility"], "Netzwerk") == "network"
    assert parse_cell(columns["skills"], "a; b, c") == ["a", "b", "c"]
    assert parse_cell(columns["available_until"], "01.02.2030") == "2030-02-01"
    organisation = {column.field: column for column in COLUMNS["organizations"]}
    assert parse_cell(organisation["address.postal_code"], 72764.0) == "72764"
    assert parse_cell(organisation["kind"], "Hersteller") == "manufacturer"
