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

TRADES = {
    "sewing": Trade(
        "Konfektion",
        ("textile.sewing", "textile.cutting", "textile.sewing.garments"),
        ("mask.community", "gown.isolation"),
        ("oeko-tex-100", "iso-9001", "ce.ppe"),
        "pieces",
        (2_000, 20_000),
        (
            "Free sewing line, {shifts} shifts",
            "Cut-and-sew capacity for simple gowns",
            "Community masks, cotton, washable",
        ),
        (150, 500),
    ),
    "medical-sewing": Trade(
        "Medizintextil",
        ("textile.sewing.medical", "textile.ultrasonic-welding", "textile.lamination"),
        ("mask.surgical.type-iir", "gown.surgical", "drape.surgical"),
        ("iso-13485", "en-14683", "en-13795", "ce.mdr"),
        "pieces",
        (5_000, 60_000),
        (
            "Surgical masks type IIR, cleanroom sewing",
            "Surgical gowns EN 13795",
            "Ultrasonic welding line, {shifts} shifts",
        ),
        (250, 700),
    ),
    "nonwoven": Trade(
        "Vliesstoffe",
        ("textile.nonwoven.meltblown", "textile.nonwoven.spunbond"),
        (),
        ("iso-9001", "oeko-tex-100"),
        "kg",
        (500, 8_000),
        ("Meltblown nonwoven, filter grade", "Spunbond nonwoven for gowns"),
        (300, 900),
    ),
    "ffp": Trade(
        "Atemschutz",
        ("textile.ultrasonic-welding", "textile.nonwoven.meltblown"),
        ("mask.ffp2", "mask.ffp3"),
        ("en-149", "ce.ppe", "iso-9001"),
        "pieces",
        (10_000, 100_000),
        ("FFP2 masks, automated line", "FFP3 masks with valve"),
        (300, 900),
    ),
    "plastics-medical": Trade(
        "Kunststofftechnik",
        ("plastics.injection-moulding.medical", "cleanroom.iso-7"),
        ("ventilator-part.valve", "test-kit.swab", "face-shield"),
        ("iso-13485", "iso-14644", "en-166", "ce.ppe"),
        "pieces",
        (5_000, 50_000),
        (
            "Injection moulding in ISO 7 cleanroom",
            "Swab sticks, medical grade",
            "Ventilator valves, small series",
        ),
        (200, 800),
    ),
    "additive": Trade(
        "3D-Druck",
        ("additive.fdm", "additive.sls", "plastics.thermoforming"),
        ("face-shield", "ventilator-part.valve"),
        ("en-166", "ce.ppe", "iso-9001"),
        "pieces",
        (500, 5_000),
        ("3D-printed face shields", "SLS spare parts on demand"),
        (200, 600),
    ),
    "electronics": Trade(
        "Elektronik",
        ("electronics.assembly", "medical-device.assembly"),
        ("ventilator-part.electronics", "test-kit.antigen"),
        ("iso-13485", "iso-9001", "ce.mdr"),
        "pieces",
        (200, 3_000),
        ("PCB assembly for ventilators", "Device assembly, ISO 13485"),
        (300, 900),
    ),
    "sterile": Trade(
        "Sterilgut",
        ("sterilisation.eo", "sterilisation.steam", "packaging.sterile-barrier"),
        ("test-kit.swab",),
        ("iso-13485", "ce.mdr"),
        "pieces",
        (10_000, 80_000),
        ("EO sterilisation slots", "Sterile-barrier packaging line"),
        (200, 600),
    ),
    "disinfectant": Trade(
        "Chemie",
        ("packaging",),
        ("disinfectant.hand", "disinfectant.surface"),
        ("iso-9001",),
        "l",
        (1_000, 20_000),
        ("Hand disinfectant, bottled", "Surface disinfectant in canisters"),
        (150, 500),
    ),
    "logistics": Trade(
        "Logistik",
        ("logistics.warehousing", "logistics.transport"),
        (),
        ("iso-9001",),
        "pallets",
        (50, 600),
        ("Warehouse space for PPE", "Temperature-controlled transport"),
        (300, 800),
    ),
}

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
