"""The columns of an import or export file, per kind, in the order an export writes them.

A column is named by its field (``capacity.per_week``: a dot reaches into a nested
object) or its German label (``Kapazität pro Woche``), matched case- and
space-insensitively; ``aliases`` are further names read on import. ``multi`` cells hold
several values split on ``;`` (or ``,``); ``codes`` cells hold taxonomy codes or their
English or German labels. API.md "Imports" is the contract for names and labels.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

Kind = Literal["organizations", "offers", "requests"]
KINDS: tuple[Kind, ...] = ("organizations", "offers", "requests")
ValueType = Literal["text", "integer", "number", "date", "codes", "choice"]


@dataclass(frozen=True, slots=True)
class Column:
    field: str
    german: str
    type: ValueType = "text"
    aliases: tuple[str, ...] = ()

    @property
    def multi(self) -> bool:
        return self.type == "codes"

    @property
    def is_text(self) -> bool:
        """Written as text (quoted in CSV when it must be), not as a number or date."""
        return self.type in ("text", "choice", "codes")

    @property
    def names(self) -> tuple[str, ...]:
        return (self.field, self.german, *self.aliases)


_IDENTITY = (
    Column("id", "ID"),
    Column("external_ref", "Referenz"),
)
_OWNER = (
    Column("organization_id", "Organisation-ID"),
    Column("organization_external_ref", "Organisation-Referenz"),
)
_PLACE = (
    Column("location.lat", "Breitengrad", "number", ("lat",)),
    Column("location.lon", "Längengrad", "number", ("lon", "lng")),
)

COLUMNS: Mapping[Kind, tuple[Column, ...]] = {
    "organizations": (
        *_IDENTITY,
        Column("name", "Name"),
        Column("kind", "Art", "choice"),
        Column("address.street", "Straße", aliases=("street", "Strasse")),
        Column("address.postal_code", "PLZ", aliases=("postal_code", "Postleitzahl")),
        Column("address.city", "Ort", aliases=("city", "Stadt")),
        Column("address.country", "Land", aliases=("country",)),
        *_PLACE,
        Column("contact.name", "Ansprechpartner"),
        Column("contact.email", "E-Mail", aliases=("email",)),
        Column("contact.phone", "Telefon", aliases=("phone",)),
        Column("website", "Webseite"),
        Column("description", "Beschreibung"),
        Column("certifications", "Zertifizierungen", "codes"),
    ),
    "offers": (
        *_IDENTITY,
        *_OWNER,
        Column("title", "Titel"),
        Column("description", "Beschreibung"),
        Column("skills", "Fähigkeiten", "codes"),
        Column("products", "Produkte", "codes"),
        Column("certifications", "Zertifizierungen", "codes"),
        Column("capacity.unit", "Einheit", "choice", ("unit",)),
        Column("capacity.per_week", "Kapazität pro Woche", "integer"),
        Column("capacity.total", "Gesamtmenge", "integer"),
        Column("min_order_quantity", "Mindestmenge", "integer"),
        Column("lead_time_days", "Vorlaufzeit (Tage)", "integer"),
        Column("available_from", "Verfügbar ab", "date"),
        Column("available_until", "Verfügbar bis", "date"),
        *_PLACE,
        Column("service_radius_km", "Lieferradius (km)", "number"),
        Column("visibility", "Sichtbarkeit", "choice"),
        Column("status", "Status", "choice"),
    ),
    "requests": (
        *_IDENTITY,
        *_OWNER,
        Column("title", "Titel"),
        Column("description", "Beschreibung"),
        Column("skills", "Fähigkeiten", "codes"),
        Column("products", "Produkte", "codes"),
        Column("quantity", "Menge", "integer"),
        Column("unit", "Einheit", "choice", ("capacity.unit",)),
        Column("needed_by", "Benötigt bis", "date"),
        *_PLACE,
        Column("max_distance_km", "Max. Entfernung (km)", "number"),
        Column("required_certifications", "Pflicht-Zertifizierungen", "codes"),
        Column("preferred_certifications", "Gewünschte Zertifizierungen", "codes"),
        Column("visibility", "Sichtbarkeit", "choice"),
        Column("status", "Status", "choice"),
    ),
}

# German words accepted for choice values on import (exports write the API's values).
CHOICE_LABELS: Mapping[str, Mapping[str, str]] = {
    "kind": {"hersteller": "manufacturer", "abnehmer": "buyer", "beides": "both"},
    "visibility": {"netzwerk": "network", "geteilt": "shared", "öffentlich": "shared"},
    "status": {
        "entwurf": "draft",
        "aktiv": "active",
        "pausiert": "paused",
        "offen": "open",
        "geschlossen": "closed",
        "storniert": "cancelled",
        "erfüllt": "fulfilled",
    },
}


def header_key(name: str) -> str:
    """How a header cell is compared: case-insensitive, spaces and ``_`` ignored."""
    return re.sub(r"[\s_]+", "", name.strip().casefold())


def column_index(kind: Kind) -> dict[str, Column]:
    """Header key -> column, for every accepted name of every column of ``kind``."""
    index: dict[str, Column] = {}
    for column in COLUMNS[kind]:
        for name in column.names:
            index.setdefault(header_key(name), column)
    return index
