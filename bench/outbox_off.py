"""capmatch without its outbox, for ``bench/events.py``: the app as ``app.main`` builds it,
with the subscriber that appends event rows removed, so ``POST /v1/offers`` measured
against it shows what the outbox alone adds to a write (same code, same database).

Run: ``uvicorn bench.outbox_off:create_app --factory`` from the repository root.
"""

from __future__ import annotations

from fastapi import FastAPI

from app.core.events import unsubscribe
from app.events.outbox import ResourceChanged, record
from app.main import create_app as create_capmatch


def create_app() -> FastAPI:
    app = create_capmatch()
    unsubscribe(ResourceChanged, record)  # registered by create_app, once per process
    return app
