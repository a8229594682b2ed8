"""Cursor pagination shared by every list endpoint.

Ids are time-sortable, so lists are ordered newest first by id and the cursor is
simply the last id of the page, wrapped so clients treat it as opaque.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel, Field
from sqlalchemy import Select

from app.core.errors import InvalidInput
from app.core.text import NUL

T = TypeVar("T")
DEFAULT_LIMIT = 20
MAX_LIMIT = 100


class Page(BaseModel, Generic[T]):
    data: list[T]
    has_more: bool
    next_cursor: str | None = Field(default=None, description="Pass as `cursor` for the next page")


@dataclass(frozen=True, slots=True)
class PageParams:
    limit: int
    after_id: str | None


def encode_cursor(last_id: str) -> str:
    raw = json.dumps({"after": last_id}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> str:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        payload = json.loads(base64.urlsafe_b64decode(padded.encode()))
        after = payload["after"]
    except (ValueError, KeyError, TypeError, binascii.Error) as exc:
        raise InvalidInput.at("cursor", "not a cursor returned by this API") from exc
    # A forged cursor may hide a NUL in its base64, out of the edges' sight; it would
    # reach PostgreSQL (which cannot hold it) as a 500.
    if not isinstance(after, str) or NUL in after:
        raise InvalidInput.at("cursor", "not a cursor returned by this API")
    return after


def page_params(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size")] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(description="`next_cursor` of the previous page")] = None,
) -> PageParams:
    return PageParams(limit=limit, after_id=decode_cursor(cursor) if cursor else None)


PageDep = Annotated[PageParams, Depends(page_params)]


S = TypeVar("S", bound=Select[Any])


def paginate(statement: S, id_column: Any, params: PageParams) -> S:
    """Newest first; fetch one extra row to know whether there is a next page."""
    if params.after_id is not None:
        statement = statement.where(id_column < params.after_id)
    return statement.order_by(id_column.desc()).limit(params.limit + 1)


@dataclass(frozen=True, slots=True)
class Window(Generic[T]):
    items: Sequence[T]
    has_more: bool
    next_cursor: str | None


def window(rows: Sequence[T], params: PageParams, last_id: Any) -> Window[T]:
    has_more = len(rows) > params.limit
    items = rows[: params.limit]
    cursor = encode_cursor(last_id(items[-1])) if has_more and items else None
    return Window(items=items, has_more=has_more, next_cursor=cursor)


M = TypeVar("M", bound=BaseModel)


def to_page(result: Window[Any], model: type[M]) -> Page[M]:
    return Page[model](  # type: ignore[valid-type]
        data=[model.model_validate(item) for item in result.items],
        has_more=result.has_more,
        next_cursor=result.next_cursor,
    )
