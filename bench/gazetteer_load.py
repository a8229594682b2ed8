"""How long ``capmatch gazetteer load DE.txt`` takes on PostgreSQL (goal: <= 5 s).

    /tmp/venv/bin/python bench/gazetteer_load.py              # from the repository root
    /tmp/venv/bin/python bench/gazetteer_load.py --sqlite     # SQLite too, same run

It drops and recreates the database ``capmatch_bench_geo`` (``--database``) on the server
(``--server``, default ``postgresql://postgres@127.0.0.1:5432``), applies the
migrations, then loads the file ``--rounds`` times (each load replaces the country's
rows, as an operator's reload would) and prints every round and the median: the
time the command reports, parsing included. The database is dropped at the end
unless ``--keep-db``. ``--sqlite`` then does the same on a fresh SQLite file in a
temporary directory, for comparison (the goal applies to PostgreSQL only).
Exit status 0 when the median meets the goal, 1 otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg

REPO_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_DIR))

from app.core.config import Settings  # noqa: E402
from app.core.db import create_database  # noqa: E402
from app.geo.gazetteer import load_files  # noqa: E402
from app.migrate import upgrade  # noqa: E402

DATABASE = "capmatch_bench_geo"
DEFAULT_FILE = REPO_DIR.parent / "shared" / "data" / "geonames" / "DE.txt"
GOAL_SECONDS = 5.0


def dsn(server: str, database: str) -> str:
    parts = urlsplit(server)
    return urlunsplit(("postgresql", parts.netloc, f"/{database}", parts.query, ""))


async def admin(server: str, statement: str) -> None:
    connection = await asyncpg.connect(dsn(server, "postgres"), timeout=10)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


async def measure(url: str, path: Path, rounds: int) -> list[tuple[int, float]]:
    database = create_database(Settings(database_url=url))
    try:
        results = []
        for _ in range(rounds):
            (result,) = await load_files(database.sessionmaker, [path])
            results.append((result.rows, result.seconds))
        return results
    finally:
        await database.engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--file", type=Path, default=DEFAULT_FILE)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database", default=DATABASE, help="dropped and recreated")
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("--sqlite", action="store_true", help="also load into a SQLite file")
    args = parser.parse_args()
    if not args.file.is_file():
        print(f"{args.file} not found (--file)", file=sys.stderr)
        return 2
    if "bench" not in args.database:
        parser.error("--database must contain 'bench' (it is dropped and recreated)")
    drop = f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)'
    asyncio.run(admin(args.server, drop))
    asyncio.run(admin(args.server, f'CREATE DATABASE "{args.database}"'))
    url = dsn(args.server, args.database).replace("postgresql://", "postgresql+asyncpg://", 1)
    try:
        upgrade(Settings(database_url=url))
        results = asyncio.run(measure(url, args.file, args.rounds))
    finally:
        if not args.keep_db:
            asyncio.run(admin(args.server, drop))
    median = report("PostgreSQL", args.file, results)
    verdict = "meets" if median <= GOAL_SECONDS else "misses"
    print(f"PostgreSQL {verdict} the goal of {GOAL_SECONDS:.0f} s")
    if args.sqlite:
        with tempfile.TemporaryDirectory() as directory:
            sqlite_url = f"sqlite+aiosqlite:///{Path(directory) / 'gazetteer.db'}"
            upgrade(Settings(database_url=sqlite_url))
            report("SQLite", args.file, asyncio.run(measure(sqlite_url, args.file, args.rounds)))
    return 0 if median <= GOAL_SECONDS else 1


def report(database: str, path: Path, results: list[tuple[int, float]]) -> float:
    """Print every round and the median; return the median."""
    for number, (rows, seconds) in enumerate(results, start=1):
        print(f"{database} round {number}: {rows} rows in {seconds:.3f} s")
    median = statistics.median(seconds for _, seconds in results)
    print(f"{database} {path.name}: median {median:.3f} s")
    return median


if __name__ == "__main__":
    raise SystemExit(main())
