"""The query filters of ``GET /v1/organizations``."""

from __future__ import annotations

from dataclasses import dataclass

from app.geo.filters import Near


@dataclass(frozen=True, slots=True)
class OrganizationFilters:
    partner_id: str | None = None
    organization_id: str | None = None
    kind: str | None = None
    status: str | None = None
    region: str | None = None
    certification: str | None = None
    verified: bool | None = None
    q: str | None = None
    near: Near | None = None
