"""The offer schemas on their own: what input they accept and how they normalise it."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from app.core.schemas import patch_changes
from app.offers.schemas import Capacity, OfferCreate, OfferUpdate
from app.taxonomy.codes import CODE_PATTERN, MAX_CODES

BASE: dict[str, Any] = {
    "title": "Line",
    "skills": ["textile.sewing"],
    "capacity": {"per_week": 10},
    "available_until": "2027-03-31",
}


def locations(exc: ValidationError) -> list[tuple[int | str, ...]]:
    return [tuple(error["loc"]) for error in exc.errors()]


def test_defaults() -> None:
    offer = OfferCreate.model_validate(BASE)
    assert offer.organization_id is None
    assert offer.capacity == Capacity(unit="pieces", per_week=10, total=None)
    assert offer.available_from is None
    assert offer.available_until == date(2027, 3, 31)
    assert offer.products == []
    assert offer.certifications == []
    assert offer.min_order_quantity == 1
    assert offer.lead_time_days == 0
    assert offer.visibility == "shared"
    assert offer.status == "active"


def test_strings_are_stripped() -> None:
    offer = OfferCreate.model_validate({**BASE, "title": "  Line  "})
    assert offer.title == "Line"


@pytest.mark.parametrize("field", ["reserved_quantity", "partner_id", "verified", "id"])
def test_unknown_fields_are_rejected(field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        OfferCreate.model_validate({**BASE, field: 1})
    assert locations(caught.value) == [(field,)]
    assert caught.value.errors()[0]["type"] == "extra_forbidden"


def test_update_rejects_what_create_rejects() -> None:
    with pytest.raises(ValidationError) as caught:
        OfferUpdate.model_validate({"organization_id": "org_x", "reserved_quantity": 1})
    assert sorted(locations(caught.value)) == [("organization_id",), ("reserved_quantity",)]


@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_non_finite_numbers_are_rejected(value: float) -> None:
    with pytest.raises(ValidationError) as caught:
        OfferCreate.model_validate({**BASE, "location": {"lat": value, "lon": 9.0}})
    assert locations(caught.value) == [("location", "lat")]


def test_too_many_codes() -> None:
    codes = [f"skill.s{i}" for i in range(MAX_CODES + 1)]
    with pytest.raises(ValidationError) as caught:
        OfferCreate.model_validate({**BASE, "skills": codes})
    assert locations(caught.value) == [("skills",)]
    assert OfferCreate.model_validate({**BASE, "skills": codes[:MAX_CODES]}).skills == codes[:-1]


@pytest.mark.parametrize(
    "code",
    ["textile.sewing", "en-14683", "iso_13485", "a", "a1.b2.c3", "mask.ffp2-nr"],
)
def test_valid_codes(code: str) -> None:
    assert OfferCreate.model_validate({**BASE, "skills": [code]}).skills == [code]


@pytest.mark.parametrize(
    "code",
    ["", " ", "textile.", ".textile", "textile..sewing", "tex tile", "a-", "-a", "a--b", "ä"],
)
def test_malformed_codes(code: str) -> None:
    with pytest.raises(ValidationError) as caught:
        OfferCreate.model_validate({**BASE, "skills": ["ok", code]})
    assert locations(caught.value) == [("skills", 1)]


_word = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=6)
_part = st.builds(
    lambda first, rest: first + "".join(sep + word for sep, word in rest),
    _word,
    st.lists(st.tuples(st.sampled_from("-_"), _word), max_size=2),
)
codes = st.lists(_part, min_size=1, max_size=4).map(".".join)


@given(codes)
def test_any_well_formed_code_survives_case_and_whitespace(code: str) -> None:
    assert re.fullmatch(CODE_PATTERN, code)
    offer = OfferCreate.model_validate({**BASE, "skills": [f"  {code.upper()} ", code]})
    assert offer.skills == [code]


def test_patch_changes_only_what_was_sent() -> None:
    data = OfferUpdate.model_validate({"title": "New", "description": None})
    assert patch_changes(data) == {"title": "New", "description": None}
    assert patch_changes(OfferUpdate.model_validate({})) == {}


@pytest.mark.parametrize("field", sorted(set(OfferUpdate.model_fields) - OfferUpdate.clearable))
def test_patch_null_is_refused_for_every_other_field(field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        OfferUpdate.model_validate({field: None})
    assert locations(caught.value) == [(field,)]
    assert caught.value.errors()[0]["msg"] == "may not be null"


def test_clearable_fields_are_the_optional_ones() -> None:
    assert frozenset({"description", "service_radius_km", "external_ref"}) == OfferUpdate.clearable


def test_the_schema_declares_null_only_where_it_clears() -> None:
    properties = OfferUpdate.model_json_schema()["properties"]
    nullable = {
        name for name, prop in properties.items() if {"type": "null"} in prop.get("anyOf", [])
    }
    assert nullable == OfferUpdate.clearable


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("lead_time_days", "3"),
        ("lead_time_days", True),
        ("available_until", 0),
        ("service_radius_km", False),
        ("title", 5),
    ],
)
def test_values_must_have_their_json_type(field: str, value: object) -> None:
    with pytest.raises(ValidationError) as caught:
        OfferCreate.model_validate({**BASE, field: value})
    assert locations(caught.value) == [(field,)]


def test_a_whole_number_written_with_a_fraction_is_a_whole_number() -> None:
    # JSON Schema counts 76.0 as an integer; so does the API.
    assert OfferCreate.model_validate({**BASE, "lead_time_days": 7.0}).lead_time_days == 7
