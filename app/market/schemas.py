"""Vocabulary offers and requests share in the API: who sees them, units and quantities."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, Strict, StringConstraints

from app.core.schemas import number_not_text

Visibility = Literal["network", "shared"]
Unit = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,31}$"),
    Field(examples=["pieces"], description="Unit of quantity: pieces, kg, m, m2, l, hours, ..."),
]
Quantity = Annotated[
    int, Field(gt=0, le=1_000_000_000), Strict(False), BeforeValidator(number_not_text)
]

# The partner's own id of a row (its CRM or spreadsheet id); imports upsert by it.
ExternalRef = Annotated[
    str,
    StringConstraints(min_length=1, max_length=100),
    Field(
        description="Your own reference, unique per partner and kind; imports update by it",
        examples=["CRM-4711"],
    ),
]
