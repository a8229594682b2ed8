"""Query parameters shared by the offer and request lists."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from app.geo.schemas import RegionCode
from app.taxonomy.codes import Code

SkillQuery = Annotated[Code | None, Query(description="Covers this skill (or a narrower one)")]
ProductQuery = Annotated[Code | None, Query(description="Covers this product (or a narrower one)")]
CertificationQuery = Annotated[Code | None, Query(description="Names this certification")]
RegionQuery = Annotated[
    RegionCode | None, Query(description="ISO 3166-2 subdivision, e.g. DE-BW (any case)")
]
OrganizationQuery = Annotated[str | None, Query(max_length=40)]
TextQuery = Annotated[str | None, Query(max_length=200, description="Text in title/description")]
