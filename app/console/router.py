"""``GET /console`` and its assets, read from the installed package (no CDN, works offline).

Every file goes out with a Content-Security-Policy that allows only this origin: no
inline script or style, no other host to load from or send to, no framing. Assets are
revalidated on each load (``no-cache`` with an ETag), so an upgrade shows at once.
"""

from __future__ import annotations

from importlib.resources import files
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

CONSOLE_PATH = "/console"
ASSETS_PATH = "/console/assets"
STATIC = files("app.console") / "static"

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
CONSOLE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


class ConsoleAssets(StaticFiles):
    """The package's static files with the console's headers on every answer."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        response.headers.update(CONSOLE_HEADERS)
        return response


def _page() -> FileResponse:
    return FileResponse(str(STATIC / "index.html"), headers=CONSOLE_HEADERS)


def install_console(app: FastAPI) -> None:
    """Serve the page at ``/console`` and its files under ``/console/assets``."""
    router = APIRouter(include_in_schema=False)

    @router.get(CONSOLE_PATH)
    async def console() -> Any:
        return _page()

    app.include_router(router)
    app.mount(ASSETS_PATH, ConsoleAssets(directory=str(STATIC)), name="console-assets")
