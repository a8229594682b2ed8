"""Synthetic market for ``bench/match.py``: organisations, certifications, offers, requests.

Everything is drawn with numpy from one seed, column-wise, so a million offers take
seconds. Locations: a country by population (DE/AT/CH), then one of that country's
postal codes uniformly (dense cities have many codes, so this follows where people
and firms are), jittered by a few km. Skills, products and certifications come from
archetypes of manufacturers with skewed weights: many sewing shops and metal
workshops, few cleanrooms and sterilisers; demand is skewed the other way (masks
and gowns are wanted more than they are offered). Not a module to import from app/.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from app.taxonomy.codes import search_terms

# ../shared/data/geonames next to the clone, or one level further up from a worktree
# (/work/wt/<name>): the first that exists.
_GEONAMES = [p / "shared" / "data" / "geonames" for p in Path(__file__).resolve().parents[2:4]]
GAZETTEER_DIR = next((p for p in _GEONAMES if p.is_dir()), _GEONAMES[0])
# Inhabitants (millions, 2024): how organisations and requests spread over the countries.
COUNTRY_POPULATION = {"DE": 84.5, "AT": 9.2, "CH": 9.0}
JITTER_KM = 2.5  # standard deviation per axis around the postal code's centre
KM_PER_DEGREE = 111.2
OFFERS_PER_ORGANIZATION = 4.0  # mean; the actual count per organisation is Poisson-like


@dataclass(frozen=True)
class Archetype:
    """A kind of manufacturer: how common it is as supply and as demand, and what it names.

    Each pool maps a code to the probability that one offer (skills, products) or
    one organisation (certifications) of this kind names it.
    """

    name: str
    supply: float
    demand: float
    skills: dict[str, float]
    products: dict[str, float] = field(default_factory=dict)
    certifications: dict[str, float] = field(default_factory=dict)


ARCHETYPES: tuple[Archetype, ...] = (
    Archetype(
        "sewing shop",
        30,
        16,
        {
            "textile.sewing": 0.7,
            "textile.sewing.garments": 0.35,
            "textile.sewing.upholstery": 0.12,
            "textile.cutting": 0.5,
            "textile.embroidery": 0.08,
            "textile.printing": 0.06,
        },
        {"mask.community": 0.25, "gown.isolation": 0.12},
        {"iso-9001": 0.35, "oeko-tex-100": 0.4},
    ),
    Archetype(
        "medical textiles",
        6,
        20,
        {
            "textile.sewing.medical": 0.8,
            "textile.ultrasonic-welding": 0.35,
            "textile.cutting": 0.4,
            "textile.lamination": 0.1,
        },
        {
            "mask.surgical": 0.35,
            "mask.surgical.type-iir": 0.15,
            "gown.surgical": 0.2,
            "drape.surgical": 0.15,
            "gown.isolation": 0.2,
        },
        {"iso-13485": 0.6, "en-14683": 0.4, "ce.mdr": 0.3, "en-13795": 0.25, "iso-9001": 0.5},
    ),
    Archetype(
        "nonwovens and respirators",
        3,
        10,
        {
            "textile.nonwoven.meltblown": 0.4,
            "textile.nonwoven.spunbond": 0.5,
            "textile.ultrasonic-welding": 0.5,
        },
        {"mask.ffp2": 0.4, "mask.ffp3": 0.15, "mask.ffp1": 0.1},
        {"en-149": 0.4, "ce.ppe": 0.4, "iso-9001": 0.5},
    ),
    Archetype(
        "weaving and knitting",
        8,
        3,
        {
            "textile.knitting": 0.4,
            "textile.weaving": 0.4,
            "textile.finishing": 0.3,
            "textile.lamination": 0.1,
        },
        {},
        {"oeko-tex-100": 0.5, "iso-9001": 0.4},
    ),
    Archetype(
        "coveralls",
        1,
        3,
        {"textile.sewing": 0.6, "textile.ultrasonic-welding": 0.3, "textile.lamination": 0.4},
        {"coverall.infective-agents": 0.6},
        {"en-14126": 0.5, "ce.ppe": 0.5},
    ),
    Archetype(
        "technical plastics",
        12,
        8,
        {
            "plastics.injection-moulding.technical": 0.6,
            "plastics.injection-moulding": 0.3,
            "plastics.extrusion": 0.25,
            "plastics.thermoforming": 0.2,
            "plastics.blow-moulding": 0.1,
        },
        {"face-shield": 0.15},
        {"iso-9001": 0.7, "en-166": 0.05},
    ),
    Archetype(
        "medical plastics",
        1.5,
        6,
        {
            "plastics.injection-moulding.medical": 0.8,
            "cleanroom.iso-8": 0.4,
            "cleanroom.iso-7": 0.15,
        },
        {"ventilator-part.valve": 0.3, "test-kit.swab": 0.2, "ventilator-part.housing": 0.15},
        {"iso-13485": 0.8, "iso-14644": 0.4, "ce.mdr": 0.2},
    ),
    Archetype(
        "metalworking",
        18,
        5,
        {"metal.cnc-machining": 0.6, "metal.sheet-metal": 0.4, "metal.welding": 0.35},
        {"ventilator-part.housing": 0.05, "ventilator-part.valve": 0.03},
        {"iso-9001": 0.7, "iso-13485": 0.05},
    ),
    Archetype(
        "electronics",
        6,
        5,
        {"electronics.assembly": 1.0, "medical-device.assembly": 0.08},
        {"ventilator-part.electronics": 0.15},
        {"iso-9001": 0.7, "iso-13485": 0.15},
    ),
    Archetype(
        "3d printing",
        4,
        4,
        {"additive.fdm": 0.6, "additive.sls": 0.3, "additive.sla": 0.2},
        {"face-shield": 0.3, "ventilator-part.valve": 0.05},
        {"iso-9001": 0.3, "en-166": 0.05},
    ),
    Archetype(
        "cleanroom assembly",
        0.6,
        5,
        {"cleanroom.iso-7": 0.6, "cleanroom.iso-8": 0.4, "medical-device.assembly": 0.7},
        {"test-kit.antigen": 0.3, "test-kit.swab": 0.2},
        {"iso-13485": 0.9, "iso-14644": 0.7, "ce.mdr": 0.4},
    ),
    Archetype(
        "sterilisation and sterile packaging",
        0.8,
        4,
        {
            "sterilisation.eo": 0.4,
            "sterilisation.gamma": 0.3,
            "sterilisation.steam": 0.3,
            "packaging.sterile-barrier": 0.5,
        },
        {},
        {"iso-13485": 0.8, "iso-9001": 0.5},
    ),
    Archetype(
        "gloves",
        0.4,
        4,
        {"plastics": 1.0},
        {"glove.medical": 0.8},
        {"en-455": 0.6, "ce.mdr": 0.4, "iso-13485": 0.5},
    ),
    Archetype(
        "disinfectants",
        3,
        6,
        {"packaging": 0.6},
        {"disinfectant.hand": 0.7, "disinfectant.surface": 0.5},
        {"iso-9001": 0.6},
    ),
    Archetype(
        "logistics",
        5,
        2,
        {"logistics.warehousing": 0.6, "logistics.transport": 0.6, "packaging": 0.3},
        {},
        {"iso-9001": 0.5},
    ),
    Archetype(
        "testing laboratory",
        0.5,
        2,
        {
            "testing.filtration": 0.5,
            "testing.breathability": 0.4,
            "testing.biocompatibility": 0.3,
        },
        {},
        {"iso-9001": 0.4, "iso-13485": 0.3},
    ),
)


def check_vocabulary(taxonomy: Any) -> None:
    """Every code the generator uses exists in the taxonomy (fail before seeding)."""
    known = {kind: set(taxonomy.codes(kind)) for kind in ("skill", "product", "certification")}
    for archetype in ARCHETYPES:
        for kind, pool in (
            ("skill", archetype.skills),
            ("product", archetype.products),
            ("certification", archetype.certifications),
        ):
            unknown = sorted(set(pool) - known[kind])
            if unknown:
                raise ValueError(f"{archetype.name}: unknown {kind} codes {unknown}")


# --- places ------------------------------------------------------------------------


@dataclass(frozen=True)
class Places:
    """Distinct postal codes (centre of their places) of DE, AT, CH."""

    lat: npt.NDArray[np.float64]
    lon: npt.NDArray[np.float64]
    country: npt.NDArray[np.int64]  # index into COUNTRIES
    countries: tuple[str, ...]
    counts: dict[str, int]


def load_places(directory: Path = GAZETTEER_DIR) -> Places:
    lats: list[float] = []
    lons: list[float] = []
    country_index: list[int] = []
    countries = tuple(COUNTRY_POPULATION)
    counts: dict[str, int] = {}
    for number, country in enumerate(countries):
        centres: dict[str, list[float]] = {}
        path = directory / f"{country}.txt"
        with path.open(encoding="utf-8") as lines:
            for line in lines:
                columns = line.rstrip("\n").split("\t")
                if len(columns) < 11 or not columns[9] or not columns[10]:
                    continue
                entry = centres.setdefault(columns[1], [0.0, 0.0, 0.0])
                entry[0] += float(columns[9])
                entry[1] += float(columns[10])
                entry[2] += 1
        for lat_sum, lon_sum, n in centres.values():
            lats.append(lat_sum / n)
            lons.append(lon_sum / n)
            country_index.append(number)
        counts[country] = len(centres)
    return Places(
        lat=np.array(lats),
        lon=np.array(lons),
        country=np.array(country_index, dtype=np.int64),
        countries=countries,
        counts=counts,
    )


def sample_locations(
    places: Places, rng: np.random.Generator, n: int
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """n points: a country by population, one of its postal codes uniformly, a few km jitter."""
    weights = np.array([COUNTRY_POPULATION[c] for c in places.countries])
    country = rng.choice(len(places.countries), size=n, p=weights / weights.sum())
    order = np.argsort(places.country, kind="stable")
    starts = np.searchsorted(places.country[order], np.arange(len(places.countries)))
    sizes = np.bincount(places.country, minlength=len(places.countries))
    picked = order[starts[country] + (rng.random(n) * sizes[country]).astype(np.int64)]
    lat = places.lat[picked] + rng.normal(0.0, JITTER_KM / KM_PER_DEGREE, n)
    cos = np.cos(np.radians(places.lat[picked]))
    lon = places.lon[picked] + rng.normal(0.0, JITTER_KM / KM_PER_DEGREE, n) / cos
    return np.round(lat, 5), np.round(lon, 5)


# --- market ------------------------------------------------------------------------


@dataclass
class Market:
    """Organisations, their certifications and their offers as columns (numpy or lists)."""

    today: date
    org_ids: list[str]
    org_archetype: npt.NDArray[np.int64]
    org_lat: npt.NDArray[np.float64]
    org_lon: npt.NDArray[np.float64]
    org_cert_profile: npt.NDArray[np.int64]  # index into cert_profiles
    cert_profiles: list[tuple[str, ...]]
    cert_org: npt.NDArray[np.int64]  # one row per held certification
    cert_code: list[str]
    cert_valid_until: npt.NDArray[np.int64]  # days from today; NO_END: no end date
    cert_verified: npt.NDArray[np.bool_]
    offer_ids: list[str]
    offer_org: npt.NDArray[np.int64]
    offer_profile: npt.NDArray[np.int64]  # index into profiles
    profiles: list[tuple[tuple[str, ...], tuple[str, ...]]]  # (skills, products)
    per_week: npt.NDArray[np.int64]
    capacity_total: npt.NDArray[np.int64]  # -1: none
    reserved: npt.NDArray[np.int64]
    lead_time_days: npt.NDArray[np.int64]
    min_order_quantity: npt.NDArray[np.int64]
    available_from: npt.NDArray[np.int64]  # days from today
    available_until: npt.NDArray[np.int64]
    service_radius_km: npt.NDArray[np.float64]  # NaN: unlimited
    lat: npt.NDArray[np.float64] = field(init=False)
    lon: npt.NDArray[np.float64] = field(init=False)

    def __post_init__(self) -> None:
        self.lat = self.org_lat[self.offer_org]
        self.lon = self.org_lon[self.offer_org]

    def __len__(self) -> int:
        return len(self.offer_ids)

    def date_of(self, days: int) -> date:
        return self.today + timedelta(days=int(days))


NO_END = 1_000_000  # certification valid_until sentinel: no end date


def _draw_codes(
    rng: np.random.Generator, pools: Sequence[dict[str, float]], n: int
) -> npt.NDArray[np.int64]:
    """Per row a bit mask over the concatenated pools (each code drawn independently)."""
    codes = [code for pool in pools for code in pool]
    probabilities = np.array([p for pool in pools for p in pool.values()])
    hits = rng.random((n, len(codes))) < probabilities
    return (hits * (1 << np.arange(len(codes), dtype=np.int64))).sum(axis=1)


ID_ALPHABET = np.frombuffer(b"0123456789ABCDEFGHJKMNPQRSTVWXYZ", dtype=np.uint8)  # Crockford
ID_SPAN_DAYS = 730  # ids were made over the two years before today


def ulid_like_ids(prefix: str, count: int, rng: np.random.Generator, today: date) -> list[str]:
    """Ids shaped like ``app.core.ids.new_id``'s (prefix, 10 time and 16 random characters).

    Their length and shared leading characters are what the index stores, so the
    benchmark's memory figures hold for real ids.
    """
    end_ms = int(datetime(today.year, today.month, today.day, tzinfo=UTC).timestamp() * 1000)
    made_ms = end_ms - rng.integers(0, ID_SPAN_DAYS * 86_400_000, size=count, dtype=np.int64)
    digits = np.empty((count, 26), dtype=np.uint8)
    for k in range(10):
        digits[:, k] = (made_ms >> (5 * (9 - k))) & 31
    digits[:, 10:] = rng.integers(0, 32, size=(count, 16), dtype=np.uint8)
    bodies = ID_ALPHABET[digits].view("S26").ravel()
    return [f"{prefix}_{body.decode()}" for body in bodies.tolist()]


def generate_market(n_offers: int, seed: int, places: Places, today: date) -> Market:
    rng = np.random.default_rng(seed)
    n_orgs = max(1, math.ceil(n_offers / OFFERS_PER_ORGANIZATION))
    supply = np.array([a.supply for a in ARCHETYPES])
    org_archetype = rng.choice(len(ARCHETYPES), size=n_orgs, p=supply / supply.sum())
    org_lat, org_lon = sample_locations(places, rng, n_orgs)

    # Organisation certifications: a mask over the archetype's pool, one profile per mask.
    cert_key = np.zeros(n_orgs, dtype=np.int64)
    for a, archetype in enumerate(ARCHETYPES):
        rows = np.flatnonzero(org_archetype == a)
        cert_key[rows] = (a << 32) | _draw_codes(rng, [archetype.certifications], rows.size)
    keys, org_cert_profile = np.unique(cert_key, return_inverse=True)
    cert_profiles = []
    for key in keys.tolist():
        pool = list(ARCHETYPES[key >> 32].certifications)
        cert_profiles.append(tuple(sorted(c for j, c in enumerate(pool) if key >> j & 1)))
    held_count = np.array([len(p) for p in cert_profiles])[org_cert_profile]
    cert_org = np.repeat(np.arange(n_orgs), held_count)
    cert_code = [code for p in org_cert_profile.tolist() for code in cert_profiles[p]]
    n_certs = cert_org.size
    kind = rng.random(n_certs)
    cert_valid_until = np.where(
        kind < 0.10,
        NO_END,
        np.where(kind < 0.17, -rng.integers(1, 300, n_certs), rng.integers(30, 1100, n_certs)),
    )
    cert_verified = rng.random(n_certs) < 0.6

    # Offers: each belongs to a random organisation and draws codes from its archetype.
    offer_org = np.sort(rng.integers(0, n_orgs, n_offers))
    offer_archetype = org_archetype[offer_org]
    profile_key = np.zeros(n_offers, dtype=np.int64)
    for a, archetype in enumerate(ARCHETYPES):
        rows = np.flatnonzero(offer_archetype == a)
        mask = _draw_codes(rng, [archetype.skills, archetype.products], rows.size)
        # Nothing drawn: the archetype's most likely skill.
        top = 1 << int(np.argmax(list(archetype.skills.values())))
        profile_key[rows] = (a << 32) | np.where(mask == 0, top, mask)
    keys, offer_profile = np.unique(profile_key, return_inverse=True)
    profiles = []
    for key in keys.tolist():
        archetype = ARCHETYPES[key >> 32]
        pool = [("s", c) for c in archetype.skills] + [("p", c) for c in archetype.products]
        chosen = [(k, c) for j, (k, c) in enumerate(pool) if key >> j & 1]
        profiles.append(
            (tuple(c for k, c in chosen if k == "s"), tuple(c for k, c in chosen if k == "p"))
        )

    # Capacities: log-normal around 2,000 pieces a week, a long tail of big plants.
    per_week = np.clip(np.round(rng.lognormal(math.log(2000), 1.1, n_offers), -1), 50, 500_000)
    per_week = per_week.astype(np.int64)
    available_from = rng.integers(-60, 91, n_offers)
    length = rng.integers(21, 366, n_offers)
    available_until = np.maximum(available_from + length, rng.integers(7, 30, n_offers))
    weeks = (available_until - available_from + 1) / 7
    capacity_total = np.where(
        rng.random(n_offers) < 0.3,
        np.maximum(1, (per_week * weeks * rng.uniform(0.2, 1.0, n_offers)).astype(np.int64)),
        -1,
    )
    reserved = np.where(
        rng.random(n_offers) < 0.2,
        (per_week * rng.uniform(0.0, 2.0, n_offers)).astype(np.int64),
        0,
    )
    # Never above the window's total: the database refuses that (offers CHECK).
    days = available_until - available_from + 1
    reserved = np.minimum(
        reserved, np.where(capacity_total >= 0, capacity_total, per_week * days // 7)
    )
    lead_time_days = rng.choice(np.array([0, 0, 3, 7, 7, 14, 21, 28]), n_offers)
    min_order_quantity = rng.choice(
        np.array([1, 100, 500, 1_000, 5_000, 20_000]), n_offers, p=[0.3, 0.2, 0.2, 0.15, 0.1, 0.05]
    )
    service_radius_km = rng.choice(
        np.array([math.nan, 50.0, 100.0, 200.0, 300.0, 500.0, 1000.0]),
        n_offers,
        p=[0.4, 0.05, 0.1, 0.15, 0.15, 0.1, 0.05],
    )
    ids = np.random.default_rng([seed, 1])  # a stream of its own: the market stays as it was
    return Market(
        today=today,
        org_ids=ulid_like_ids("org", n_orgs, ids, today),
        org_archetype=org_archetype,
        org_lat=org_lat,
        org_lon=org_lon,
        org_cert_profile=org_cert_profile,
        cert_profiles=cert_profiles,
        cert_org=cert_org,
        cert_code=cert_code,
        cert_valid_until=cert_valid_until,
        cert_verified=cert_verified,
        # Ids in random order relative to everything else, so ties break arbitrarily.
        offer_ids=ulid_like_ids("off", n_offers, ids, today),
        offer_org=offer_org,
        offer_profile=offer_profile,
        profiles=profiles,
        per_week=per_week,
        capacity_total=capacity_total,
        reserved=reserved,
        lead_time_days=lead_time_days,
        min_order_quantity=min_order_quantity,
        available_from=available_from,
        available_until=available_until,
        service_radius_km=service_radius_km,
    )


# --- database rows -----------------------------------------------------------------

PARTNER_COLUMNS = ("id", "name", "slug", "status", "created_at", "updated_at", "version")
ORGANIZATION_COLUMNS = (
    "id",
    "partner_id",
    "name",
    "kind",
    "lat",
    "lon",
    "country",
    "verified",
    "status",
    "created_at",
    "updated_at",
    "version",
)
CERTIFICATION_COLUMNS = ("organization_id", "code", "valid_until", "verified")


def _dates(market: Market, days: npt.NDArray[np.int64]) -> list[date | None]:
    """Date objects for day offsets, one shared object per distinct offset."""
    distinct, inverse = np.unique(days, return_inverse=True)
    table = [None if d == NO_END else market.date_of(d) for d in distinct.tolist()]
    return [table[i] for i in inverse.tolist()]


def partner_rows(partner_id: str) -> list[tuple[Any, ...]]:
    now = datetime.now(UTC)
    return [(partner_id, "Bench Market", "bench-market", "active", now, now, 1)]


def organization_rows(market: Market, partner_id: str) -> list[tuple[Any, ...]]:
    now = datetime.now(UTC)
    names = [f"Bench {ARCHETYPES[a].name} {i}" for i, a in enumerate(market.org_archetype.tolist())]
    return [
        (org_id, partner_id, name, "manufacturer", lat, lon, None, True, "active", now, now, 1)
        for org_id, name, lat, lon in zip(
            market.org_ids, names, market.org_lat.tolist(), market.org_lon.tolist(), strict=True
        )
    ]


def certification_rows(market: Market) -> list[tuple[Any, ...]]:
    return list(
        zip(
            [market.org_ids[i] for i in market.cert_org.tolist()],
            market.cert_code,
            _dates(market, market.cert_valid_until),
            market.cert_verified.tolist(),
            strict=True,
        )
    )


def offer_rows(
    market: Market, partner_id: str, columns: Sequence[str], start: int, stop: int
) -> list[tuple[Any, ...]]:
    """Offers [start, stop) as COPY records in ``columns`` order (valid under app/models)."""
    now = datetime.now(UTC)
    org = market.offer_org[start:stop]
    profile_terms = [
        search_terms([("skill", skills), ("product", products)])
        for skills, products in market.profiles
    ]
    cert_terms = [search_terms([("certification", codes)]) for codes in market.cert_profiles]
    org_certs = market.org_cert_profile[org].tolist()
    profile = market.offer_profile[start:stop].tolist()
    skills = [list(market.profiles[p][0]) for p in profile]
    values: dict[str, Iterable[Any]] = {
        "id": market.offer_ids[start:stop],
        "partner_id": [partner_id] * (stop - start),
        "organization_id": [market.org_ids[i] for i in org.tolist()],
        "title": [
            f"Free {s[0].rsplit('.', 1)[-1]} capacity" if s else "Free capacity" for s in skills
        ],
        "description": [None] * (stop - start),
        "skills": skills,
        "products": [list(market.profiles[p][1]) for p in profile],
        "certifications": [list(market.cert_profiles[c]) for c in org_certs],
        # "c:..." sorts before "p:..." and "s:...": the concatenation is sorted like search_terms.
        "search_codes": [
            cert_terms[c] + profile_terms[p] for c, p in zip(org_certs, profile, strict=True)
        ],
        "capacity_unit": ["pieces"] * (stop - start),
        "capacity_per_week": market.per_week[start:stop].tolist(),
        "capacity_total": [
            None if t < 0 else t for t in market.capacity_total[start:stop].tolist()
        ],
        "min_order_quantity": market.min_order_quantity[start:stop].tolist(),
        "lead_time_days": market.lead_time_days[start:stop].tolist(),
        "available_from": _dates(market, market.available_from[start:stop]),
        "available_until": _dates(market, market.available_until[start:stop]),
        "lat": market.lat[start:stop].tolist(),
        "lon": market.lon[start:stop].tolist(),
        "region": [None] * (stop - start),
        "service_radius_km": [
            None if math.isnan(r) else r for r in market.service_radius_km[start:stop].tolist()
        ],
        "visibility": ["shared"] * (stop - start),
        "status": ["active"] * (stop - start),
        "total_quantity": _totals(market, start, stop),
        "reserved_quantity": market.reserved[start:stop].tolist(),
        "closed_at": [None] * (stop - start),
        "created_at": [now] * (stop - start),
        "updated_at": [now] * (stop - start),
        "version": [1] * (stop - start),
    }
    missing = [c for c in columns if c not in values]
    if missing:
        raise ValueError(f"the generator has no values for offer columns {missing}")
    return list(zip(*(values[c] for c in columns), strict=True))


def _totals(market: Market, start: int, stop: int) -> list[int]:
    """Units over the whole window (explicit total, else per week over the window)."""
    per_week = market.per_week[start:stop].astype(np.int64)
    days = market.available_until[start:stop] - market.available_from[start:stop] + 1
    total = market.capacity_total[start:stop]
    totals: list[int] = np.where(total >= 0, total, np.maximum(0, per_week * days // 7)).tolist()
    return totals


# --- requests ----------------------------------------------------------------------


@dataclass(frozen=True)
class Need:
    """One random request: what the benchmark asks every engine."""

    archetype: str
    skills: tuple[str, ...]
    products: tuple[str, ...]
    quantity: int
    needed_by: date
    lat: float
    lon: float
    max_distance_km: float | None
    required_certifications: tuple[str, ...]
    preferred_certifications: tuple[str, ...]

    def body(self) -> dict[str, Any]:
        """The JSON body of ``POST /v1/matches/search``."""
        return {
            "title": f"Bench need ({self.archetype})",
            "skills": list(self.skills),
            "products": list(self.products),
            "quantity": self.quantity,
            "unit": "pieces",
            "needed_by": self.needed_by.isoformat(),
            "location": {"lat": self.lat, "lon": self.lon},
            "max_distance_km": self.max_distance_km,
            "required_certifications": list(self.required_certifications),
            "preferred_certifications": list(self.preferred_certifications),
        }


def _weighted_sample(rng: np.random.Generator, pool: dict[str, float], k: int) -> tuple[str, ...]:
    codes = list(pool)
    if not codes or k <= 0:
        return ()
    weights = np.array(list(pool.values()))
    k = min(k, len(codes))
    picked = rng.choice(len(codes), size=k, replace=False, p=weights / weights.sum())
    return tuple(codes[i] for i in sorted(picked.tolist()))


def generate_needs(count: int, seed: int, places: Places, today: date) -> list[Need]:
    """Requests from the demand side of the archetypes: common and rare needs."""
    rng = np.random.default_rng(seed + 7_919)
    demand = np.array([a.demand for a in ARCHETYPES])
    kinds = rng.choice(len(ARCHETYPES), size=count, p=demand / demand.sum())
    lat, lon = sample_locations(places, rng, count)
    needs = []
    for i, a in enumerate(kinds.tolist()):
        archetype = ARCHETYPES[a]
        pool = {f"s:{c}": p for c, p in archetype.skills.items()}
        pool |= {f"p:{c}": 1.5 * p for c, p in archetype.products.items()}  # products first
        wanted = _weighted_sample(rng, pool, int(rng.choice([1, 1, 1, 2, 2, 3])))
        certs = archetype.certifications
        required = _weighted_sample(rng, certs, 1) if rng.random() < 0.25 else ()
        rest = {c: p for c, p in certs.items() if c not in required}
        preferred = (
            _weighted_sample(rng, rest, int(rng.integers(1, 3))) if rng.random() < 0.4 else ()
        )
        needs.append(
            Need(
                archetype=archetype.name,
                skills=tuple(c[2:] for c in wanted if c.startswith("s:")),
                products=tuple(c[2:] for c in wanted if c.startswith("p:")),
                quantity=int(round(math.exp(rng.uniform(math.log(500), math.log(100_000))), -2)),
                needed_by=today + timedelta(days=int(rng.integers(14, 141))),
                lat=float(lat[i]),
                lon=float(lon[i]),
                max_distance_km=(
                    None if rng.random() < 0.35 else float(round(rng.uniform(100, 800), -1))
                ),
                required_certifications=required,
                preferred_certifications=preferred,
            )
        )
    return needs
