"""The console's operator views in a real browser: webhook endpoints with their secret
shown once, a test ping and the delivery log; an import that must pass a dry run before
it may run, with the validation report naming row and column."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from app.core.dates import today
from tests.console.market import seed_market
from tests.console.test_scenario import sign_in
from tests.fixtures.live import Server

pytestmark = pytest.mark.browser

# Nothing listens on the discard port: every delivery attempt fails with an error to show.
DEAD_RECEIVER = "http://127.0.0.1:9/hooks"


def test_a_webhook_endpoint_its_secret_once_a_ping_and_the_delivery_log(
    page: Page, server: Server, screenshots: Path
) -> None:
    market = seed_market(server.url, "webhooks-portal")
    sign_in(page, server, market.partner_key)
    page.get_by_role("link", name="Webhooks").click()
    page.get_by_label("URL (https)").fill(DEAD_RECEIVER)
    page.get_by_label("Event types").fill("offer.*, match.found")
    page.get_by_role("button", name="Add endpoint").click()
    expect(page.locator("#webhook-secret")).to_have_text(re.compile(r"^whsec_\S+$"))
    endpoints = page.locator("#endpoints tbody tr")
    expect(endpoints).to_have_count(1)
    expect(endpoints.first.locator("td").nth(1)).to_have_text("offer.*, match.found")

    endpoints.first.get_by_role("button", name="Send test").click()
    expect(page.get_by_role("status")).to_have_text("Test event sent to the queue.")
    endpoints.first.get_by_role("link", name="Delivery log").click()
    deliveries = page.locator("#deliveries tbody tr")
    expect(deliveries.first.locator("td").nth(1)).to_have_text("ping")
    page.screenshot(path=screenshots / "deliveries.png", full_page=True)
    # Leaving the page keeps the secret nowhere: the list shows no secret any more.
    page.get_by_role("link", name="All endpoints").click()
    expect(page.locator("#webhook-secret")).to_have_count(0)


def _offer_rows(organization_id: str, *, per_week: str) -> bytes:
    until = (today() + timedelta(days=90)).isoformat()
    return (
        "Titel;Fähigkeiten;Kapazität pro Woche;Verfügbar bis;Organisation-ID;Referenz\n"
        f"Zuschnitt frei;textile.cutting;1200;{until};{organization_id};cut-1\n"
        f"Nähen frei;textile.sewing;{per_week};{until};{organization_id};sew-1\n"
    ).encode()


def test_an_import_runs_only_after_its_dry_run_passed(
    page: Page, server: Server, screenshots: Path
) -> None:
    market = seed_market(server.url, "import-portal")
    with httpx.Client(base_url=server.url) as client:
        members = client.get(
            "/v1/organizations",
            params={"kind": "manufacturer"},
            headers={"Authorization": f"Bearer {market.partner_key}"},
        ).json()["data"]
    shop = members[0]["id"]
    sign_in(page, server, market.partner_key)
    page.get_by_role("link", name="Import").click()
    run = page.get_by_role("button", name="Import", exact=True)
    expect(run).to_be_disabled()

    # A bad cell: the dry run reports it by row and column, and the import stays closed.
    page.get_by_label("CSV or XLSX file").set_input_files(
        {
            "name": "angebote.csv",
            "mimeType": "text/csv",
            "buffer": _offer_rows(shop, per_week="viel"),
        }
    )
    page.get_by_role("button", name="Check file (dry run)").click()
    errors = page.locator("#import-errors tbody tr")
    expect(errors).to_have_count(1)
    expect(errors.first.locator("td").nth(0)).to_have_text("3")
    expect(errors.first.locator("td").nth(1)).to_have_text("Kapazität pro Woche")
    expect(run).to_be_disabled()
    page.screenshot(path=screenshots / "import.png", full_page=True)

    # The corrected file passes its dry run, which writes nothing; then it imports.
    page.get_by_label("CSV or XLSX file").set_input_files(
        {
            "name": "angebote.csv",
            "mimeType": "text/csv",
            "buffer": _offer_rows(shop, per_week="800"),
        }
    )
    expect(run).to_be_disabled()
    page.get_by_role("button", name="Check file (dry run)").click()
    expect(page.locator("#import-counts")).to_have_text(
        "2 rows: 2 new, 0 updated, 0 unchanged, 0 skipped"
    )
    expect(page.locator("#import-report")).to_contain_text("Dry run: nothing was written.")
    expect(run).to_be_enabled()
    run.click()
    expect(page.locator("#import-report")).to_contain_text("Import finished.")
    expect(page.locator("#import-counts")).to_have_text(
        "2 rows: 2 new, 0 updated, 0 unchanged, 0 skipped"
    )
    expect(run).to_be_disabled()
    with httpx.Client(base_url=server.url) as client:
        offers = client.get(
            "/v1/offers",
            params={"organization_id": shop},
            headers={"Authorization": f"Bearer {market.partner_key}"},
        ).json()["data"]
    assert sorted(offer["external_ref"] for offer in offers if offer["external_ref"]) == [
        "cut-1",
        "sew-1",
    ]
    expect(page.locator("#import-history tbody tr")).to_have_count(3)
