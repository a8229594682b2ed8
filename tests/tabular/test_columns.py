"""The column table holds every name and German label API.md "Imports" lists."""

from __future__ import annotations

import pytest

from app.tabular.columns import COLUMNS, KINDS, Kind, column_index, header_key

# (field, German label) pairs of API.md's table, and the kinds that have the field.
CONTRACT: list[tuple[str, str, tuple[Kind, ...]]] = [
    ("id", "ID", KINDS),
    ("external_ref", "Referenz", KINDS),
    ("organization_id", "Organisation-ID", ("offers", "requests")),
    ("organization_external_ref", "Organisation-Referenz", ("offers", "requests")),
    ("name", "Name", ("organizations",)),
    ("kind", "Art", ("organizations",)),
    ("address.postal_code", "PLZ", ("organizations",)),
    ("address.city", "Ort", ("organizations",)),
    ("address.country", "Land", ("organizations",)),
    ("location.lat", "Breitengrad", KINDS),
    ("location.lon", "Längengrad", KINDS),
    ("contact.name", "Ansprechpartner", ("organizations",)),
    ("contact.email", "E-Mail", ("organizations",)),
    ("contact.phone", "Telefon", ("organizations",)),
    ("title", "Titel", ("offers", "requests")),
    ("skills", "Fähigkeiten", ("offers", "requests")),
    ("products", "Produkte", ("offers", "requests")),
    ("certifications", "Zertifizierungen", ("organizations", "offers")),
    ("capacity.unit", "Einheit", ("offers",)),
    ("unit", "Einheit", ("offers", "requests")),
    ("capacity.per_week", "Kapazität pro Woche", ("offers",)),
    ("min_order_quantity", "Mindestmenge", ("offers",)),
    ("lead_time_days", "Vorlaufzeit (Tage)", ("offers",)),
    ("available_from", "Verfügbar ab", ("offers",)),
    ("available_until", "Verfügbar bis", ("offers",)),
    ("service_radius_km", "Lieferradius (km)", ("offers",)),
    ("quantity", "Menge", ("requests",)),
    ("needed_by", "Benötigt bis", ("requests",)),
    ("max_distance_km", "Max. Entfernung (km)", ("requests",)),
    ("required_certifications", "Pflicht-Zertifizierungen", ("requests",)),
    ("preferred_certifications", "Gewünschte Zertifizierungen", ("requests",)),
    ("visibility", "Sichtbarkeit", ("offers", "requests")),
    ("status", "Status", ("offers", "requests")),
]


@pytest.mark.parametrize(("field", "german", "kinds"), CONTRACT)
def test_the_field_and_its_label_name_the_same_column(
    field: str, german: str, kinds: tuple[Kind, ...]
) -> None:
    for kind in kinds:
        index = column_index(kind)
        assert index[header_key(field)] is index[header_key(german)], (kind, field)


def test_headers_match_case_and_space_insensitively() -> None:
    index = column_index("offers")
    column = index[header_key("  kapazität PRO  woche ")]
    assert column.field == "capacity.per_week"
    assert index[header_key("Capacity.Per_Week")] is column


@pytest.mark.parametrize("kind", KINDS)
def test_no_two_columns_of_a_kind_share_a_name(kind: Kind) -> None:
    names = [header_key(name) for column in COLUMNS[kind] for name in column.names]
    fields = [column.field for column in COLUMNS[kind]]
    assert len(fields) == len(set(fields))
    # A name may repeat only as an alias of the same column (unit / capacity.unit).
    index = column_index(kind)
    for column in COLUMNS[kind]:
        for name in column.names:
            assert index[header_key(name)].field == column.field or name in (
                "unit",
                "capacity.unit",
            )
    assert names
