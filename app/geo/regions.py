"""The ISO 3166-2 regions capmatch knows (DE, AT, CH) and how GeoNames admin1 codes map to them.

GeoNames postal-code files carry the state in their admin1 column:
- DE: the state abbreviation (``BW``) -> ``DE-BW``;
- AT: the Bundesland number ``01``..``09`` -> ``AT-1``..``AT-9`` (same numbering as ISO);
- CH: the canton abbreviation (``ZH``) -> ``CH-ZH``.
Other countries load with coordinates but without a region.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Region:
    code: str
    country: str
    name_de: str
    name_en: str


_DATA: tuple[tuple[str, str, str], ...] = (
    ("DE-BW", "Baden-Württemberg", "Baden-Württemberg"),
    ("DE-BY", "Bayern", "Bavaria"),
    ("DE-BE", "Berlin", "Berlin"),
    ("DE-BB", "Brandenburg", "Brandenburg"),
    ("DE-HB", "Bremen", "Bremen"),
    ("DE-HH", "Hamburg", "Hamburg"),
    ("DE-HE", "Hessen", "Hesse"),
    ("DE-MV", "Mecklenburg-Vorpommern", "Mecklenburg-Western Pomerania"),
    ("DE-NI", "Niedersachsen", "Lower Saxony"),
    ("DE-NW", "Nordrhein-Westfalen", "North Rhine-Westphalia"),
    ("DE-RP", "Rheinland-Pfalz", "Rhineland-Palatinate"),
    ("DE-SL", "Saarland", "Saarland"),
    ("DE-SN", "Sachsen", "Saxony"),
    ("DE-ST", "Sachsen-Anhalt", "Saxony-Anhalt"),
    ("DE-SH", "Schleswig-Holstein", "Schleswig-Holstein"),
    ("DE-TH", "Thüringen", "Thuringia"),
    ("AT-1", "Burgenland", "Burgenland"),
    ("AT-2", "Kärnten", "Carinthia"),
    ("AT-3", "Niederösterreich", "Lower Austria"),
    ("AT-4", "Oberösterreich", "Upper Austria"),
    ("AT-5", "Salzburg", "Salzburg"),
    ("AT-6", "Steiermark", "Styria"),
    ("AT-7", "Tirol", "Tyrol"),
    ("AT-8", "Vorarlberg", "Vorarlberg"),
    ("AT-9", "Wien", "Vienna"),
    ("CH-AG", "Aargau", "Aargau"),
    ("CH-AI", "Appenzell Innerrhoden", "Appenzell Inner Rhodes"),
    ("CH-AR", "Appenzell Ausserrhoden", "Appenzell Outer Rhodes"),
    ("CH-BE", "Bern", "Bern"),
    ("CH-BL", "Basel-Landschaft", "Basel-Country"),
    ("CH-BS", "Basel-Stadt", "Basel-City"),
    ("CH-FR", "Freiburg", "Fribourg"),
    ("CH-GE", "Genf", "Geneva"),
    ("CH-GL", "Glarus", "Glarus"),
    ("CH-GR", "Graubünden", "Grisons"),
    ("CH-JU", "Jura", "Jura"),
    ("CH-LU", "Luzern", "Lucerne"),
    ("CH-NE", "Neuenburg", "Neuchâtel"),
    ("CH-NW", "Nidwalden", "Nidwalden"),
    ("CH-OW", "Obwalden", "Obwalden"),
    ("CH-SG", "St. Gallen", "St. Gallen"),
    ("CH-SH", "Schaffhausen", "Schaffhausen"),
    ("CH-SO", "Solothurn", "Solothurn"),
    ("CH-SZ", "Schwyz", "Schwyz"),
    ("CH-TG", "Thurgau", "Thurgau"),
    ("CH-TI", "Tessin", "Ticino"),
    ("CH-UR", "Uri", "Uri"),
    ("CH-VD", "Waadt", "Vaud"),
    ("CH-VS", "Wallis", "Valais"),
    ("CH-ZG", "Zug", "Zug"),
    ("CH-ZH", "Zürich", "Zurich"),
)

REGIONS: tuple[Region, ...] = tuple(
    Region(code=code, country=code[:2], name_de=name_de, name_en=name_en)
    for code, name_de, name_en in _DATA
)
REGIONS_BY_CODE: dict[str, Region] = {region.code: region for region in REGIONS}


def regions(country: str | None = None) -> list[Region]:
    """The known regions, optionally of one country, in ISO code order."""
    return sorted(
        (r for r in REGIONS if country is None or r.country == country), key=lambda r: r.code
    )


def iso_region(country: str, admin1_code: str) -> str | None:
    """The ISO 3166-2 code for a GeoNames admin1 code, or None when capmatch has no mapping."""
    admin1 = admin1_code.strip().upper()
    if not admin1:
        return None
    if country == "AT":
        code = f"AT-{admin1.lstrip('0')}" if admin1.isdigit() else None
    elif country in ("DE", "CH"):
        code = f"{country}-{admin1}"
    else:
        return None
    return code if code in REGIONS_BY_CODE else None
