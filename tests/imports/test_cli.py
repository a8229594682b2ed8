"""``capmatch import``: the same job in-process, a report and an error table on the console."""

from __future__ import annotations

import io
from typing import Any

import httpx
from fastapi import FastAPI
from rich.console import Console

from app.cli import build_parser
from app.imports.cli import import_file
from app.imports.schemas import ImportOptions
from tests.fixtures.assertions import day
from tests.fixtures.factories import Market
from tests.imports.conftest import csv_bytes


def test_the_command_line() -> None:
    args = build_parser().parse_args(
        [
            "import",
            "offers.csv",
            "--kind",
            "offers",
            "--partner",
            "p2t",
            "--dry-run",
            "--on-error",
            "skip",
        ]
    )
    assert (args.kind, args.partner, args.dry_run, args.on_error) == ("offers", "p2t", True, "skip")


async def run_cli(app: FastAPI, content: bytes, slug: str, **options: Any) -> tuple[int, str]:
    output = io.StringIO()
    code = await import_file(
        app.state.database,
        settings=app.state.settings,
        taxonomy=app.state.taxonomy,
        content=content,
        filename="offers.csv",
        kind="offers",
        partner_slug=slug,
        options=ImportOptions(**options),
        console=Console(file=output, width=120),
    )
    return code, output.getvalue()


async def test_cli_imports_and_prints_errors(
    app: FastAPI, client: httpx.AsyncClient, market: Market
) -> None:
    partner = (await client.get(f"/v1/partners/{market.a.id}", headers=market.a.headers)).json()
    rows = [
        ["organization_id", "title", "skills", "capacity.per_week", "available_until"],
        [market.a1.id, "Linie 1", "textile.sewing", "100", day(50)],
        [market.a1.id, "Linie 2", "textile.sewingg", "100", day(50)],
    ]
    code, output = await run_cli(app, csv_bytes(rows), partner["slug"], on_error="skip")
    assert code == 0
    assert "created 1" in output
    assert "skipped 1" in output
    assert "Errors" in output
    assert "textile.sewingg" in output
    listed = (await client.get("/v1/imports", headers=market.a.headers)).json()["data"]
    assert len(listed) == 1

    code, output = await run_cli(app, csv_bytes(rows), "no-such-partner")
    assert code == 1
    assert "no partner" in output
