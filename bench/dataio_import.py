"""The import half of ``bench/dataio.py``: 100k offer rows, CSV and XLSX, end to end.

For each database (PostgreSQL, then SQLite), a fresh database, capmatch under uvicorn with
its embedded import runner, one partner with ``--organizations`` member organisations
(each with an ``external_ref``), then over HTTP:

- ``POST /v1/imports?kind=offers&dry_run=true`` of the CSV, polled until done;
- the same CSV for real (``rows_processed`` followed until ``succeeded``);
- the same offers as XLSX under new references, for real.

Times run from the POST to the report. Baseline, same run (PostgreSQL): COPY of the same
rows into a scratch table of the offers' columns, the floor of any import. Goals: <= 30 s
on PostgreSQL and <= 60 s on SQLite for 100k rows; a dry run <= 15 s.
"""

from __future__ import annotations

import asyncio
import csv
import http.client
import io
import random
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import xlsxwriter
from harness import HOST, RESULTS_DIR, BenchError, Capmatch, admin, database_urls, http_call

from app.core.config import Settings
from app.migrate import upgrade

ADMIN_KEY = "bench-admin-key-0123456789abcdefghijklmnopqrstuvwxyz"
POLL_S = 0.2
SKILLS = ["textile.sewing", "textile.cutting", "textile.weaving", "metal.cnc-machining", "plastics"]
HEADER = [
    "external_ref",
    "organization_external_ref",
    "title",
    "skills",
    "capacity.per_week",
    "min_order_quantity",
    "lead_time_days",
    "available_until",
    "service_radius_km",
]
GOALS_S = {"postgresql": 30.0, "sqlite": 60.0}
DRY_RUN_GOAL_S = 15.0


def offer_rows(count: int, organizations: int, seed: int, prefix: str) -> list[list[Any]]:
    rng = random.Random(seed)
    until = date.today() + timedelta(days=120)
    return [
        [
            f"{prefix}-{i:06d}",
            f"ORG-{rng.randrange(organizations):04d}",
            f"Freie Kapazität {i}",
            "; ".join(rng.sample(SKILLS, rng.randint(1, 2))),
            rng.choice((200, 500, 1000, 5000)),
            rng.choice((1, 50, 100)),
            rng.randint(0, 21),
            until.strftime("%d.%m.%Y"),  # as a German office writes dates
            rng.choice(("", "150", "300,5")),  # decimal comma
        ]
        for i in range(count)
    ]


def csv_bytes(rows: list[list[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(HEADER)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def xlsx_bytes(rows: list[list[Any]]) -> bytes:
    with tempfile.NamedTemporaryFile(suffix=".xlsx") as file:
        workbook = xlsxwriter.Workbook(file.name, {"constant_memory": True})
        sheet = workbook.add_worksheet("offers")
        sheet.write_row(0, 0, HEADER)
        for index, row in enumerate(rows, start=1):
            sheet.write_row(index, 0, row)
        workbook.close()
        return Path(file.name).read_bytes()


def run_import(port: int, token: str, body: bytes, media_type: str, query: str) -> dict[str, Any]:
    connection = http.client.HTTPConnection(HOST, port, timeout=600)
    began = time.perf_counter()
    try:
        status, job = http_call(
            connection,
            "POST",
            f"/v1/imports?kind=offers{query}",
            token,
            body,
            headers={"Content-Type": media_type},
        )
        if status != 202:
            raise BenchError(f"POST /v1/imports: {status} {str(job)[:300]}")
        while job["status"] in ("queued", "running"):
            time.sleep(POLL_S)
            status, job = http_call(connection, "GET", f"/v1/imports/{job['id']}", token, None)
        seconds = time.perf_counter() - began
    finally:
        connection.close()
    if job["status"] != "succeeded":
        raise BenchError(f"import {job['id']} {job['status']}: {str(job['errors'])[:300]}")
    counts = {key: job[key] for key in ("rows_total", "created", "updated", "unchanged")}
    return {
        "seconds": round(seconds, 2),
        "rows_per_s": round(job["rows_total"] / seconds),
        **counts,
    }


def prepare(server: Capmatch, organizations: int) -> str:
    partner = server.created("/v1/partners", ADMIN_KEY, {"name": "Bench", "slug": "bench"})
    token: str = partner["api_key"]
    rows = [
        [
            f"ORG-{i:04d}",
            f"Textilwerk {i} GmbH",
            "manufacturer",
            48.0 + i % 50 / 20,
            9.0 + i % 37 / 20,
        ]
        for i in range(organizations)
    ]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["external_ref", "name", "kind", "location.lat", "location.lon"])
    writer.writerows(rows)
    connection = http.client.HTTPConnection(HOST, server.port, timeout=600)
    try:
        status, job = http_call(
            connection,
            "POST",
            "/v1/imports?kind=organizations&on_duplicate=warn",
            token,
            buffer.getvalue().encode(),
            headers={"Content-Type": "text/csv"},
        )
        while status == 202 or job["status"] in ("queued", "running"):
            time.sleep(POLL_S)
            status, job = http_call(connection, "GET", f"/v1/imports/{job['id']}", token, None)
    finally:
        connection.close()
    if job["status"] != "succeeded" or job["created"] != organizations:
        raise BenchError(f"organisations not imported: {str(job)[:300]}")
    return token


async def copy_floor(dsn: str, rows: list[list[Any]]) -> dict[str, Any]:
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute(
            "CREATE TEMP TABLE offers_floor (external_ref text, organization_ref text, "
            "title text, skills text[], per_week int, moq int, lead int, until date, "
            "radius float8)"
        )
        records = [
            (
                row[0],
                row[1],
                row[2],
                row[3].split("; "),
                row[4],
                row[5],
                row[6],
                date.today() + timedelta(days=120),
                float(row[8].replace(",", ".")) if row[8] else None,
            )
            for row in rows
        ]
        began = time.perf_counter()
        await connection.copy_records_to_table("offers_floor", records=records)
        seconds = time.perf_counter() - began
    finally:
        await connection.close()
    return {"seconds": round(seconds, 2), "rows_per_s": round(len(rows) / seconds)}


def run_one(args: Any, dialect: str) -> dict[str, Any]:
    database = f"{args.database}_import"
    if dialect == "postgresql":
        dsn, url = database_urls(args.server, database)
        asyncio.run(admin(args.server, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        asyncio.run(admin(args.server, f'CREATE DATABASE "{database}"'))
    else:
        directory = tempfile.mkdtemp(prefix="capmatch-bench-import-")
        dsn, url = "", f"sqlite+aiosqlite:///{directory}/capmatch.db"
    result: dict[str, Any] = {}
    try:
        upgrade(Settings(database_url=url))
        server = Capmatch(args.port, url, ADMIN_KEY, RESULTS_DIR / f"dataio-import-{dialect}.log")
        server.start()
        try:
            token = prepare(server, args.organizations)
            rows = offer_rows(args.rows, args.organizations, args.seed, "CSV")
            body = csv_bytes(rows)
            print(f"[dataio] {dialect}: dry run of {args.rows:,} CSV rows ...", flush=True)
            result["csv_dry_run"] = run_import(args.port, token, body, "text/csv", "&dry_run=true")
            print(f"[dataio] {dialect}: CSV import ...", flush=True)
            result["csv"] = run_import(args.port, token, body, "text/csv", "")
            print(f"[dataio] {dialect}: the same CSV again (all unchanged) ...", flush=True)
            result["csv_again"] = run_import(args.port, token, body, "text/csv", "")
            xlsx_rows = offer_rows(args.rows, args.organizations, args.seed + 1, "XLSX")
            print(f"[dataio] {dialect}: XLSX import ...", flush=True)
            result["xlsx"] = run_import(
                args.port,
                token,
                xlsx_bytes(xlsx_rows),
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "",
            )
        finally:
            server.stop()
        if dialect == "postgresql":
            result["copy_floor"] = asyncio.run(copy_floor(dsn, rows))
    finally:
        if dialect == "postgresql" and not args.keep_db:
            asyncio.run(admin(args.server, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
    return result


def run(args: Any) -> dict[str, Any]:
    return {dialect: run_one(args, dialect) for dialect in ("postgresql", "sqlite")}


def report(result: dict[str, Any]) -> list[tuple[str, bool]]:
    print("\n=== import: offers ===")
    print(f"{'database / run':40} {'rows':>8} {'s':>8} {'rows/s':>9} {'created':>8} {'unch.':>8}")
    goals: list[tuple[str, bool]] = []
    for dialect, runs in result.items():
        for name in ("csv_dry_run", "csv", "csv_again", "xlsx"):
            row = runs[name]
            print(
                f"{dialect + ' ' + name:40} {row['rows_total']:>8,} {row['seconds']:>8} "
                f"{row['rows_per_s']:>9,} {row['created']:>8,} {row['unchanged']:>8,}"
            )
        if "copy_floor" in runs:
            floor = runs["copy_floor"]
            figures = f"{floor['seconds']:>8} {floor['rows_per_s']:>9,}"
            print(f"{'postgresql COPY floor':40} {'':>8} {figures}")
        limit = GOALS_S[dialect]
        goals.append((f"{dialect}: CSV import <= {limit:.0f} s", runs["csv"]["seconds"] <= limit))
        goals.append((f"{dialect}: XLSX import <= {limit:.0f} s", runs["xlsx"]["seconds"] <= limit))
    dry = result["postgresql"]["csv_dry_run"]["seconds"]
    goals.append((f"postgresql: dry run <= {DRY_RUN_GOAL_S:.0f} s", dry <= DRY_RUN_GOAL_S))
    return goals
