"""Single-row read and write of offers: capmatch against bare FastAPI + asyncpg.

One command, one run: it recreates a throwaway PostgreSQL database, applies
capmatch's migrations, creates a partner and an organisation over the API,
bulk-loads offers, starts capmatch and ``bench/bare_app.py`` under identical
uvicorn settings on 127.0.0.1, and loads both with ``wrk`` (``bench/offers.lua``):

- read:  ``GET /v1/offers/{random id}`` with a partner key  vs  ``GET /offers/{random id}``
- write: ``POST /v1/offers`` with a partner key             vs  ``POST /offers``

It prints requests/s, p50/p95/p99, error counts and the server's CPU time per
request of the four measurements, the capmatch/bare ratios and whether the goals
hold (read >= 0.60, write >= 0.50), and writes everything to ``bench/results/``.
``--profile`` adds a py-spy pass over capmatch (not part of the figures);
``bench/request_cost.py`` breaks capmatch's CPU per request down by function.

    /tmp/venv/bin/python bench/api_read_write.py            # from the repository root

Exit status: 0 goals met, 1 a goal missed, 2 the benchmark could not run.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.metadata
import json
import os
import random
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

import asyncpg
import harness
from bare_app import COLUMNS as OFFER_COLUMNS  # the seed fills what the bare app inserts
from harness import (
    BENCH_DIR,
    HOST,
    REPO_DIR,
    RESULTS_DIR,
    UNREFUSED_LIMITS,
    BenchError,
    code_version,
    database_urls,
    port_free,
    session_cpu_seconds,
    stop_session,
)

from app.core.config import Settings
from app.core.ids import new_id
from app.taxonomy.codes import search_terms

LUA_SCRIPT = BENCH_DIR / "offers.lua"
GOALS = {"read": 0.60, "write": 0.50}
READY_TIMEOUT_S = 60.0
HTTP_TIMEOUT_S = 10.0

SKILLS = (
    "textile.sewing",
    "textile.cutting",
    "textile.knitting",
    "metal.cnc-machining",
    "plastics.injection-moulding",
    "electronics.assembly",
)
PRODUCTS = ("mask.surgical", "mask.ffp2", "gown.isolation", "disinfectant.hand")
HELD_CERTIFICATIONS = ("en-14683", "iso-13485")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument(
        "--server", default="postgresql://postgres@127.0.0.1:5432", help="PostgreSQL server URL"
    )
    parser.add_argument(
        "--database", default="capmatch_bench", help="throwaway database (dropped and recreated)"
    )
    parser.add_argument("--offers", type=int, default=100_000, help="offers to seed")
    parser.add_argument("--duration", type=int, default=15, help="seconds per measurement")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of warm-up per workload")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--rounds", type=int, default=3, help="measurement rounds (medians kept)")
    parser.add_argument("--wrk-timeout", type=int, default=10, help="wrk per-request timeout, s")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn workers (both apps)")
    parser.add_argument("--loop", default="uvloop", help="uvicorn --loop (both apps)")
    parser.add_argument("--http", default="httptools", help="uvicorn --http (both apps)")
    parser.add_argument(
        "--capmatch-target",
        default="app.main:app",
        help="uvicorn factory of the capmatch under test (bench.floor_app:create_app: no "
        "database work, the stack's ceiling)",
    )
    parser.add_argument("--capmatch-port", type=int, default=8711)
    parser.add_argument("--bare-port", type=int, default=8712)
    parser.add_argument(
        "--log-level", default="INFO", help="CAPMATCH_LOG_LEVEL of the server under test"
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="after measuring, sample capmatch with py-spy under read and write load",
    )
    parser.add_argument("--keep-db", action="store_true", help="do not drop the database at exit")
    args = parser.parse_args(argv)
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", args.database) or "bench" not in args.database:
        parser.error("--database must be a plain lower-case name containing 'bench'")
    if min(args.offers, args.duration, args.connections, args.threads, args.rounds) < 1:
        parser.error("--offers, --duration, --connections, --threads, --rounds must be >= 1")
    if args.threads > args.connections:
        parser.error("--threads must not exceed --connections")
    return args


# --- database ----------------------------------------------------------------------


async def recreate_database(server: str, database: str) -> None:
    admin_dsn, _ = database_urls(server, "postgres")
    connection = await asyncpg.connect(admin_dsn, timeout=10)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        await connection.execute(f'CREATE DATABASE "{database}"')
    finally:
        await connection.close()


async def drop_database(server: str, database: str) -> None:
    admin_dsn, _ = database_urls(server, "postgres")
    connection = await asyncpg.connect(admin_dsn, timeout=10)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    finally:
        await connection.close()


def offer_rows(
    count: int, *, partner_id: str, organization_id: str, rng: random.Random
) -> list[tuple[Any, ...]]:
    """Valid offers as capmatch would store them (search_codes, version 1, UTC timestamps)."""
    today = datetime.now(UTC).date()
    now = datetime.now(UTC)
    rows = []
    for _ in range(count):
        skills = rng.sample(SKILLS, rng.randint(1, 2))
        products = rng.sample(PRODUCTS, rng.randint(0, 2))
        certifications = rng.sample(HELD_CERTIFICATIONS, rng.randint(0, 2))
        available_from = today + timedelta(days=rng.randint(-30, 30))
        created_at = now - timedelta(seconds=rng.randint(0, 90 * 86_400))
        # Drawn in the order the row lists them, so the data is what it always was.
        per_week = rng.choice((500, 1_000, 5_000, 20_000))
        min_order_quantity = rng.choice((1, 100, 500))
        lead_time_days = rng.randint(0, 21)
        available_until = available_from + timedelta(days=rng.randint(30, 365))
        # No explicit total: per week over the window, both ends inclusive (as capmatch).
        total = per_week * ((available_until - available_from).days + 1) // 7
        rows.append(
            (
                new_id("off"),
                partner_id,
                organization_id,
                f"Free {skills[0].split('.')[-1].replace('_', ' ')} capacity",
                "Seeded by bench/api_read_write.py",
                skills,
                products,
                certifications,
                search_terms(
                    [("skill", skills), ("product", products), ("certification", certifications)]
                ),
                "pieces",
                per_week,
                None,
                min_order_quantity,
                lead_time_days,
                available_from,
                available_until,
                round(rng.uniform(47.3, 55.0), 4),
                round(rng.uniform(6.0, 15.0), 4),
                None,
                rng.choice((None, 100.0, 300.0, 800.0)),
                rng.choice(("shared", "shared", "network")),
                rng.choice(("active", "active", "active", "paused")),
                total,
                0,
                None,
                created_at,
                created_at,
                1,
            )
        )
    return rows


async def bulk_load_offers(dsn: str, rows: list[tuple[Any, ...]]) -> None:
    connection = await asyncpg.connect(dsn, timeout=10)
    try:
        await connection.copy_records_to_table("offers", records=rows, columns=OFFER_COLUMNS)
        await connection.execute("VACUUM ANALYZE offers")
    finally:
        await connection.close()


# --- HTTP and servers --------------------------------------------------------------


def _local(url: str) -> str:
    """Only ever talk HTTP to the servers this script started on 127.0.0.1."""
    parts = urlsplit(url)
    if parts.scheme != "http" or parts.hostname != HOST:
        raise BenchError(f"refusing to call {url}: only http://{HOST} targets are allowed")
    return url


def http_json(
    method: str, url: str, *, token: str | None = None, body: Any = None
) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(_local(url), data=data, method=method)  # noqa: S310
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if token is not None:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_S) as response:  # noqa: S310
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")


def expect(status: int, payload: Any, wanted: int, what: str) -> Any:
    if status != wanted:
        raise BenchError(f"{what}: expected HTTP {wanted}, got {status}: {payload}")
    return payload


class Server:
    """A uvicorn process in its own session, so stopping it stops all its workers."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], port: int) -> None:
        self.name, self.argv, self.env, self.port = name, argv, env, port
        self.log_path = RESULTS_DIR / f"{name}.log"
        self.process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self) -> None:
        if not port_free(self.port):
            raise BenchError(f"port {self.port} on {HOST} is already in use ({self.name})")
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            self.argv,
            cwd=REPO_DIR,
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self, path: str) -> None:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                raise BenchError(f"{self.name} exited early; see {self.log_path}")
            try:
                url = _local(self.base_url + path)
                with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.2)
        raise BenchError(
            f"{self.name} not ready after {READY_TIMEOUT_S:.0f} s; see {self.log_path}"
        )

    def stop(self) -> None:
        stop_session(self.process)
        if self._log is not None:
            self._log.close()
            self._log = None


def uvicorn_argv(args: argparse.Namespace, *, app_dir: Path, target: str, port: int) -> list[str]:
    """The one uvicorn command line both apps run with; only the app and port differ."""
    return [
        sys.executable,
        "-m",
        "uvicorn",
        target,
        "--factory",
        "--app-dir",
        str(app_dir),
        "--host",
        HOST,
        "--port",
        str(port),
        "--workers",
        str(args.workers),
        "--loop",
        args.loop,
        "--http",
        args.http,
        "--no-access-log",
        "--log-level",
        "warning",
    ]


# --- load --------------------------------------------------------------------------


@dataclass(frozen=True)
class Measurement:
    target: str
    operation: str
    round: int
    requests: int
    duration_s: float
    requests_per_s: float
    mean_ms: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    socket_errors: int
    non_2xx: int
    server_cpu_ms_per_request: float
    machine_busy_pct: float


@dataclass(frozen=True)
class Workload:
    target: str
    operation: str
    server: Server
    lua_args: tuple[str, ...]

    @property
    def url(self) -> str:
        return self.server.base_url


def machine_cpu() -> tuple[int, int]:
    """(busy, total) jiffies over all CPUs since boot: how loaded the box was, wrk and PG too."""
    values = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    total = sum(values[:8])
    return total - idle, total


def run_wrk(
    workload: Workload, args: argparse.Namespace, *, duration: int, round_number: int
) -> Measurement:
    command = [
        "wrk",
        f"--threads={args.threads}",
        f"--connections={args.connections}",
        f"--duration={duration}s",
        f"--timeout={args.wrk_timeout}s",
        "--script",
        str(LUA_SCRIPT),
        workload.url,
        "--",
        *workload.lua_args,
    ]
    assert workload.server.process is not None
    server_session = workload.server.process.pid
    cpu_before, (busy_before, total_before) = session_cpu_seconds(server_session), machine_cpu()
    try:
        completed = subprocess.run(
            command, capture_output=True, text=True, timeout=duration + args.wrk_timeout + 30
        )
    except subprocess.TimeoutExpired as error:
        raise BenchError(f"wrk did not finish: {' '.join(command)}") from error
    match = re.search(r"^WRK_RESULT (.*)$", completed.stdout, re.MULTILINE)
    if completed.returncode != 0 or match is None:
        raise BenchError(f"wrk failed ({completed.returncode}): {completed.stderr.strip()}")
    server_cpu = session_cpu_seconds(server_session) - cpu_before
    busy_after, total_after = machine_cpu()
    fields = {key: float(value) for key, value in re.findall(r"(\w+)=([\d.]+)", match.group(1))}
    duration_s = fields["duration_us"] / 1e6
    requests = max(int(fields["requests"]), 1)
    return Measurement(
        target=workload.target,
        operation=workload.operation,
        round=round_number,
        requests=int(fields["requests"]),
        duration_s=round(duration_s, 3),
        requests_per_s=round(fields["requests"] / duration_s, 1),
        mean_ms=round(fields["mean_us"] / 1000, 2),
        p50_ms=round(fields["p50_us"] / 1000, 2),
        p95_ms=round(fields["p95_us"] / 1000, 2),
        p99_ms=round(fields["p99_us"] / 1000, 2),
        max_ms=round(fields["max_us"] / 1000, 2),
        socket_errors=int(fields["connect"] + fields["read"] + fields["write"] + fields["timeout"]),
        non_2xx=int(fields["status"]),
        server_cpu_ms_per_request=round(1000 * server_cpu / requests, 3),
        machine_busy_pct=round(
            100 * (busy_after - busy_before) / max(total_after - total_before, 1), 1
        ),
    )


@dataclass(frozen=True)
class Summary:
    """Medians over the rounds of one workload; errors are summed."""

    target: str
    operation: str
    round: str
    requests_per_s: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    server_cpu_ms_per_request: float
    machine_busy_pct: float
    socket_errors: int
    non_2xx: int


def summarise(results: list[Measurement], target: str, operation: str) -> Summary:
    runs = [m for m in results if (m.target, m.operation) == (target, operation)]

    def median(field: str) -> float:
        return round(statistics.median(getattr(m, field) for m in runs), 3)

    return Summary(
        target=target,
        operation=operation,
        round=f"median/{len(runs)}",
        requests_per_s=median("requests_per_s"),
        p50_ms=median("p50_ms"),
        p95_ms=median("p95_ms"),
        p99_ms=median("p99_ms"),
        server_cpu_ms_per_request=median("server_cpu_ms_per_request"),
        machine_busy_pct=median("machine_busy_pct"),
        socket_errors=sum(m.socket_errors for m in runs),
        non_2xx=sum(m.non_2xx for m in runs),
    )


def round_ratios(results: list[Measurement], operation: str) -> list[float]:
    """capmatch/bare throughput per round: each pair ran back to back, under the same load."""
    rounds: dict[int, dict[str, float]] = {}
    for m in results:
        if m.operation == operation:
            rounds.setdefault(m.round, {})[m.target] = m.requests_per_s
    return [pair["capmatch"] / pair["bare"] for _, pair in sorted(rounds.items())]


# --- profiling ---------------------------------------------------------------------


def profile_capmatch(
    server: Server, workload: Workload, args: argparse.Namespace, stamp: str
) -> dict[str, Any]:
    """Sample capmatch with py-spy while wrk loads it; summarise the collapsed stacks."""
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(py_spy).exists():
        raise BenchError("--profile needs py-spy: /tmp/venv/bin/pip install py-spy")
    assert server.process is not None
    raw = RESULTS_DIR / f"profile-{workload.operation}-{stamp}.txt"
    duration = args.duration
    command = [py_spy, "record", "--pid", str(server.process.pid), "--rate", "250"]
    command += ["--duration", str(duration), "--nonblocking", "--format", "raw"]
    command += ["--output", str(raw)]
    if args.workers > 1:
        command.append("--subprocesses")
    recorder = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    run_wrk(workload, args, duration=duration, round_number=0)
    recorder.wait(timeout=duration + 60)
    if not raw.exists():
        raise BenchError(f"py-spy wrote no profile; run it by hand: {' '.join(command)}")
    return summarise_stacks(raw) | {"collapsed_stacks": str(raw)}


def _frame_name(frame: str) -> str:
    # py-spy raw frames read "function (path/to/file.py:line)"; keep function and short path.
    match = re.match(r"(.*) \((.*?)(?::\d+)?\)$", frame)
    if match is None:
        return frame
    function, path = match.groups()
    for marker in ("site-packages/", f"{REPO_DIR}/", "lib/python3"):
        if marker in path:
            path = path.split(marker, 1)[1]
    return f"{function} ({path})"


def summarise_stacks(raw: Path, top: int = 25) -> dict[str, Any]:
    """Shares of on-CPU samples: capmatch's own functions (inclusive) and hottest leaves (self).

    SQLAlchemy runs its sync core in greenlets, which py-spy reports as separate stacks
    without the awaiting caller; their share is reported as ``detached_pct``. Leaf
    ("self") samples at asyncpg awaits are partly event-loop work py-spy cannot see.
    """
    self_samples: Counter[str] = Counter()
    project: Counter[str] = Counter()
    total = detached = 0
    for line in raw.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [_frame_name(frame) for frame in stack.split(";")]
        total += count
        if not frames[0].startswith("_run_module_as_main"):
            detached += count
        self_samples[frames[-1]] += count
        for frame in set(frames):
            if " (app/" in frame:
                project[frame] += count
    if total == 0:
        return {"samples": 0, "detached_pct": 0.0, "self": [], "inclusive": []}

    def share(counter: Counter[str]) -> list[tuple[str, float]]:
        return [(name, round(100 * n / total, 1)) for name, n in counter.most_common(top)]

    return {
        "samples": total,
        "detached_pct": round(100 * detached / total, 1),
        "inclusive": share(project),
        "self": share(self_samples),
    }


# --- report ------------------------------------------------------------------------


def machine_info(pg_version: str) -> dict[str, Any]:
    versions = {
        name: importlib.metadata.version(name)
        for name in ("fastapi", "starlette", "uvicorn", "sqlalchemy", "asyncpg", "pydantic")
    }
    wrk_version = subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout
    return {
        **harness.machine_info(pg_version),
        "wrk": wrk_version.split("[")[0].strip(),
        **versions,
    }


def print_table(rows: list[Measurement] | list[Summary]) -> None:
    header = (
        f"{'measurement':<16}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
        f"{'cpu ms/req':>12}{'box busy':>10}{'sock err':>10}{'non-2xx':>9}{'round':>10}"
    )
    print("\n" + header)
    print("-" * len(header))
    for m in rows:
        name = f"{m.target} {m.operation}"
        print(
            f"{name:<16}{m.requests_per_s:>9.1f}{m.p50_ms:>9.2f}{m.p95_ms:>9.2f}{m.p99_ms:>9.2f}"
            f"{m.server_cpu_ms_per_request:>12.3f}{m.machine_busy_pct:>9.0f}%"
            f"{m.socket_errors:>10}{m.non_2xx:>9}{m.round!s:>10}"
        )


def print_ratios(ratios: dict[str, list[float]]) -> None:
    print("\ncpu ms/req: CPU time of the server process(es) per request; box busy: all cores")
    for operation, per_round in ratios.items():
        ratio = statistics.median(per_round)
        goal = GOALS[operation]
        verdict = "met" if ratio >= goal else "MISSED"
        rounds = ", ".join(f"{value:.3f}" for value in per_round)
        print(
            f"{operation:<6} capmatch/bare = {ratio:.3f} (rounds: {rounds})   "
            f"goal >= {goal:.2f}: {verdict}"
        )


# --- main --------------------------------------------------------------------------


def build_bodies(organization_id: str, partner_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    today = datetime.now(UTC).date()
    capmatch_body = {
        "organization_id": organization_id,
        "title": "Free sewing line, 2 shifts",
        "skills": ["textile.sewing", "textile.cutting"],
        "products": ["mask.surgical"],
        "certifications": ["en-14683"],
        "capacity": {"unit": "pieces", "per_week": 5000},
        "min_order_quantity": 500,
        "lead_time_days": 7,
        "available_from": (today + timedelta(days=1)).isoformat(),
        "available_until": (today + timedelta(days=120)).isoformat(),
        "location": {"lat": 48.4931, "lon": 9.2125},
        "service_radius_km": 300,
        "visibility": "shared",
        "status": "active",
    }
    # The bare app has no key to learn the partner from, so the body names it.
    return capmatch_body, capmatch_body | {"partner_id": partner_id}


def seed_over_api(capmatch: Server, admin_key: str) -> tuple[str, str, str]:
    """(partner id, partner key, organisation id), created the way a client would."""
    partner = expect(
        *http_json(
            "POST",
            f"{capmatch.base_url}/v1/partners",
            token=admin_key,
            body={"name": "Bench Portal", "slug": "bench-portal"},
        ),
        201,
        "create partner",
    )
    valid_until = (datetime.now(UTC).date() + timedelta(days=730)).isoformat()
    organization = expect(
        *http_json(
            "POST",
            f"{capmatch.base_url}/v1/organizations",
            token=partner["api_key"],
            body={
                "name": "Bench Weberei GmbH",
                "kind": "manufacturer",
                "location": {"lat": 48.4931, "lon": 9.2125},
                "address": {"postal_code": "72764", "city": "Reutlingen", "country": "DE"},
                "certifications": [
                    {"code": code, "valid_until": valid_until} for code in HELD_CERTIFICATIONS
                ],
            },
        ),
        201,
        "create organisation",
    )
    return partner["id"], partner["api_key"], organization["id"]


def smoke_test(workloads: list[Workload], sample_id: str, bodies: dict[str, Path]) -> None:
    """One request per workload, checked, before any load: a benchmark of 4xx is worthless."""
    for workload in workloads:
        token = workload.lua_args[3] if workload.lua_args[3] != "-" else None
        path = workload.lua_args[2]
        if workload.operation == "read":
            status, payload = http_json("GET", workload.url + path + sample_id, token=token)
            expect(status, payload, 200, f"{workload.target} read")
            if payload.get("id") != sample_id:
                raise BenchError(f"{workload.target} read returned another offer: {payload}")
        else:
            body = json.loads(bodies[workload.target].read_text())
            expect(*http_json("POST", workload.url + path, token=token, body=body), 201, "write")


def run(args: argparse.Namespace) -> int:
    if shutil.which("wrk") is None:
        raise BenchError("wrk is not installed: apt-get update && apt-get install -y wrk")
    RESULTS_DIR.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    dsn, sqlalchemy_url = database_urls(args.server, args.database)
    admin_key = secrets.token_urlsafe(32)
    capmatch_env = os.environ | {
        "CAPMATCH_DATABASE_URL": sqlalchemy_url,
        "CAPMATCH_ADMIN_API_KEY": admin_key,
        "CAPMATCH_ENVIRONMENT": "production",
        "CAPMATCH_LOG_LEVEL": args.log_level,
        **UNREFUSED_LIMITS,  # the limiter counts every request, as in production
    }
    settings = Settings(database_url=sqlalchemy_url)
    bare_env = os.environ | {
        "BARE_DATABASE_URL": dsn,
        # The same connection budget as capmatch's SQLAlchemy pool.
        "BARE_POOL_MIN": str(settings.db_pool_size),
        "BARE_POOL_MAX": str(settings.db_pool_size + settings.db_max_overflow),
    }
    capmatch = Server(
        "capmatch",
        uvicorn_argv(args, app_dir=REPO_DIR, target=args.capmatch_target, port=args.capmatch_port),
        capmatch_env,
        args.capmatch_port,
    )
    bare = Server(
        "bare",
        uvicorn_argv(args, app_dir=BENCH_DIR, target="bare_app:create_app", port=args.bare_port),
        bare_env,
        args.bare_port,
    )
    started = time.monotonic()
    try:
        print(f"recreating database {args.database} and migrating ...", flush=True)
        asyncio.run(recreate_database(args.server, args.database))
        subprocess.run(
            [sys.executable, "-m", "app.cli", "migrate"],
            cwd=REPO_DIR,
            env=capmatch_env,
            check=True,
            timeout=180,
            stdout=subprocess.DEVNULL,
        )
        capmatch.start()
        capmatch.wait_ready("/readyz")
        partner_id, partner_key, organization_id = seed_over_api(capmatch, admin_key)
        print(f"seeding {args.offers} offers ...", flush=True)
        rows = offer_rows(
            args.offers,
            partner_id=partner_id,
            organization_id=organization_id,
            rng=random.Random(20261120),
        )
        asyncio.run(bulk_load_offers(dsn, rows))
        ids_file = RESULTS_DIR / "offer_ids.txt"
        ids_file.write_text("\n".join(row[0] for row in rows) + "\n")
        capmatch_body, bare_body = build_bodies(organization_id, partner_id)
        bodies = {
            "capmatch": RESULTS_DIR / "body-capmatch.json",
            "bare": RESULTS_DIR / "body-bare.json",
        }
        bodies["capmatch"].write_text(json.dumps(capmatch_body))
        bodies["bare"].write_text(json.dumps(bare_body))
        bare.start()
        bare.wait_ready("/healthz")

        workloads = {
            ("capmatch", "read"): Workload(
                "capmatch",
                "read",
                capmatch,
                ("read", str(ids_file), "/v1/offers/", partner_key),
            ),
            ("bare", "read"): Workload(
                "bare", "read", bare, ("read", str(ids_file), "/offers/", "-")
            ),
            ("capmatch", "write"): Workload(
                "capmatch",
                "write",
                capmatch,
                ("write", str(bodies["capmatch"]), "/v1/offers", partner_key),
            ),
            ("bare", "write"): Workload(
                "bare", "write", bare, ("write", str(bodies["bare"]), "/offers", "-")
            ),
        }
        smoke_test(list(workloads.values()), rows[len(rows) // 2][0], bodies)

        if args.warmup > 0:
            print(f"warming up ({args.warmup} s per workload) ...", flush=True)
            for workload in workloads.values():
                run_wrk(workload, args, duration=args.warmup, round_number=0)

        results: list[Measurement] = []
        for round_number in range(1, args.rounds + 1):
            # Alternate who goes first, so drift (autovacuum, WAL, table growth) is shared.
            targets = ("capmatch", "bare") if round_number % 2 else ("bare", "capmatch")
            for operation in ("read", "write"):
                for target in targets:
                    print(f"round {round_number}: {target} {operation} ...", flush=True)
                    measurement = run_wrk(
                        workloads[(target, operation)],
                        args,
                        duration=args.duration,
                        round_number=round_number,
                    )
                    results.append(measurement)

        summaries = [summarise(results, *key) for key in workloads]
        ratios = {operation: round_ratios(results, operation) for operation in GOALS}
        print_table(results)
        if args.rounds > 1:
            print_table(summaries)
        print_ratios(ratios)

        profiles = {}
        if args.profile:
            for operation in ("read", "write"):
                print(f"\nprofiling capmatch {operation} with py-spy ...", flush=True)
                profiles[operation] = profile_capmatch(
                    capmatch, workloads[("capmatch", operation)], args, stamp
                )
                print_profile(operation, profiles[operation])

        pg_version = asyncio.run(_server_version(dsn))
        report = {
            "date": stamp,
            "code": code_version(),
            "command": " ".join([Path(sys.executable).name, *sys.argv]),
            "settings": {
                key: getattr(args, key)
                for key in ("offers", "duration", "warmup", "connections", "threads", "rounds")
            }
            | {
                "workers": args.workers,
                "loop": args.loop,
                "http": args.http,
                "capmatch_log_level": args.log_level,
                "capmatch_target": args.capmatch_target,
                "db_pool": f"{settings.db_pool_size}+{settings.db_max_overflow}",
            },
            "machine": machine_info(pg_version),
            "measurements": [asdict(m) for m in results],
            "summaries": [asdict(summary) for summary in summaries],
            "ratios": {key: round(statistics.median(value), 3) for key, value in ratios.items()},
            "ratios_per_round": {
                key: [round(value, 3) for value in values] for key, values in ratios.items()
            },
            "goals": GOALS,
            "profiles": profiles,
        }
        output = RESULTS_DIR / f"api_read_write-{stamp}.json"
        output.write_text(json.dumps(report, indent=2, default=str) + "\n")
        print(
            f"\ncode {report['code']}; wrote {output.relative_to(REPO_DIR)} "
            f"({time.monotonic() - started:.0f} s)"
        )
        met = all(report["ratios"][key] >= goal for key, goal in GOALS.items())
        return 0 if met else 1
    finally:
        bare.stop()
        capmatch.stop()
        if not args.keep_db:
            asyncio.run(drop_database(args.server, args.database))


def print_profile(operation: str, profile: dict[str, Any]) -> None:
    print(f"capmatch {operation}: {profile['samples']} samples in {profile['collapsed_stacks']}")
    print(
        f"  {profile['detached_pct']}% of samples are SQLAlchemy greenlet stacks (caller unknown)"
    )
    print("  capmatch functions, inclusive (% of samples):")
    for name, share in profile["inclusive"]:
        print(f"    {share:5.1f}  {name}")
    print("  self (% of samples):")
    for name, share in profile["self"]:
        print(f"    {share:5.1f}  {name}")


async def _server_version(dsn: str) -> str:
    connection = await asyncpg.connect(dsn, timeout=10)
    try:
        return str(await connection.fetchval("SHOW server_version"))
    finally:
        await connection.close()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)

    def interrupted(signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, interrupted)
    try:
        return run(args)
    except BenchError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; servers stopped", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
