"""What the HTTP benchmarks share: capmatch under uvicorn, raw HTTP calls, latency figures.

Used by ``bench/match.py`` and ``bench/engagements.py`` (``bench/api_read_write.py``
predates it and runs two servers under wrk, with its own helpers). Every server
here is started on 127.0.0.1 by the script itself; nothing talks to other hosts.
"""

from __future__ import annotations

import http.client
import json
import math
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import numpy as np

BENCH_DIR = Path(__file__).resolve().parent
REPO_DIR = BENCH_DIR.parent
RESULTS_DIR = BENCH_DIR / "results"
HOST = "127.0.0.1"
READY_TIMEOUT_S = 60.0
HTTP_TIMEOUT_S = 60.0
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


class BenchError(Exception):
    """The benchmark (or a part of it) cannot run."""


# --- figures -------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.array(values), q)) if values else math.nan


def latency_summary(seconds: list[float]) -> dict[str, float | int]:
    ms = [1000 * s for s in seconds]
    return {
        "n": len(ms),
        "p50_ms": round(percentile(ms, 50), 3),
        "p95_ms": round(percentile(ms, 95), 3),
        "p99_ms": round(percentile(ms, 99), 3),
        "max_ms": round(max(ms), 3) if ms else math.nan,
        "mean_ms": round(statistics.fmean(ms), 3) if ms else math.nan,
    }


# --- database ------------------------------------------------------------------------


def database_urls(server: str, database: str) -> tuple[str, str]:
    """(plain asyncpg DSN, SQLAlchemy URL) of ``database`` on ``server``."""
    parts = urlsplit(server)
    if parts.scheme not in ("postgresql", "postgres"):
        raise BenchError(f"--server must be a postgresql:// URL, got {server!r}")
    dsn = urlunsplit(("postgresql", parts.netloc, f"/{database}", parts.query, ""))
    return dsn, dsn.replace("postgresql://", "postgresql+asyncpg://", 1)


async def admin(server: str, statement: str) -> None:
    """Run one statement (CREATE/DROP DATABASE) against the server's ``postgres`` database."""
    connection = await asyncpg.connect(database_urls(server, "postgres")[0], timeout=10)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


async def server_version(dsn: str) -> str:
    connection = await asyncpg.connect(dsn, timeout=10)
    try:
        return str(await connection.fetchval("SHOW server_version"))
    finally:
        await connection.close()


# --- processes -----------------------------------------------------------------------


def port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        return probe.connect_ex((HOST, port)) != 0


def read_status(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM of a process, in kB."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0])
    return values


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def session_cpu_seconds(session_id: int) -> float:
    """CPU time (user + system) of the live processes of a session: a server and its workers."""
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:  # the process ended while we looked
            continue
        if int(fields[3]) == session_id:
            ticks += int(fields[11]) + int(fields[12])
    return ticks / CLOCK_TICKS


def stop_session(process: subprocess.Popen[bytes] | None) -> None:
    """Stop a server started with ``start_new_session``: SIGTERM to the whole session
    (every worker), SIGKILL after 15 s."""
    if process is None or process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


def http_call(
    connection: http.client.HTTPConnection,
    method: str,
    path: str,
    token: str | None,
    body: Any,
    headers: dict[str, str] | None = None,
) -> tuple[int, Any]:
    """One call on a (keep-alive) connection: (status, JSON body or text)."""
    sent = {"Accept": "application/json", **(headers or {})}
    data = None
    if body is not None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        sent["Content-Type"] = "application/json"
    if token is not None:
        sent["Authorization"] = f"Bearer {token}"
    connection.request(method, path, body=data, headers=sent)
    response = connection.getresponse()
    payload = response.read()
    try:
        return response.status, json.loads(payload or b"null")
    except ValueError:
        return response.status, payload.decode(errors="replace")


UNREFUSED_LIMITS = {
    "CAPMATCH_RATE_LIMIT": "1000000000/minute",
    "CAPMATCH_RATE_LIMIT_WRITE": "1000000000/minute",
    "CAPMATCH_RATE_LIMIT_AUTH_FAILURES": "1000000000/minute",
}


class Capmatch:
    """capmatch under uvicorn (uvloop, httptools) in its own session.

    With one worker the subprocess is the worker, so its pid gives the worker's
    RSS and CPU time. ``env`` adds settings (``CAPMATCH_*``) to the defaults;
    ``app_dir`` runs the ``app`` package found there (uvicorn imports from its working
    directory first), e.g. an older commit's code extracted for a baseline.
    """

    def __init__(
        self,
        port: int,
        sqlalchemy_url: str,
        admin_key: str,
        log: Path,
        *,
        workers: int = 1,
        env: dict[str, str] | None = None,
        app_dir: Path = REPO_DIR,
        factory: str = "app.main:app",
    ) -> None:
        self.port, self.log_path, self.workers = port, log, workers
        # The uvicorn --factory target: by default the one ``capmatch serve`` runs.
        self.factory = factory
        self.app_dir = app_dir  # where ``app`` is imported from (another version's code)
        self.env = (
            os.environ
            | {
                "CAPMATCH_DATABASE_URL": sqlalchemy_url,
                "CAPMATCH_ADMIN_API_KEY": admin_key,
                "CAPMATCH_MATCH_PRELOAD": "false",
                "CAPMATCH_ENVIRONMENT": "production",
                "CAPMATCH_LOG_LEVEL": "WARNING",
                # Every request counted, none refused: a benchmark is one client at
                # thousands of requests a second.
                **UNREFUSED_LIMITS,
            }
            | (env or {})
        )
        self.process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    def start(self) -> None:
        if not port_free(self.port):
            raise BenchError(f"port {self.port} on {HOST} is already in use (--port)")
        argv = [sys.executable, "-m", "uvicorn", self.factory, "--factory"]
        argv += ["--host", HOST, "--port", str(self.port), "--workers", str(self.workers)]
        argv += ["--loop", "uvloop", "--http", "httptools", "--no-access-log"]
        argv += ["--log-level", "warning"]
        self.log_path.parent.mkdir(parents=True, exist_ok=True)  # a fresh clone has none
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            argv,
            cwd=self.app_dir,
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BenchError(f"capmatch exited early; see {self.log_path}")
            try:
                if self.call("GET", "/healthz", timeout=2)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise BenchError(f"capmatch not ready after {READY_TIMEOUT_S:.0f} s; see {self.log_path}")

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def call(
        self,
        method: str,
        path: str,
        *,
        token: str | None = None,
        body: Any = None,
        timeout: float = HTTP_TIMEOUT_S,
    ) -> tuple[int, Any]:
        connection = http.client.HTTPConnection(HOST, self.port, timeout=timeout)
        try:
            return http_call(connection, method, path, token, body)
        finally:
            connection.close()

    def created(self, path: str, token: str, body: Any) -> Any:
        """POST that must answer 201; the created resource."""
        status, payload = self.call("POST", path, token=token, body=body)
        if status != 201:
            raise BenchError(f"POST {path}: expected 201, got {status}: {str(payload)[:500]}")
        return payload

    def stop(self) -> None:
        stop_session(self.process)
        if self._log is not None:
            self._log.close()
            self._log = None


# --- report --------------------------------------------------------------------------


def machine_info(pg_version: str) -> dict[str, Any]:
    cpu = "unknown"
    with open("/proc/cpuinfo") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "postgresql": pg_version,
    }


def code_version() -> str:
    """The commit under test, marked dirty when app/ has uncommitted changes (read-only git)."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=REPO_DIR,
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "app", "migrations"],
            cwd=REPO_DIR,
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    return f"{commit or 'unknown'}{' + uncommitted app changes' if dirty else ''}"
