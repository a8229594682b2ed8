"""What a DACH crisis market is made of: its clusters, trades, names and towns.

The clusters are modelled on the ones that matched capacity by hand in 2020 (textile
clusters in Baden-Württemberg and Vorarlberg, life-science networks in the north, the
Cross-Cluster Initiative Thüringen); every company is invented. Towns and their postal
codes are real (``towns.csv``, from GeoNames, CC BY 4.0).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources


@dataclass(frozen=True, slots=True)
class Town:
    country: str
    postal_code: str
    city: str
    lat: float
    lon: float


@dataclass(frozen=True, slots=True)
class Cluster:
    slug: str
    name: str
    towns: tuple[str, ...]  # cities of towns.csv where its members sit
    trades: tuple[str, ...]  # keys of TRADES its makers follow (repeated: more of them)


@dataclass(frozen=True, slots=True)
class Trade:
    """A kind of maker: what it does, makes and holds, and how its offers read."""

    noun: str  # German trade word in company names
    skills: tuple[str, ...]
    products: tuple[str, ...]
    certifications: tuple[str, ...]
    unit: str
    per_week: tuple[int, int]  # range of weekly capacity
    titles: tuple[str, ...]
    radius_km: tuple[int, int]


CLUSTERS = (
    Cluster(
        "place2tex",
        "Place2tex",
        (
            "Reutlingen",
            "Albstadt",
            "Balingen",
            "Hechingen",
            "Metzingen",
            "Tübingen",
            "Stuttgart",
            "Ulm",
            "Heilbronn",
            "Tuttlingen",
            "Konstanz",
            "Freiburg im Breisgau",
        ),
        ("sewing", "sewing", "medical-sewing", "nonwoven", "ffp", "logistics"),
    ),
    Cluster(
        "life-science-nord",
        "Life Science Nord",
        (
            "Hamburg",
            "Kiel",
            "Lübeck",
            "Neumünster",
            "Bremen",
            "Rostock",
            "Schwerin",
            "Greifswald",
            "Oldenburg",
            "Hannover",
            "Braunschweig",
        ),
        ("plastics-medical", "electronics", "sterile", "disinfectant", "logistics", "ffp"),
    ),
    Cluster(
        "cct-thueringen",
        "Cross-Cluster Initiative Thüringen",
        (
            "Jena",
            "Erfurt",
            "Weimar",
            "Gera",
            "Ilmenau",
            "Suhl",
            "Chemnitz",
            "Plauen",
            "Zwickau",
            "Leipzig",
            "Halle",
        ),
        ("sewing", "additive", "plastics-medical", "nonwoven", "medical-sewing", "electronics"),
    ),
    Cluster(
        "textil-nrw",
        "Textilnetzwerk NRW",
        (
            "Mönchengladbach",
            "Aachen",
            "Bocholt",
            "Gronau",
            "Nordhorn",
            "Krefeld",
            "Wuppertal",
            "Köln",
            "Düsseldorf",
            "Münster",
            "Emsdetten",
            "Bielefeld",
            "Dortmund",
        ),
        ("sewing", "nonwoven", "medical-sewing", "logistics", "ffp"),
    ),
    Cluster(
        "medtech-bayern",
        "Medizintechnik Bayern",
        (
            "Erlangen",
            "Nürnberg",
            "München",
            "Augsburg",
            "Regensburg",
            "Hof",
            "Münchberg",
            "Bayreuth",
            "Würzburg",
            "Passau",
        ),
        ("plastics-medical", "electronics", "sterile", "sewing", "additive"),
    ),
    Cluster(
        "rhein-main-logistik",
        "Logistiknetz Rhein-Main",
        (
            "Frankfurt am Main",
            "Darmstadt",
            "Wiesbaden",
            "Mainz",
            "Kaiserslautern",
            "Saarbrücken",
            "Mannheim",
            "Karlsruhe",
            "Kassel",
        ),
        ("logistics", "logistics", "disinfectant", "additive"),
    ),
    Cluster(
        "health-berlin-brandenburg",
        "Gesundheitsnetz Berlin-Brandenburg",
        ("Berlin", "Potsdam", "Cottbus", "Magdeburg", "Dresden", "Leipzig"),
        ("electronics", "plastics-medical", "disinfectant", "sterile", "logistics"),
    ),
    Cluster(
        "niedersachsen-versorgung",
        "Versorgungsnetz Niedersachsen",
        ("Hannover", "Göttingen", "Braunschweig", "Wolfsburg", "Osnabrück", "Oldenburg", "Bremen"),
        ("logistics", "sewing", "disinfectant", "ffp"),
    ),
    Cluster(
        "textil-vorarlberg",
        "Textilcluster Vorarlberg",
        (
            "Dornbirn",
            "Lustenau",
            "Bregenz",
            "Feldkirch",
            "Innsbruck",
            "Salzburg",
            "Linz",
            "Wels",
            "Steyr",
            "Wien",
            "Graz",
            "Klagenfurt",
            "Villach",
            "St. Pölten",
            "Wiener Neustadt",
        ),
        ("sewing", "medical-sewing", "nonwoven", "logistics"),
    ),
    Cluster(
        "swiss-textiles-ost",
        "Swiss Textiles Ostschweiz",
        (
            "St. Gallen",
            "Wil",
            "Herisau",
            "Winterthur",
            "Zürich",
            "Frauenfeld",
            "Schaffhausen",
            "Chur",
            "Basel",
            "Aarau",
            "Olten",
            "Luzern",
            "Zug",
            "Bern",
        ),
        ("sewing", "medical-sewing", "plastics-medical", "electronics"),
    ),
)

# Surnames and words that German, Austrian and Swiss firms are named after.
FAMILY_NAMES = (
    "Müller",
    "Schmid",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Schulz",
    "Hoffmann",
    "Koch",
    "Richter",
    "Klein",
    "Wolf",
    "Schröder",
    "Neumann",
    "Schwarz",
    "Zimmermann",
    "Braun",
    "Krüger",
    "Hofmann",
    "Hartmann",
    "Lange",
    "Werner",
    "Krause",
    "Lehmann",
    "Köhler",
    "Maier",
    "Huber",
    "Gruber",
    "Pichler",
    "Steiner",
    "Moser",
    "Keller",
    "Brunner",
    "Baumann",
    "Frei",
    "Gerber",
    "Widmer",
    "Sommer",
    "Vogel",
    "Fuchs",
    "Berger",
    "Haas",
    "Roth",
    "Graf",
)
BRANDS = (
    "Alb",
    "Nordstern",
    "Elbtal",
    "Saale",
    "Rheinland",
    "Bodensee",
    "Schwaben",
    "Hanse",
    "Alpen",
    "Donau",
    "Thüringer Wald",
    "Erzgebirge",
    "Vogtland",
    "Weser",
    "Isar",
    "Lech",
    "Säntis",
    "Rhein",
    "Linth",
    "Ems",
    "Sauerland",
    "Franken",
)
LEGAL_FORMS = {
    "DE": ("GmbH", "GmbH", "GmbH & Co. KG", "AG", "KG", "e.K."),
    "AT": ("GmbH", "GesmbH", "KG", "AG"),
    "CH": ("AG", "AG", "GmbH"),
}
BUYERS = (
    "Klinikum {city}",
    "Städtisches Klinikum {city}",
    "Pflegeheim {name}",
    "Apotheke am Markt {city}",
    "Rettungsdienst {city}",
    "Landkreis {city} Beschaffung",
    "Praxisverbund {city}",
    "Diakonie {city}",
    "Uniklinik {city}",
    "Zahnklinik {name}",
)


@cache
def towns() -> dict[str, Town]:
    """The towns of the demo market by city name, read from the package's towns.csv."""
    text = resources.files("app.demo").joinpath("towns.csv").read_text(encoding="utf-8")
    rows = csv.DictReader(line for line in text.splitlines() if not line.startswith("#"))
    return {
        row["city"]: Town(
            country=row["country"],
            postal_code=row["postal_code"],
            city=row["city"],
            lat=float(row["lat"]),
            lon=float(row["lon"]),
        )
        for row in rows
    }
