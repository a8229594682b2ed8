"""The matching worker's memory: RSS before and after its index loads, on a kept database.

For memory work between full runs of ``bench/match.py`` (which seeds for minutes):
seed once with ``bench/match.py --sizes 1000000 --skip-sql --skip-http --keep-db``,
then run this as often as needed. It starts capmatch (one worker, as ``match.py``
does), creates a partner, reads the worker's RSS, sends ``--searches`` searches (the
first loads the index), and prints the RSS increase and the peak.

    /tmp/venv/bin/python bench/index_rss.py                     # from the repository root
    /tmp/venv/bin/python bench/index_rss.py --size 100000

Exit status: 0 measured, 2 could not run.
"""

from __future__ import annotations

import argparse
import secrets
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR.parent))
sys.path.insert(0, str(BENCH_DIR))

import match_seed as seed  # noqa: E402
from harness import RESULTS_DIR, BenchError, Capmatch, database_urls, read_status  # noqa: E402

FIRST_SEARCH_TIMEOUT_S = 900.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=1_000_000, help="of the kept database")
    parser.add_argument("--searches", type=int, default=20, help="after a first one")
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--database-prefix", default="capmatch_bench_match")
    parser.add_argument("--port", type=int, default=8733)
    args = parser.parse_args(argv)
    _, sqlalchemy_url = database_urls(args.server, f"{args.database_prefix}_{args.size}")
    admin_key = secrets.token_urlsafe(32)
    RESULTS_DIR.mkdir(exist_ok=True)
    server = Capmatch(args.port, sqlalchemy_url, admin_key, RESULTS_DIR / "index-rss.log")
    try:
        server.start()
        partner = server.created(
            "/v1/partners", admin_key, {"name": "RSS", "slug": f"rss-{secrets.token_hex(3)}"}
        )
        for _ in range(20):  # the same warm-up of the HTTP path as match.py
            server.call("GET", "/healthz")
        before = read_status(server.pid)["VmRSS"]
        today = datetime.now(UTC).date()
        needs = seed.generate_needs(args.searches + 1, 1, seed.load_places(), today)
        started = time.perf_counter()
        for need in needs:
            status, payload = server.call(
                "POST",
                "/v1/matches/search?limit=20",
                token=partner["api_key"],
                body=need.body(),
                timeout=FIRST_SEARCH_TIMEOUT_S,
            )
            if status != 200:
                raise BenchError(f"search: HTTP {status}: {str(payload)[:300]}")
        elapsed = time.perf_counter() - started
        after = read_status(server.pid)
    except (BenchError, OSError) as error:
        print(f"could not measure: {error!r} (seeded with --keep-db?)", file=sys.stderr)
        return 2
    finally:
        server.stop()
    print(
        f"RSS {before / 1024:.1f} -> {after['VmRSS'] / 1024:.1f} MB "
        f"(+{(after['VmRSS'] - before) / 1024:.1f} MB, peak {after['VmHWM'] / 1024:.1f} MB); "
        f"load and {len(needs)} searches {elapsed:.1f} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
