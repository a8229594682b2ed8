"""How a call that creates offers or requests writes the items that pass the rules."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal, TypeVar, cast

from app.market.repository import MarketRepository, column_keys

M = TypeVar("M")

# "session": added to the session and flushed (an API call: the rest of the request may
#   change them, and the unit of work tracks those changes);
# "insert": one bulk write (COPY on PostgreSQL), kept out of the session (an import's
#   chunk: rows nothing in the transaction changes again, so tracking them would only
#   cost time and memory);
# "none": nothing written and nothing announced, the rules only (a dry run).
Writing = Literal["session", "insert", "none"]


async def write_new(repository: MarketRepository[M], items: Sequence[M], writing: Writing) -> bool:
    """Write the new ``items`` as ``writing`` says; whether anything was written (and so
    is to be announced)."""
    if not items or writing == "none":
        return False
    if writing == "session":
        await repository.add_all(items)
    else:
        await repository.insert_all(items)
    return True


class _Draft:
    """A new row's values as attributes, for rows the ORM does not write. A column the
    values leave out reads None, as on a new mapped instance."""

    def __init__(self, columns: tuple[str, ...], values: dict[str, Any]) -> None:
        self.__dict__.update(values)
        self._columns = columns

    def __getattr__(self, name: str) -> None:
        if name in self.__dict__.get("_columns", ()):
            return None
        raise AttributeError(name)


def new_object(model: type[M], writing: Writing, **values: Any) -> M:
    """A new ``model`` object with ``values``: a mapped instance for the session, else a
    plain object with the same attributes. A mapped instance costs ~50 microseconds to
    build (instance state, an event per attribute set), as much as the rest of an
    imported row; rows written by one INSERT or not at all do not need one."""
    if writing == "session":
        return model(**values)
    return cast(M, _Draft(column_keys(model), values))  # reads like the model
