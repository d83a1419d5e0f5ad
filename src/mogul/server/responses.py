"""Response helpers: orjson-encoded JSON, the one content type every route returns."""

from __future__ import annotations

import json as stdlib_json
from typing import Any

import orjson
from starlette.responses import Response


class JSONResponse(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        try:
            return orjson.dumps(content)
        except orjson.JSONEncodeError:
            # A metric summed over every customer can pass 64 bits (each customer's MRR and ARR fit), and orjson
            # writes no larger integer; the standard library writes any.
            return stdlib_json.dumps(content, separators=(",", ":"), ensure_ascii=False).encode()


def json(content: Any, status: int = 200, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(content, status_code=status, headers=headers)


def no_content() -> Response:
    return Response(status_code=204)
