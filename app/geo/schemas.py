"""Location and address as they appear in the API."""

from __future__ import annotations

from typing import Annotated

from pydantic import BeforeValidator, Field, StringConstraints

from app.core.schemas import OutModel, StrictModel


def _upper(value: object) -> object:
    return value.strip().upper() if isinstance(value, str) else value


CountryCode = Annotated[
    str,
    BeforeValidator(_upper),
    StringConstraints(pattern=r"^[A-Z]{2}$"),
    # Read in any case; Pydantic leaves the pattern out of the schema after a validator.
    Field(
        description="ISO 3166-1 alpha-2",
        examples=["DE"],
        json_schema_extra={"pattern": "^[A-Za-z]{2}$"},
    ),
]


class Location(StrictModel):
    lat: float = Field(ge=-90, le=90, examples=[48.4931])
    lon: float = Field(ge=-180, le=180, examples=[9.2125])


class Address(StrictModel):
    street: str | None = Field(default=None, max_length=200)
    postal_code: str = Field(min_length=1, max_length=16, examples=["72764"])
    city: str | None = Field(default=None, max_length=100, examples=["Reutlingen"])
    country: CountryCode


RegionCode = Annotated[
    str,
    BeforeValidator(_upper),
    StringConstraints(pattern=r"^[A-Z]{2}-[A-Z0-9]{1,3}$"),
    Field(
        description="ISO 3166-2 subdivision, e.g. DE-BW",
        examples=["DE-BW"],
        json_schema_extra={"pattern": "^[A-Za-z]{2}-[A-Za-z0-9]{1,3}$"},
    ),
]


class RegionOut(OutModel):
    code: str = Field(description="ISO 3166-2", examples=["DE-BW"])
    country: str = Field(description="ISO 3166-1 alpha-2", examples=["DE"])
    name_de: str = Field(examples=["Baden-Württemberg"])
    name_en: str = Field(examples=["Baden-Württemberg"])


class RegionList(OutModel):
    data: list[RegionOut]
