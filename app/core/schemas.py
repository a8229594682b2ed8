"""Base classes for API schemas."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from app.core.errors import InvalidInput


class StrictModel(BaseModel):
    """Input bodies: unknown fields are an error, so no client can set what it must not."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, str_strip_whitespace=True)


class OutModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)


def patch_changes(data: BaseModel, *, nullable: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The fields a PATCH body set, as models (not dicts); null only where it means 'clear'."""
    changes = {name: getattr(data, name) for name in data.model_fields_set}
    for name, value in changes.items():
        if value is None and name not in nullable:
            raise InvalidInput.at(name, "may not be null")
    return changes
