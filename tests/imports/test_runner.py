"""The import runner: a job whose runner died comes back after its lease and is finished by
another; a runner that lost its lease writes nothing. Real commits (``committed``)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.core.background import Stop
from app.imports.runner import ImportRunner, LostLease, run_imports_until_stopped
from tests.fixtures.factories import make_organization, make_partner, offer_body
from tests.imports.conftest import OFFER_COLUMNS, csv_bytes

pytestmark = pytest.mark.committed


def runner(app: FastAPI, name: str, **options: Any) -> ImportRunner:
    return ImportRunner(
        app.state.database.sessionmaker,
        taxonomy=app.state.taxonomy,
        max_rows=1000,
        name=name,
        **options,
    )


async def test_a_job_survives_its_runner(
    committed_app: FastAPI, committed_client: httpx.AsyncClient
) -> None:
    partner = await make_partner(committed_client)
    org = await make_organization(committed_client, partner)
    body = offer_body(org.id)
    content = csv_bytes(
        [
            OFFER_COLUMNS,
            ["K-1", org.id, body["title"], "textile.sewing", "100", body["available_until"]],
        ]
    )
    response = await committed_client.post(
        "/v1/imports",
        params={"kind": "offers"},
        files={"file": ("offers.csv", content, "text/csv")},
        headers=partner.headers,
    )
    assert response.status_code == 202, response.text
    job_id = response.json()["id"]

    # The first runner claims the job and dies (its lease is over at once).
    dead = runner(committed_app, "dead", lease=timedelta(seconds=-1))
    claimed = await dead.claim()
    assert claimed is not None
    assert claimed.id == job_id
    seen = await committed_client.get(f"/v1/imports/{job_id}", headers=partner.headers)
    assert seen.json()["status"] == "running"

    # Another runner (after a restart) takes it over and finishes it.
    assert await runner(committed_app, "rescuer").run_once() == job_id
    report = (await committed_client.get(f"/v1/imports/{job_id}", headers=partner.headers)).json()
    assert (report["status"], report["created"], report["rows_processed"]) == ("succeeded", 1, 1)

    # The dead runner waking up cannot write its outcome over the rescuer's.
    with pytest.raises(LostLease):
        await dead.execute(claimed)
    offers = await committed_client.get("/v1/offers", headers=partner.headers)
    assert [offer["external_ref"] for offer in offers.json()["data"]] == ["K-1"]


async def test_a_live_lease_is_not_taken(
    committed_app: FastAPI, committed_client: httpx.AsyncClient
) -> None:
    partner = await make_partner(committed_client)
    response = await committed_client.post(
        "/v1/imports",
        params={"kind": "offers"},
        content=csv_bytes([["title"], ["x"]]),
        headers={**partner.headers, "Content-Type": "text/csv"},
    )
    assert response.status_code == 202
    first = runner(committed_app, "first")
    assert await first.claim() is not None
    assert await runner(committed_app, "second").run_once() is None


async def test_the_loop_runs_queued_jobs_until_stopped(
    committed_app: FastAPI, committed_client: httpx.AsyncClient
) -> None:
    partner = await make_partner(committed_client)
    response = await committed_client.post(
        "/v1/imports",
        params={"kind": "offers"},
        content=csv_bytes([["title"], ["x"]]),
        headers={**partner.headers, "Content-Type": "text/csv"},
    )
    job_id = response.json()["id"]
    stop = Stop()
    settings = committed_app.state.settings.model_copy(update={"import_poll_s": 0.01})
    task = asyncio.create_task(
        run_imports_until_stopped(
            committed_app.state.database.sessionmaker,
            settings=settings,
            taxonomy=committed_app.state.taxonomy,
            stop=stop,
        )
    )
    try:
        for _ in range(200):  # bounded: at most 10 s
            found = await committed_client.get(f"/v1/imports/{job_id}", headers=partner.headers)
            report = found.json()
            if report["finished_at"] is not None:
                break
            await asyncio.sleep(0.05)
    finally:
        stop.set()
        await task
    assert report["status"] == "failed"  # a title alone is no offer
    assert {error["column"] for error in report["errors"]} >= {"capacity", "available_until"}
