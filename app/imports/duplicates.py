"""Suspected duplicate organisations: a similar normalised name at the same postal code or
within about a kilometre.

Names are compared without their legal form (GmbH, GmbH & Co. KG, AG, e.V., ...), case,
punctuation and the umlaut spelling (Müller = Mueller). Candidates are blocked by postal
code and by a grid of about 1 km cells, so a row meets only the few organisations near
it: 100k rows cost 100k small lookups, not 10^10 comparisons.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

from rapidfuzz import fuzz

from app.geo.distance import haversine_km

THRESHOLD = 0.9
NEAR_KM = 1.0
# Grid cells of 0.01 degrees (about 1.1 km north-south; less east-west), neighbours included.
CELL_DEG = 0.01

_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "æ": "ae", "ø": "oe"})
# Longest first: "gmbh & co kg" must go before "gmbh" and "kg" take it apart.
_LEGAL_FORMS = (
    "gmbh & co kgaa",
    "gmbh & co kg",
    "gmbh & co ohg",
    "ag & co kg",
    "ug haftungsbeschraenkt",
    "ug haftungsbeschrankt",
    "gesellschaft mit beschraenkter haftung",
    "aktiengesellschaft",
    "kommanditgesellschaft",
    "eingetragener verein",
    "eingetragene genossenschaft",
    "kgaa",
    "gmbh",
    "mbh",
    "ggmbh",
    "ohg",
    "gbr",
    "ek",
    "ev",
    "eg",
    "ag",
    "kg",
    "ug",
    "se",
    "ltd",
    "inc",
    "llc",
    "co",
)
_FORM_PATTERN = re.compile(
    r"\b(?:" + "|".join(re.escape(form).replace(r"\ ", r"\s*") for form in _LEGAL_FORMS) + r")\b"
)


def normalise_name(name: str) -> str:
    """``Müller Weberei GmbH & Co. KG`` -> ``mueller weberei``."""
    text = name.casefold().translate(_UMLAUTS)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(char for char in text if not unicodedata.combining(char))
    # "e.K." / "e. V." lose their points before the forms are matched.
    text = re.sub(r"(?<=\b[a-z])\.\s*(?=[a-z]\b)", "", text)
    text = re.sub(r"[^\w&\s]", " ", text)
    text = re.sub(r"\s*&\s*", " & ", text)
    text = re.sub(r"\s+", " ", text).strip()
    text = _FORM_PATTERN.sub(" ", text)
    text = text.replace("&", " ")
    return re.sub(r"\s+", " ", text).strip()


def similarity(a: str, b: str) -> float:
    """Of two normalised names, in [0, 1] (word order ignored)."""
    if not a or not b:
        return 0.0
    return fuzz.token_sort_ratio(a, b) / 100.0


@dataclass(frozen=True, slots=True)
class Known:
    """An organisation (or an earlier row of the file) a row may duplicate."""

    name: str  # normalised
    postal_code: str | None
    lat: float | None
    lon: float | None
    organization_id: str | None
    row: int | None = None


@dataclass(frozen=True, slots=True)
class Suspect:
    of: Known
    similarity: float


def _cell(lat: float, lon: float) -> tuple[int, int]:
    return (math.floor(lat / CELL_DEG), math.floor(lon / CELL_DEG))


class DuplicateIndex:
    """Known organisations, blocked by postal code and by grid cell."""

    def __init__(self, threshold: float = THRESHOLD) -> None:
        self.threshold = threshold
        self.by_postal_code: dict[str, list[Known]] = defaultdict(list)
        self.by_cell: dict[tuple[int, int], list[Known]] = defaultdict(list)

    def add(self, known: Known) -> None:
        if not known.name:
            return
        if known.postal_code:
            self.by_postal_code[known.postal_code.strip()].append(known)
        if known.lat is not None and known.lon is not None:
            self.by_cell[_cell(known.lat, known.lon)].append(known)

    def _near(self, lat: float, lon: float) -> Iterator[Known]:
        row, col = _cell(lat, lon)
        for d_row in (-1, 0, 1):
            for d_col in (-1, 0, 1):
                for known in self.by_cell.get((row + d_row, col + d_col), ()):
                    if (
                        known.lat is not None
                        and known.lon is not None
                        and haversine_km(lat, lon, known.lat, known.lon) <= NEAR_KM
                    ):
                        yield known

    def best(
        self,
        name: str,
        *,
        postal_code: str | None,
        lat: float | None,
        lon: float | None,
        exclude: str | None = None,
    ) -> Suspect | None:
        """The most similar known organisation at the same place, if similar enough."""
        if not name:
            return None
        candidates: list[Known] = []
        if postal_code:
            candidates.extend(self.by_postal_code.get(postal_code.strip(), ()))
        if lat is not None and lon is not None:
            candidates.extend(self._near(lat, lon))
        best: Suspect | None = None
        for known in candidates:
            if exclude is not None and known.organization_id == exclude:
                continue
            score = similarity(name, known.name)
            if score >= self.threshold and (best is None or score > best.similarity):
                best = Suspect(of=known, similarity=round(score, 3))
        return best
