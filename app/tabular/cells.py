"""One cell of an import file -> the API's value, as a German office writes it.

Numbers take a decimal comma (``1,5``) or point and thousands separators (``5.000``,
``5 000``); dates are ISO (``2027-01-31``) or ``DD.MM.YYYY``; XLSX cells arrive typed
already (numbers, dates). A cell that cannot be read raises ``CellError`` whose message
says what to write instead.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from app.tabular.columns import CHOICE_LABELS, Column
from app.tabular.reading import Cell


class CellError(ValueError):
    """The cell's text is not a value of its column; the message says how to fix it."""


_THOUSANDS_POINT = re.compile(r"^-?\d{1,3}(\.\d{3})+$")
_THOUSANDS_COMMA = re.compile(r"^-?\d{1,3}(,\d{3})+$")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_GERMAN_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ]00:00(?::00(?:\.0+)?)?)?$")
_SEPARATORS = re.compile(r"[;,]")


def as_text(cell: Cell) -> str:
    """The cell as text; a whole XLSX number (a postal code typed as a number) without .0."""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, datetime):
        return cell.date().isoformat() if cell.time() == datetime.min.time() else cell.isoformat()
    if isinstance(cell, date):
        return cell.isoformat()
    return str(cell).strip()


def parse_number(cell: Cell, *, whole: bool = False) -> float:
    """``1,5`` / ``1.5`` / ``5.000`` / ``1.234,5`` / ``1,234.5``; ``whole``: a count, where
    ``5.000`` and ``5,000`` are five thousand."""
    if isinstance(cell, bool):
        raise CellError("expected a number, not TRUE/FALSE")
    if isinstance(cell, int | float):
        return float(cell)
    text = re.sub(r"[\s\u00a0'\u2019]", "", as_text(cell))
    if "," in text and "." in text:
        decimal = "," if text.rfind(",") > text.rfind(".") else "."
        thousands = "." if decimal == "," else ","
        text = text.replace(thousands, "").replace(decimal, ".")
    elif "," in text:
        text = text.replace(",", "") if whole and _THOUSANDS_COMMA.match(text) else text
        text = text.replace(",", ".")
    elif _THOUSANDS_POINT.match(text) and (whole or text.count(".") > 1):
        text = text.replace(".", "")
    if not _NUMBER.match(text):
        example = "5000" if whole else "1,5 or 1.5"
        raise CellError(f"'{as_text(cell)}' is not a number; write it like {example}")
    return float(text)


def parse_integer(cell: Cell) -> int:
    value = parse_number(cell, whole=True)
    if not value.is_integer():
        raise CellError(f"'{as_text(cell)}' is not a whole number; write it like 5000")
    return int(value)


def parse_date(cell: Cell) -> date:
    """``2027-01-31`` or ``31.01.2027`` (an XLSX date cell as it is)."""
    if isinstance(cell, datetime):
        return cell.date()
    if isinstance(cell, date):
        return cell
    text = as_text(cell)
    try:
        if match := _GERMAN_DATE.match(text):
            day, month, year = (int(part) for part in match.groups())
            return date(year, month, day)
        if match := _ISO_DATE.match(text):
            year, month, day = (int(part) for part in match.groups())
            return date(year, month, day)
    except ValueError as exc:
        raise CellError(f"'{text}' is not a date of the calendar ({exc})") from exc
    raise CellError(f"'{text}' is not a date; write it as DD.MM.YYYY (31.01.2027) or YYYY-MM-DD")


def split_values(cell: Cell) -> list[str]:
    """Several values in one cell, split on ``;`` or ``,``."""
    return [part.strip() for part in _SEPARATORS.split(as_text(cell)) if part.strip()]


def parse_choice(column: Column, cell: Cell) -> str:
    """The API's value, or a German word for it (``Hersteller``, ``aktiv``)."""
    text = as_text(cell)
    labels = CHOICE_LABELS.get(column.field.rpartition(".")[2], {})
    return labels.get(text.casefold(), text.lower() if text.isascii() else text)


def parse_cell(column: Column, cell: Cell) -> Any:
    """The value of a non-empty cell for the API body (codes unresolved: a list of words)."""
    if column.type == "integer":
        return parse_integer(cell)
    if column.type == "number":
        return parse_number(cell)
    if column.type == "date":
        return parse_date(cell).isoformat()
    if column.type == "codes":
        return split_values(cell)
    if column.type == "choice":
        return parse_choice(column, cell)
    return as_text(cell)
