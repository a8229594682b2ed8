"""The console in a real browser: a cluster manager's way through it (issue 16).

Sign in as the partner, see every region's shape on the map and the seeded market's
shortage figures, open a request and see its matches in the API's order, place a hold;
sign in as the maker and accept it; switch to German. Screenshots of the main views are
saved on the way (docs/console/ with CAPMATCH_SCREENSHOTS=docs/console).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from app.geo.shapes import document
from tests.console.market import MUNICH_QUANTITY, Market, seed_market
from tests.fixtures.live import Server

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def market(server: Server) -> Market:
    return seed_market(server.url, "place2tex")


def _api(server: Server, key: str, path: str, **params: Any) -> Any:
    response = httpx.get(
        f"{server.url}{path}", params=params, headers={"Authorization": f"Bearer {key}"}
    )
    assert response.status_code == 200, response.text
    return response.json()


def sign_in(page: Page, server: Server, key: str) -> None:
    page.goto(f"{server.url}/console")
    page.get_by_label("API key").fill(key)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Situation picture")


def test_a_cluster_manager_finds_a_shortage_and_the_maker_accepts_the_hold(
    page: Page, server: Server, market: Market, screenshots: Path
) -> None:
    sign_in(page, server, market.partner_key)

    # Every bundled region is drawn, coloured, reachable by keyboard and named.
    regions = page.locator("svg.map path.region")
    expect(regions).to_have_count(len(document()["features"]))
    bavaria = page.locator('path.region[data-region="DE-BY"]')
    expect(bavaria).to_have_attribute("data-shortage", str(MUNICH_QUANTITY))
    expect(bavaria).to_have_attribute("tabindex", "0")
    expect(bavaria).to_have_attribute("aria-label", "Bavaria: coverage 0%, shortage 20,000")
    # The shortages table shows the API's figures, the largest shortage first.
    figures = _api(server, market.partner_key, "/v1/analytics/supply-demand", group_by="region")
    by_region = {row["region"]: row for row in figures["data"]}
    rows = page.locator("#shortages tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0).locator("td")).to_have_text(
        ["Bavaria", "20,000", "0", "0", "0%", "20,000", "1", "0"]
    )
    bw = by_region["DE-BW"]
    expect(rows.nth(1).locator("td").nth(2)).to_have_text(f"{bw['supply']:,}")
    # Sorting by a column header: demand ascending puts Baden-Württemberg (8,000) first.
    demand = page.get_by_role("button", name="Demand")
    demand.click()
    demand.click()
    expect(page.locator("#shortages th[aria-sort]")).to_have_attribute("aria-sort", "ascending")
    expect(rows.nth(0).locator("td").first).to_have_text("Baden-Württemberg")
    page.screenshot(path=screenshots / "situation.png", full_page=True)

    # A region opens from the keyboard.
    bavaria.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Region Bavaria")
    expect(page.locator("#by-skill tbody tr").first.locator("td").nth(5)).to_have_text("20,000")
    page.screenshot(path=screenshots / "region.png", full_page=True)
    # ...and leads to its open requests: the list filtered by region and status.
    page.get_by_role("link", name="Open requests in this region").click()
    expect(page.get_by_label("Region")).to_have_value("DE-BY")
    expect(page.locator("#requests tbody tr .badge")).to_have_text(["open"])
    expect(page.locator("#requests tbody tr td").first).to_have_text("Gowns for Munich hospitals")

    # The request's matches in the API's order, with each factor and the reasons.
    page.get_by_role("link", name="Requests", exact=True).click()
    page.get_by_role("link", name="Surgical masks for Stuttgart clinics").click()
    matches = page.locator("#matches tbody tr")
    expect(matches.locator(".offer-title")).to_have_text(list(market.offer_titles))
    ranked = _api(server, market.partner_key, f"/v1/requests/{market.request_id}/matches")
    assert [match["offer"]["title"] for match in ranked["data"]] == list(market.offer_titles)
    first = matches.first
    expect(first.get_by_role("img", name="Distance: 93%")).to_be_visible()
    expect(first.locator("ul.reasons li").nth(1)).to_have_text("10 km from delivery point")
    page.screenshot(path=screenshots / "request.png", full_page=True)

    # Place a hold on the best match.
    first.get_by_role("button", name="Place hold").click()
    quantity = first.get_by_label("Quantity to hold")
    expect(quantity).to_be_focused()
    quantity.fill("6000")
    first.get_by_role("button", name="Hold", exact=True).click()
    held = page.locator("#request-engagements tbody tr")
    expect(held).to_have_count(1)
    expect(held.first.locator(".badge")).to_have_text("pending")
    expect(page.locator("dl.facts")).to_contain_text("2,000")  # still open: 8,000 - 6,000

    # The maker signs in (a fresh start: the partner's key is forgotten) and accepts.
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_label("API key")).to_be_visible()
    assert page.evaluate("() => sessionStorage.length") == 0
    sign_in(page, server, market.maker_key)
    page.get_by_role("link", name="Holds").click()
    pending = page.locator("#engagements tbody tr")
    expect(pending).to_have_count(1)
    page.screenshot(path=screenshots / "holds.png", full_page=True)
    pending.first.get_by_role("button", name="Accept").click()
    expect(pending.first.locator(".badge")).to_have_text("accepted")
    engagements = _api(server, market.maker_key, "/v1/engagements")
    assert [(item["status"], item["quantity"]) for item in engagements["data"]] == [
        ("accepted", 6000)
    ]

    # German: the page's words, numbers, and the API's texts.
    page.get_by_role("button", name="Deutsch").click()
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.get_by_role("heading", level=1)).to_have_text("Reservierungen und Aufträge")
    expect(pending.first.locator(".badge")).to_have_text("angenommen")
    page.get_by_role("link", name="Lagebild").click()
    expect(page.locator('path.region[data-region="DE-BY"]')).to_have_attribute(
        # Intl writes a no-break space before the German per cent sign.
        "aria-label",
        "Bayern: Deckung 0\u00a0%, Engpass 20.000",
    )
    page.screenshot(path=screenshots / "situation-de.png", full_page=True)
    # The API's own texts follow the page's language (Accept-Language).
    page.get_by_role("link", name="Bedarfe").click()
    page.get_by_role("link", name="Surgical masks for Stuttgart clinics").click()
    expect(page.locator("#matches tbody tr").first.locator("ul.reasons li").nth(1)).to_have_text(
        "10 km vom Lieferort entfernt"
    )
    expect(page.get_by_role("img", name="Entfernung: 93\u00a0%").first).to_be_visible()


def test_the_key_stays_out_of_addresses_and_storage_beyond_the_tab(
    page: Page, server: Server, market: Market
) -> None:
    sign_in(page, server, market.partner_key)
    page.get_by_role("link", name="Requests", exact=True).click()
    expect(page.locator("#requests tbody tr")).to_have_count(2)
    assert market.partner_key not in page.url
    assert page.evaluate("() => localStorage.getItem('capmatch.key')") is None
    assert page.evaluate("() => sessionStorage.getItem('capmatch.key')") == market.partner_key
    stored = json.dumps(page.evaluate("() => Object.assign({}, localStorage)"))
    assert market.partner_key not in stored


def test_a_wrong_key_is_refused_with_a_message(page: Page, server: Server) -> None:
    page.goto(f"{server.url}/console")
    page.get_by_label("API key").fill("cmp_not-a-key")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("This key was not accepted.")
    assert page.evaluate("() => sessionStorage.getItem('capmatch.key')") is None
