"""Base classes for API schemas."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, ClassVar

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    StringConstraints,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError


class StrictModel(BaseModel):
    """Input bodies: unknown fields are an error, so no client can set what it must not, and
    values have the JSON type the schema declares: ``false`` is no longer, ``"3"`` no count."""

    model_config = ConfigDict(
        extra="forbid", allow_inf_nan=False, str_strip_whitespace=True, strict=True
    )


def _date_as_text(value: object) -> object:
    # Pydantic reads a number as a Unix timestamp; in JSON a date is text (the schema says so).
    if isinstance(value, int | float):
        raise PydanticCustomError("date_type", "Input should be a date as text (YYYY-MM-DD)")
    return value


# A date in a strict body: ISO text (JSON has no date type, so strict mode would refuse it).
JsonDate = Annotated[date, Strict(False), BeforeValidator(_date_as_text)]


def _instant_as_text(value: object) -> object:
    if isinstance(value, int | float):
        raise PydanticCustomError(
            "datetime_type", "Input should be an RFC 3339 timestamp as text, with a time zone"
        )
    return value


# An instant in a strict body: RFC 3339 text with a time zone (a local time is ambiguous).
JsonInstant = Annotated[AwareDatetime, Strict(False), BeforeValidator(_instant_as_text)]


def number_not_text(value: object) -> object:
    """Before-validator of whole numbers in strict bodies, used with ``Strict(False)``: JSON
    Schema counts 76.0 as an integer, so it is one here too (strict mode would refuse it);
    text and booleans are not numbers. Write bounds *before* it
    (``Annotated[int, Field(ge=0), Strict(False), BeforeValidator(number_not_text)]``):
    after it, Pydantic puts them into the JSON schema as raw ``ge``/``le`` keys."""
    if isinstance(value, str | bool):
        raise PydanticCustomError("int_type", "Input should be a valid integer")
    return value


class OutModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)


def _null_only_where_it_clears(schema: dict[str, Any], model: type[Any]) -> None:
    # Fields are typed ``X | None`` so that "not sent" has a value, but only the fields in
    # ``clearable`` accept an explicit null: the OpenAPI document says exactly that.
    clearable: frozenset[str] = getattr(model, "clearable", frozenset())
    for name, prop in schema.get("properties", {}).items():
        if name in clearable:
            continue
        prop.pop("default", None)
        branches = prop.get("anyOf")
        if branches is None:
            continue
        kept = [branch for branch in branches if branch != {"type": "null"}]
        del prop["anyOf"]
        if len(kept) == 1:
            prop.update(kept[0])
        else:
            prop["anyOf"] = kept


class PatchModel(StrictModel):
    """PATCH bodies: a field that is not sent stays as it is; ``null`` clears a value and is
    accepted only for the fields named in ``clearable`` (422 naming the field otherwise)."""

    model_config = ConfigDict(json_schema_extra=_null_only_where_it_clears)
    clearable: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*", mode="before")
    @classmethod
    def _null_clears_only_what_may_be_cleared(cls, value: object, info: ValidationInfo) -> object:
        if value is None and info.field_name not in cls.clearable:
            raise PydanticCustomError("not_nullable", "may not be null")
        return value


def patch_changes(data: BaseModel) -> dict[str, Any]:
    """The fields a PATCH body set, as models (not dicts), nulls included."""
    return {name: getattr(data, name) for name in data.model_fields_set}


# A link a person will follow (a registration page, a webinar room, a call's documents):
# http(s) only, so no ``javascript:`` or ``data:`` URL reaches a page that shows it.
WEB_URL_PATTERN = r"^https?://[^\s/?#]+[^\s]*$"
WebUrl = Annotated[
    str,
    StringConstraints(min_length=1, max_length=2000, pattern=WEB_URL_PATTERN),
    Field(examples=["https://portal.example/webinar"]),
]


def _lower(value: object) -> object:
    return value.strip().lower() if isinstance(value, str) else value


# A language as ISO 639-1, optionally with a region (``de``, ``en``, ``de-ch``), any case.
LanguageCode = Annotated[
    str,
    BeforeValidator(_lower),
    StringConstraints(pattern=r"^[a-z]{2}(-[a-z]{2})?$"),
    Field(json_schema_extra={"pattern": r"^[A-Za-z]{2}(-[A-Za-z]{2})?$"}, examples=["de"]),
]
