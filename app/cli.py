"""The ``capmatch`` command: serve, worker, migrate, import, openapi, gazetteer, demo-data."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from app.core.config import load_settings

DEFAULT_OPENAPI_PATH = Path("openapi/openapi.json")
DEMO_SEED = 2020


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from app.migrate import upgrade

    settings = load_settings()
    upgrade(settings)
    uvicorn.run(
        "app.main:app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_config=None,
        access_log=False,
        proxy_headers=True,
        # No "Server: uvicorn": the stack is nobody's business.
        server_header=False,
    )
    return 0


def _migrate(args: argparse.Namespace) -> int:
    from app.migrate import downgrade, upgrade

    settings = load_settings()
    if args.downgrade:
        downgrade(settings, args.downgrade)
    else:
        upgrade(settings, args.revision)
    return 0


def _gazetteer_load(args: argparse.Namespace) -> int:
    import asyncio

    from app.core.db import create_database
    from app.geo.gazetteer import GazetteerFileError, load_files

    missing = [path for path in args.files if not path.is_file()]
    if missing:
        print(f"no such file: {', '.join(map(str, missing))}", file=sys.stderr)
        return 1

    async def load() -> int:
        database = create_database(load_settings())
        try:
            for result in await load_files(database.sessionmaker, args.files):
                countries = ", ".join(result.countries) or "-"
                print(f"{result.path}: {result.rows} rows ({countries}) in {result.seconds:.2f} s")
        except GazetteerFileError as exc:
            print(f"not loaded: {exc}", file=sys.stderr)
            return 1
        finally:
            await database.engine.dispose()
        return 0

    return asyncio.run(load())


def _worker(args: argparse.Namespace) -> int:
    import asyncio
    import signal

    from prometheus_client import CollectorRegistry, start_http_server

    from app.api import register_hooks
    from app.core.background import Stop
    from app.core.db import create_database
    from app.core.heap import settle_start_up_objects
    from app.core.logging import configure_logging
    from app.imports.runner import run_imports_until_stopped
    from app.taxonomy.loading import load_taxonomy
    from app.webhooks.metrics import WebhookMetrics
    from app.webhooks.worker import deliver_until_stopped

    settings = load_settings()
    configure_logging(settings.log_level)
    register_hooks()  # disabling an endpoint writes an event (outbox, fan-out)
    registry = CollectorRegistry()
    metrics = WebhookMetrics(registry)
    if args.metrics_port:
        start_http_server(args.metrics_port, addr=args.metrics_host, registry=registry)

    async def work() -> None:
        database = create_database(settings)
        stop = Stop()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        try:
            await asyncio.gather(
                deliver_until_stopped(
                    database.sessionmaker, settings=settings, stop=stop, metrics=metrics
                ),
                run_imports_until_stopped(
                    database.sessionmaker,
                    settings=settings,
                    taxonomy=load_taxonomy(settings.taxonomy_file),
                    stop=stop,
                ),
            )
        finally:
            await database.engine.dispose()

    settle_start_up_objects()
    asyncio.run(work())
    return 0


def _import(args: argparse.Namespace) -> int:
    import asyncio

    from rich.console import Console

    from app.api import register_hooks
    from app.core.db import create_database
    from app.core.heap import settle_start_up_objects
    from app.imports.cli import import_file
    from app.imports.schemas import ImportOptions
    from app.taxonomy.loading import load_taxonomy

    if not args.file.is_file():
        print(f"no such file: {args.file}", file=sys.stderr)
        return 1
    settings = load_settings()
    register_hooks()  # imported rows write events (outbox, webhook fan-out) as API writes do
    options = ImportOptions(
        dry_run=args.dry_run,
        on_error=args.on_error,
        on_duplicate=args.on_duplicate,
        organization_id=args.organization_id,
    )

    async def run() -> int:
        database = create_database(settings)
        try:
            return await import_file(
                database,
                settings=settings,
                taxonomy=load_taxonomy(settings.taxonomy_file),
                content=args.file.read_bytes(),
                filename=args.file.name,
                kind=args.kind,
                partner_slug=args.partner,
                options=options,
                console=Console(),
            )
        finally:
            await database.engine.dispose()

    settle_start_up_objects()
    return asyncio.run(run())


def _demo_data(args: argparse.Namespace) -> int:
    import asyncio

    from rich.console import Console

    from app.api import register_hooks
    from app.demo.console import make_demo_market

    settings = load_settings()
    register_hooks()  # the outbox and the other subscribers, as in the server
    console = Console()
    asyncio.run(make_demo_market(settings, size=args.size, seed=args.seed, console=console))
    return 0


def render_openapi() -> str:
    from app.main import create_app

    schema = create_app(load_settings(environment="test")).openapi()
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _openapi(args: argparse.Namespace) -> int:
    rendered = render_openapi()
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
        if current != rendered:
            print(f"{args.output} is out of date: run 'capmatch openapi'", file=sys.stderr)
            return 1
        return 0
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(rendered, encoding="utf-8")
    print(f"wrote {args.output}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="capmatch", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="apply migrations, then serve the API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.set_defaults(handler=_serve)

    worker = commands.add_parser(
        "worker", help="deliver webhooks and run imports (any number, on any host)"
    )
    worker.add_argument("--metrics-port", type=int, default=0, help="serve /metrics on it")
    worker.add_argument("--metrics-host", default="127.0.0.1")
    worker.set_defaults(handler=_worker)

    imports = commands.add_parser("import", help="import a CSV or XLSX file (as POST /v1/imports)")
    imports.add_argument("file", type=Path, metavar="FILE")
    imports.add_argument("--kind", required=True, choices=["organizations", "offers", "requests"])
    imports.add_argument("--partner", required=True, metavar="SLUG", help="the partner's slug")
    imports.add_argument("--dry-run", action="store_true", help="check and report; write nothing")
    imports.add_argument("--on-error", choices=["abort", "skip"], default="abort")
    imports.add_argument("--on-duplicate", choices=["warn", "skip", "merge"], default="warn")
    imports.add_argument("--organization-id", help="owner of offer/request rows that name none")
    imports.set_defaults(handler=_import)

    migrate = commands.add_parser("migrate", help="apply database migrations")
    migrate.add_argument("revision", nargs="?", default="head")
    migrate.add_argument("--downgrade", metavar="REVISION", help="downgrade to REVISION instead")
    migrate.set_defaults(handler=_migrate)

    openapi = commands.add_parser("openapi", help="write the OpenAPI document")
    openapi.add_argument("--output", type=Path, default=DEFAULT_OPENAPI_PATH)
    openapi.add_argument("--check", action="store_true", help="fail if the file is out of date")
    openapi.set_defaults(handler=_openapi)

    demo = commands.add_parser(
        "demo-data",
        help="fill the database with a demo DACH market (idempotent per seed); prints its keys",
    )
    demo.add_argument("--size", choices=("small", "large"), default="small")
    demo.add_argument("--seed", type=int, default=DEMO_SEED)
    demo.set_defaults(handler=_demo_data)

    gazetteer = commands.add_parser("gazetteer", help="postal codes -> coordinates and regions")
    gazetteer_commands = gazetteer.add_subparsers(dest="gazetteer_command", required=True)
    load = gazetteer_commands.add_parser(
        "load",
        help="load GeoNames postal-code files (e.g. DE.txt); replaces those countries' rows",
    )
    load.add_argument("files", nargs="+", type=Path, metavar="FILE")
    load.set_defaults(handler=_gazetteer_load)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.handler(args))


if __name__ == "__main__":
    raise SystemExit(main())
