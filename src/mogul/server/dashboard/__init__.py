"""The dashboard: a static single-page front end at `/` that draws what the `/v1` endpoints return.

The page and its assets hold no data, so they are served without a key. The browser asks for an API key
once, keeps it in `sessionStorage` and sends it on every `/v1` request, like any other client: the
numbers on screen come from the same routes as the API's, with no second code path.
"""

from __future__ import annotations

import os
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from ..openapi import not_api

STATIC = Path(__file__).parent / "static"
ASSETS_PATH = "/dashboard"
# Everything the page loads is its own (vendored Chart.js included): it works offline and runs no script
# or style that an injected customer name could smuggle in.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


class Assets(StaticFiles):
    """The page's scripts and styles, revalidated on every load: an upgraded server must not run with the
    previous version's scripts from the browser's heuristic cache."""

    def file_response(
        self, full_path: str | os.PathLike[str], stat_result: os.stat_result, scope: Scope, status_code: int = 200
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        response.headers.update(SECURITY_HEADERS)
        return response


@not_api("the dashboard's HTML page: it holds no data, and what it shows comes from the documented /v1 routes")
async def index(_request: Request) -> Response:
    return FileResponse(STATIC / "index.html", media_type="text/html", headers=SECURITY_HEADERS)


def routes() -> list[BaseRoute]:
    return [Route("/", index, methods=["GET"]), Mount(ASSETS_PATH, app=Assets(directory=STATIC), name="dashboard")]
