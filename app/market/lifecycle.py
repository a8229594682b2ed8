"""Open offers and requests read ``expired`` once their end date has passed.

The stored status never changes by itself; the status a client reads (and
filters by) is derived from it and the end date, on the same UTC 'today'.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import and_, or_
from sqlalchemy.sql.elements import ColumnElement

EXPIRED = "expired"


def read_status(status: str, end: date, *, open_statuses: Iterable[str], on: date) -> str:
    if status in open_statuses and end < on:
        return EXPIRED
    return status


def status_clause(
    statuses: Iterable[str],
    *,
    status_column: Any,
    end_column: Any,
    open_statuses: tuple[str, ...],
    on: date,
) -> ColumnElement[bool] | None:
    """SQL for 'reads as one of ``statuses``' (None: no status filter)."""
    clauses: list[ColumnElement[bool]] = []
    for status in statuses:
        if status == EXPIRED:
            clauses.append(and_(status_column.in_(open_statuses), end_column < on))
        elif status in open_statuses:
            clauses.append(and_(status_column == status, end_column >= on))
        else:
            clauses.append(status_column == status)
    return or_(*clauses) if clauses else None
