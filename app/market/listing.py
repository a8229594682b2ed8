"""Filters shared by the offer and request lists (same columns, same meaning)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Select
from sqlalchemy.sql.elements import ColumnElement

from app.auth.principal import Principal
from app.core.sql import array_contains, text_contains
from app.geo.filters import Near, near_clause
from app.market.tenancy import visible_clause
from app.taxonomy.codes import search_term


@dataclass(frozen=True, slots=True)
class MarketFilters:
    """Query filters of ``GET /v1/offers`` and ``GET /v1/requests``."""

    statuses: tuple[str, ...] = ()
    skill: str | None = None
    product: str | None = None
    certification: str | None = None
    region: str | None = None
    organization_id: str | None = None
    visibility: str | None = None
    q: str | None = None
    near: Near | None = None


S = TypeVar("S", bound=Select[Any])


def apply_market_filters(
    statement: S,
    model: Any,
    *,
    dialect: str,
    principal: Principal,
    filters: MarketFilters,
    status_clause: ColumnElement[bool] | None,
) -> S:
    statement = statement.where(visible_clause(model, principal))
    if status_clause is not None:
        statement = statement.where(status_clause)
    for kind, code in (
        ("skill", filters.skill),
        ("product", filters.product),
        ("certification", filters.certification),
    ):
        if code is not None:
            statement = statement.where(
                array_contains(dialect, model.search_codes, search_term(kind, code))  # type: ignore[arg-type]
            )
    if filters.region is not None:
        statement = statement.where(model.region == filters.region)
    if filters.organization_id is not None:
        statement = statement.where(model.organization_id == filters.organization_id)
    if filters.visibility is not None:
        statement = statement.where(model.visibility == filters.visibility)
    if filters.q:
        statement = statement.where(text_contains([model.title, model.description], filters.q))
    if filters.near is not None:
        statement = statement.where(near_clause(dialect, model.lat, model.lon, filters.near))
    return statement
