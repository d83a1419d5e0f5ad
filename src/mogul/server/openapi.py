"""The OpenAPI 3.1 document of the server, built from the app's own route table (served at `/openapi.json`).

Each endpoint declares its operation next to its code with `@operation(...)`; `build_document` walks the
routes and renders them, adding what the middleware can answer on any route (400/413 from the request
limits, 500; on `/v1`: 401, 403 on writes, 429/503 from the rate limits). Because the document is derived from the
routes, `missing_operations(app)` lists any route without a description, and a test requires it to be empty:
a new route cannot ship undocumented.

Schemas must be exact, not just plausible: schemathesis fuzzes the server from this document and fails on
any request the document calls valid that the server refuses, any it calls invalid that the server accepts,
and any response that does not match.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route

from .responses import json
from .settings import RequestLimits

JsonSchema = dict[str, Any]
F = TypeVar("F", bound=Callable[..., Any])

ATTRIBUTE = "__openapi__"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_SCHEMAS: dict[str, JsonSchema] = {}

# Everything Python's str.isspace() calls whitespace, spelled out: `\s` means three different things to
# Python, to ECMA-262 and to the Rust regex engine schemathesis validates with, and the stores use strip().
WHITESPACE = (
    "\\t\\n\\u000b\\f\\r\\u001c-\\u001f \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000"
)
# A string the stores accept as present: not blank, and without NUL (which the request limits refuse).
NOT_BLANK = f"^[^\\u0000]*[^\\u0000{WHITESPACE}][^\\u0000]*$"
NO_NUL = "^[^\\u0000]*$"


def component(name: str, schema: JsonSchema) -> JsonSchema:
    """Register a named schema under `components.schemas`; returns a `$ref` to it."""
    if name in _SCHEMAS and _SCHEMAS[name] != schema:
        raise ValueError(f"two different schemas are named {name}")
    _SCHEMAS[name] = schema
    return {"$ref": f"#/components/schemas/{name}"}


def obj(properties: Mapping[str, JsonSchema], required: Sequence[str] | None = None, **extra: Any) -> JsonSchema:
    """A closed object: every property listed (`required` defaults to all of them)."""
    return {
        "type": "object",
        "properties": dict(properties),
        "required": list(properties if required is None else required),
        "additionalProperties": False,
        **extra,
    }


STRING: JsonSchema = {"type": "string"}
NULLABLE_STRING: JsonSchema = {"type": ["string", "null"]}
INTEGER: JsonSchema = {"type": "integer"}
BOOLEAN: JsonSchema = {"type": "boolean"}
TIMESTAMP: JsonSchema = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$"}

# The three error generations of reference §0.4.
CODED_ERROR = component(
    "CodedError",
    obj({"code": INTEGER, "message": STRING, "param": NULLABLE_STRING}),
)
LEGACY_ERROR = component("LegacyError", obj({"error": STRING}))
VALIDATION_ERRORS = component(
    "ValidationErrors",
    obj({"errors": {"type": "object", "additionalProperties": STRING, "minProperties": 1}}),
)


@dataclass(frozen=True)
class Reply:
    """One documented response. `schema=None` means an empty body."""

    description: str
    schema: JsonSchema | None = None
    headers: Mapping[str, JsonSchema] = field(default_factory=dict)


@dataclass(frozen=True)
class Param:
    """A query parameter. Its schema gets the request limits' length bound and the NUL ban added."""

    name: str
    schema: JsonSchema
    description: str = ""
    required: bool = False


# Pagination (docs/server.md "Pagination"): what `pagination.page_params` accepts, spelled out.
_WS = f"[{WHITESPACE}]*"
PER_PAGE = {"type": "string", "pattern": f"^(?:{_WS}0*(?:[1-9]|[1-9][0-9]|1[0-9][0-9]|200){_WS})?$"}
PAGE = {"type": "string", "pattern": f"^(?:{_WS}0*(?:[1-9][0-9]{{0,5}}|1000000){_WS})?$"}
PAGING = (
    Param("per_page", PER_PAGE, "Items per page, 1 to 200 (default 200)."),
    Param("cursor", STRING, "The `cursor` of the previous page; anything else is a 400."),
    Param("page", PAGE, "Deprecated page number, 1-based; a cursor wins."),
)


@dataclass(frozen=True)
class Operation:
    operation_id: str
    summary: str
    responses: Mapping[int, Reply]
    query: Sequence[Param] = ()
    path_params: Mapping[str, JsonSchema] = field(default_factory=dict)  # default: a non-empty string
    body: JsonSchema | None = None
    description: str = ""
    tag: str = ""
    authenticated: bool = True


def operation(operation_id: str, summary: str, responses: Mapping[int, Reply], **kwargs: Any) -> Callable[[F], F]:
    """Attach an `Operation` to an endpoint function."""

    def attach(endpoint: F) -> F:
        setattr(endpoint, ATTRIBUTE, Operation(operation_id, summary, responses, **kwargs))
        return endpoint

    return attach


RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait before retrying.", "schema": INTEGER}}
BAD_REQUEST = Reply("Malformed input: a bad parameter, body or request limit.", CODED_ERROR)
UNPROCESSABLE = Reply("The input breaks a rule of the resource.", VALIDATION_ERRORS)
# A retrieve or delete by uuid: the resource's legacy 404, or the router's 404 for a path that matches nothing.
NOT_FOUND = Reply("No such resource.", {"anyOf": [LEGACY_ERROR, CODED_ERROR]})


def _common_replies(method: str, authenticated: bool) -> dict[int, Reply]:
    """What the middleware may answer on a route, before or instead of the route itself."""
    replies = {
        400: BAD_REQUEST,
        413: Reply("The request body is larger than the server's limit.", CODED_ERROR),
        500: Reply("Internal server error.", CODED_ERROR),
    }
    if authenticated:
        replies[401] = Reply("No valid API key provided.", CODED_ERROR)
        replies[429] = Reply("More requests per second than the key's rate limit.", CODED_ERROR, RETRY_AFTER)
        replies[503] = Reply("More requests in flight than the key's parallel limit.", CODED_ERROR, RETRY_AFTER)
        if method not in SAFE_METHODS:
            replies[403] = Reply("The API key is read-only.", CODED_ERROR)
    return replies


def iter_routes(routes: Sequence[BaseRoute], prefix: str = "") -> Iterator[tuple[str, str, Route]]:
    """Every (method, path, route) the app serves; HEAD is implied by GET and not listed."""
    for route in routes:
        if isinstance(route, Mount):
            yield from iter_routes(route.routes, prefix + route.path)
        elif isinstance(route, Route):
            for method in sorted(route.methods or ()):
                if method != "HEAD":
                    yield method, prefix + route.path, route


def missing_operations(routes: Sequence[BaseRoute]) -> list[tuple[str, str]]:
    return [(m, p) for m, p, route in iter_routes(routes) if getattr(route.endpoint, ATTRIBUTE, None) is None]


def build_document(routes: Sequence[BaseRoute], limits: RequestLimits | None = None) -> dict[str, Any]:
    limits = limits or RequestLimits()
    paths: dict[str, dict[str, Any]] = {}
    for method, path, route in iter_routes(routes):
        op: Operation | None = getattr(route.endpoint, ATTRIBUTE, None)
        if op is not None:
            template = _template(path, route)
            paths.setdefault(template, {})[method.lower()] = _render(op, method, route, limits)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "mogul: a ChartMogul-compatible API",
            "version": "1",
            "description": "The routes `mogul serve` implements, with ChartMogul's paths, bodies and errors.",
        },
        "paths": paths,
        "components": {
            "schemas": dict(sorted(_SCHEMAS.items())),
            "securitySchemes": {
                "apiKey": {
                    "type": "http",
                    "scheme": "basic",
                    "description": "The API key as user name; the password empty or the key again.",
                }
            },
        },
        "security": [{"apiKey": []}],
    }


def _template(path: str, route: Route) -> str:
    # Starlette writes `{uuid:str}` for typed parameters; OpenAPI wants `{uuid}`.
    for name in route.param_convertors:
        path = path.replace(f"{{{name}:{_convertor_name(route, name)}}}", f"{{{name}}}")
    return path


def _convertor_name(route: Route, name: str) -> str:
    convertor = route.param_convertors[name]
    return type(convertor).__name__.removesuffix("Convertor").lower()


def _render(op: Operation, method: str, route: Route, limits: RequestLimits) -> dict[str, Any]:
    replies = _common_replies(method, op.authenticated)
    replies.update(op.responses)
    out: dict[str, Any] = {"operationId": op.operation_id, "summary": op.summary}
    if op.description:
        out["description"] = op.description
    if op.tag:
        out["tags"] = [op.tag]
    parameters = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": op.path_params.get(name, {"type": "string", "minLength": 1}),
        }
        for name in route.param_convertors
    ]
    for param in op.query:
        schema = {**param.schema}
        if schema.get("type") == "string":
            schema.setdefault("maxLength", limits.max_query_length)
            schema.setdefault("pattern", NO_NUL)
        spec: dict[str, Any] = {"name": param.name, "in": "query", "required": param.required, "schema": schema}
        if param.description:
            spec["description"] = param.description
        parameters.append(spec)
    if parameters:
        out["parameters"] = parameters
    if op.body is not None:
        out["requestBody"] = {"required": True, "content": {"application/json": {"schema": op.body}}}
    out["responses"] = {str(status): _render_reply(reply) for status, reply in sorted(replies.items())}
    if not op.authenticated:
        out["security"] = []
    return out


def _render_reply(reply: Reply) -> dict[str, Any]:
    out: dict[str, Any] = {"description": reply.description}
    if reply.schema is not None:
        out["content"] = {"application/json": {"schema": reply.schema}}
    if reply.headers:
        out["headers"] = {name: {**spec, "required": True} for name, spec in reply.headers.items()}
    return out


@operation(
    "getOpenApiDocument",
    "This document",
    {200: Reply("The OpenAPI document.", {"type": "object"})},
    authenticated=False,
    tag="meta",
)
async def openapi_endpoint(request: Request) -> Response:
    document = getattr(request.app.state, "openapi", None)
    if document is None:
        settings = getattr(request.app.state, "settings", None)
        limits = settings.limits if settings is not None else RequestLimits()
        document = request.app.state.openapi = build_document(request.app.router.routes, limits)
    return json(document)
