"""``capmatch demo-data``: a small market written through the services, idempotent per
seed, whose every request has ranked matches through the API."""

from __future__ import annotations

import random
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.cli import main
from app.core.config import Settings
from app.core.dates import today
from app.demo.plan import plan_market
from app.demo.service import PartnerOutcome, write_market
from app.models import (
    ApiKey,
    CalendarEvent,
    CapacityRequest,
    Engagement,
    Event,
    Notice,
    Offer,
    Organization,
    Partner,
)
from app.taxonomy.loading import load_taxonomy
from tests.fixtures.database import own_database_url
from tests.fixtures.factories import bearer

COUNTED = (
    Partner,
    Organization,
    Offer,
    CapacityRequest,
    Engagement,
    ApiKey,
    Event,
    CalendarEvent,
    Notice,
)


async def make(
    session_factory: async_sessionmaker[AsyncSession], settings: Settings, seed: int
) -> list[PartnerOutcome]:
    return await write_market(
        session_factory,
        plans=plan_market(seed=seed, size="small", today=today()),
        settings=settings,
        taxonomy=load_taxonomy(),
    )


async def counts(session_factory: async_sessionmaker[AsyncSession]) -> dict[str, int]:
    async with session_factory() as session:
        return {
            model.__name__: (
                await session.execute(select(func.count()).select_from(model))
            ).scalar_one()
            for model in COUNTED
        }


async def test_a_small_market_is_made_and_a_second_run_of_the_seed_adds_nothing(
    session_factory: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    before = await counts(session_factory)
    outcomes = await make(session_factory, settings, seed=7)
    assert [outcome.created for outcome in outcomes] == [True, True, True]
    made = await counts(session_factory)
    grown = {name: made[name] - before[name] for name in made}
    assert grown["Partner"] == 3
    assert 35 <= grown["Organization"] <= 45
    assert 90 <= grown["Offer"] <= 180
    assert 30 <= grown["CapacityRequest"] <= 45
    assert grown["Engagement"] == 6
    # A webinar, a matchmaking day and a call for partners per partner.
    assert (grown["CalendarEvent"], grown["Notice"]) == (6, 3)
    # A partner key each, and an organisation key for one maker and one buyer of each.
    assert grown["ApiKey"] == 9
    # The outbox saw every write: the services were used, not bare inserts.
    assert grown["Event"] >= grown["Organization"] + grown["Offer"] + grown["CapacityRequest"]
    assert sum(len(outcome.keys) for outcome in outcomes) == 9

    again = await make(session_factory, settings, seed=7)
    assert [outcome.created for outcome in again] == [False, False, False]
    assert [outcome.id for outcome in again] == [outcome.id for outcome in outcomes]
    assert all(not outcome.keys for outcome in again)
    assert await counts(session_factory) == made


async def test_another_seed_makes_another_market(
    session_factory: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    first = await make(session_factory, settings, seed=7)
    second = await make(session_factory, settings, seed=8)
    assert all(outcome.created for outcome in second)
    assert {o.slug for o in first}.isdisjoint(o.slug for o in second)
    async with session_factory() as session:
        partners = (await session.execute(select(func.count()).select_from(Partner))).scalar_one()
    assert partners >= 6


async def test_every_request_has_ranked_matches_and_engagements_exist(
    client: httpx.AsyncClient,
    session_factory: async_sessionmaker[AsyncSession],
    settings: Settings,
) -> None:
    outcomes = await make(session_factory, settings, seed=2020)
    statuses: list[str] = []
    for outcome in outcomes:
        headers = bearer(outcome.keys[0].api_key)
        assert outcome.keys[0].kind == "partner"
        for request_id in outcome.requests:
            response = await client.get(f"/v1/requests/{request_id}/matches", headers=headers)
            assert response.status_code == 200, response.text
            matches = response.json()["data"]
            assert matches, f"request {request_id} has no match"
            scores = [match["score"] for match in matches]
            assert scores == sorted(scores, reverse=True)
            assert [match["rank"] for match in matches] == list(range(1, len(matches) + 1))
            assert all(0 < score <= 1 for score in scores)
        engagements = await client.get("/v1/engagements", headers=headers)
        assert engagements.status_code == 200, engagements.text
        statuses += [engagement["status"] for engagement in engagements.json()["data"]]
    assert len(statuses) == 6
    assert set(statuses) <= {"pending", "accepted"}
    # Every partner reads every webinar and call, and its own matchmaking day.
    calendar = await client.get("/v1/calendar-events", headers=headers)
    titles = [event["title"] for event in calendar.json()["data"]]
    assert sum(title.startswith("Webinar") for title in titles) == 3
    assert sum(title.startswith("Matchmaking") for title in titles) == 1
    notices = await client.get("/v1/notices", headers=headers)
    assert len(notices.json()["data"]) == 3
    suggested = await client.get(f"/v1/requests/{outcomes[0].requests[0]}/events", headers=headers)
    assert suggested.status_code == 200, suggested.text
    # An organisation key made by the demo works, and acts for its organisation only.
    organization_key = outcomes[0].keys[1]
    own = await client.get(
        f"/v1/organizations/{organization_key.owner_id}", headers=bearer(organization_key.api_key)
    )
    assert own.status_code == 200, own.text


def test_the_command_prints_keys_once_then_says_where_they_went(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # A seed of its own: on PostgreSQL the database outlives the test run.
    seed = str(random.randrange(10**6, 10**9))
    monkeypatch.setenv("CAPMATCH_DATABASE_URL", own_database_url(tmp_path, "demo"))
    monkeypatch.setenv("COLUMNS", "200")
    assert main(["migrate"]) == 0
    assert main(["demo-data", "--seed", seed]) == 0
    first = capsys.readouterr().out
    assert "API keys (shown once: keep them)" in first
    keys = [line.split() for line in first.splitlines() if " cmp_" in line or " cmo_" in line]
    assert [key[0] for key in keys].count("partner") == 3
    assert [key[0] for key in keys].count("organization") == 6
    assert "/matches?limit=3" in first
    assert main(["demo-data", "--seed", seed]) == 0
    second = capsys.readouterr().out
    assert "cmp_" not in second
    assert "3 partners of seed" in second
    assert "/api-keys" in second
