"""A small market seeded over HTTP, with figures a reader can check by hand.

Partner "Place2tex" with a clinic buying in Stuttgart (DE-BW) and one in Munich (DE-BY),
and three sewing shops in Baden-Württemberg at rising distance from Stuttgart (Esslingen
~10 km, Tübingen ~30 km, Ulm ~72 km), equal in everything else, so the Stuttgart request
ranks them in that order. Nobody offers anything in Bavaria: DE-BY has a shortage of
exactly the Munich request's 20,000 units and a coverage of 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx

from app.core.dates import today
from tests.fixtures import ADMIN_KEY

MUNICH_QUANTITY = 20_000
SHOPS = (
    ("Nähwerk Esslingen", {"lat": 48.7406, "lon": 9.3108}),
    ("Schneiderei Tübingen", {"lat": 48.5216, "lon": 9.0576}),
    ("Textil Ulm", {"lat": 48.4011, "lon": 9.9876}),
)


@dataclass(frozen=True)
class Market:
    partner_key: str
    maker_key: str  # the organisation key of the nearest shop
    request_id: str
    munich_request_id: str
    offer_titles: tuple[str, ...]  # nearest first


def _post(client: httpx.Client, path: str, key: str, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(path, json=body, headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def seed_market(base_url: str, slug: str) -> Market:
    needed_by = (today() + timedelta(days=28)).isoformat()
    with httpx.Client(base_url=base_url, timeout=30) as client:
        partner = _post(client, "/v1/partners", ADMIN_KEY, {"name": "Place2tex", "slug": slug})
        key = partner["api_key"]
        titles = []
        shop_ids = []
        for name, location in SHOPS:
            shop = _post(
                client,
                "/v1/organizations",
                key,
                {"name": name, "kind": "manufacturer", "location": location},
            )
            shop_ids.append(shop["id"])
            title = f"Sewing line at {name}"
            titles.append(title)
            _post(
                client,
                "/v1/offers",
                key,
                {
                    "organization_id": shop["id"],
                    "title": title,
                    "skills": ["textile.sewing"],
                    "products": ["mask.surgical"],
                    "capacity": {"per_week": 5000},
                    "lead_time_days": 2,
                    "available_until": (today() + timedelta(days=120)).isoformat(),
                    "service_radius_km": 300,
                },
            )
        clinics = {}
        for city, location in (
            ("Stuttgart", {"lat": 48.7758, "lon": 9.1829}),
            ("München", {"lat": 48.1374, "lon": 11.5755}),
        ):
            clinic = _post(
                client,
                "/v1/organizations",
                key,
                {"name": f"Klinikum {city}", "kind": "buyer", "location": location},
            )
            clinics[city] = clinic["id"]
        request = _post(
            client,
            "/v1/requests",
            key,
            {
                "organization_id": clinics["Stuttgart"],
                "title": "Surgical masks for Stuttgart clinics",
                "skills": ["textile.sewing"],
                "products": ["mask.surgical"],
                "quantity": 8000,
                "needed_by": needed_by,
                "max_distance_km": 200,
            },
        )
        munich = _post(
            client,
            "/v1/requests",
            key,
            {
                "organization_id": clinics["München"],
                "title": "Gowns for Munich hospitals",
                "skills": ["textile.sewing"],
                "quantity": MUNICH_QUANTITY,
                "needed_by": needed_by,
                "max_distance_km": 50,
            },
        )
        maker = _post(client, f"/v1/organizations/{shop_ids[0]}/api-keys", key, {})
    return Market(
        partner_key=key,
        maker_key=maker["api_key"],
        request_id=request["id"],
        munich_request_id=munich["id"],
        offer_titles=tuple(titles),
    )
