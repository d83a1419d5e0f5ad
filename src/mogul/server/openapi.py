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

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route

from ..objects.base import ApiObject, Field, Format, SchemaStyle, TypeInfo, View, field_of, json_schema, or_null
from ..objects.errors import CodedError, DetailedError, ErrorDetail, LegacyError, ValidationErrors
from .responses import json
from .settings import RequestLimits
from .store.fields import CURRENCIES

JsonSchema = dict[str, Any]
F = TypeVar("F", bound=Callable[..., Any])

ATTRIBUTE = "__openapi__"
# Marks an endpoint that is not part of the API (the dashboard's page), with the reason it is left out.
NOT_API = "__not_api__"
VALID_INPUT_STATUSES = "x-valid-input-statuses"
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

MAX_STRING = RequestLimits.max_string_length
MAX_ITEMS = RequestLimits.max_array_items
# What orjson parses and the BIGINT columns store: larger numbers are a 400 or cannot be kept.
INT64: JsonSchema = {"type": "integer", "minimum": -(2**63), "maximum": 2**63 - 1}
# An instant in a response, in the offset form of `customer-since` and activity dates.
OFFSET_TIMESTAMP: JsonSchema = {
    "type": "string",
    "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$",
}
DATE: JsonSchema = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"}


def text(max_length: int = MAX_STRING, *, nullable: bool = False, not_blank: bool = False, **extra: Any) -> JsonSchema:
    """A request string as the request limits and the stores accept it: no NUL, at most `max_length`."""
    return {
        "type": ["string", "null"] if nullable else "string",
        "maxLength": max_length,
        "pattern": NOT_BLANK if not_blank else NO_NUL,
        **extra,
    }


def array(items: JsonSchema, **extra: Any) -> JsonSchema:
    """A request array: at most `RequestLimits.max_array_items` items."""
    return {"type": "array", "items": items, "maxItems": MAX_ITEMS, **extra}


def nullable(schema: JsonSchema) -> JsonSchema:
    return {"anyOf": [schema, {"type": "null"}]}


# Free-form JSON a request may send (custom attributes, `custom` of contacts and opportunities): any value whose
# strings and keys the request limits accept.
_FREE_VALUE = "#/components/schemas/FreeJsonValue"
FREE_OBJECT: JsonSchema = {
    "type": "object",
    "propertyNames": {"maxLength": MAX_STRING, "pattern": NO_NUL},
    "maxProperties": RequestLimits.max_object_keys,
    "additionalProperties": {"$ref": _FREE_VALUE},
}
component(
    "FreeJsonValue",
    {"anyOf": [text(), {"type": ["number", "boolean", "null"]}, array({"$ref": _FREE_VALUE}), FREE_OBJECT]},
)


def calendar_date(year: str = "[1-9][0-9]{3}") -> str:
    """A regex for a real `YYYY-MM-DD` day, leap days included; `year` (4 digits) restricts the other days
    (every leap year from 1004 to 9996 is in any range used here). No lookaround: the Rust regex engine has none."""
    long_months = "(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])"
    short_months = "(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)"
    february = "02-(?:0[1-9]|1[0-9]|2[0-8])"
    leap = "(?:[1-9][0-9](?:0[48]|[2468][048]|[13579][26])|(?:[2468][048]|[13579][26])00)-02-29"
    return f"(?:{year}-(?:{long_months}|{short_months}|{february})|{leap})"


# The request timestamps `timefmt.parse_timestamp` accepts: a day, or a day and a time with an optional zone,
# within whitespace. Years 1000-9999.
_CLOCK = r"(?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:\.[0-9]{1,9})?)?"
# An offset under 24 hours (Python's timezone refuses more): minutes up to 99 are read as minutes.
_ZONE = "(?:UTC|Z|[+-](?:(?:[01][0-9]|2[0-2]):?[0-9]{2}|23:?[0-5][0-9]))"
REQUEST_TIMESTAMP_PATTERN = f"^[{WHITESPACE}]*{calendar_date()}(?:[ T]{_CLOCK}[{WHITESPACE}]*{_ZONE}?)?[{WHITESPACE}]*$"
REQUEST_TIMESTAMP: JsonSchema = {
    "type": "string",
    "pattern": REQUEST_TIMESTAMP_PATTERN,
    "description": "`2016-01-01`, `2016-01-01 12:00:00 UTC`, `2016-01-01T12:00:00.123Z`, `2000-01-01 00:00 +0200`.",
}

# An ISO 4217 code in any case.
CURRENCY: JsonSchema = {
    "type": "string",
    "pattern": "^(?:" + "|".join("".join(f"[{ch}{ch.lower()}]" for ch in code) for code in sorted(CURRENCIES)) + ")$",
}

_INSTANT_PATTERNS = {
    Format.TIMESTAMP: TIMESTAMP,
    Format.OFFSET: OFFSET_TIMESTAMP,
    Format.SECONDS: {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$"},
}


def _response_leaf(f: Field, info: TypeInfo, view: View) -> JsonSchema:
    """What the server writes: instants in their declared format, strings with their declared pattern."""
    if info.enum is not None:
        return {"enum": list(info.enum)}
    if info.kind == "datetime":
        assert f.fmt is not None
        return dict(_INSTANT_PATTERNS[f.fmt])
    if info.kind == "date":
        return dict(DATE)
    if info.kind == "string":
        return {"type": "string", "pattern": f.pattern} if f.pattern else dict(STRING)
    if info.kind in ("integer", "number"):
        bounds = {"minimum": f.minimum, "maximum": f.maximum}
        return {"type": info.kind, **{k: v for k, v in bounds.items() if v is not None}}
    if info.kind == "array":
        assert info.items is not None
        return {"type": "array", "items": _response_leaf(f, info.items, view)}
    return {"map": {"type": "object"}, "any": {}}.get(info.kind, {"type": info.kind})


def _request_leaf(f: Field, info: TypeInfo, view: View) -> JsonSchema:
    """What the server accepts: strings within the request limits (no NUL; not blank where declared so),
    instants in any form `timefmt.parse_timestamp` reads, integers within 64 bits. Where `""` counts as null,
    an optional field accepts it and a required one refuses it."""
    schema = _request_value(f, info, view)
    if f.empty_is_null and f.required(view):
        if schema.get("type") == "string" and "minLength" not in schema:
            schema["minLength"] = 1
    elif f.empty_is_null:
        schema = {"anyOf": [schema, {"const": ""}]}
    return schema


def _request_value(f: Field, info: TypeInfo, view: View) -> JsonSchema:
    if info.enum is not None:
        return {"enum": list(info.enum)}
    if info.kind == "datetime":
        return dict(REQUEST_TIMESTAMP)
    if info.kind == "date":
        return {"type": "string", "pattern": f"^{calendar_date()}$"}
    if info.kind == "string" and f.fmt is Format.CURRENCY:
        return dict(CURRENCY)
    if info.kind == "string":
        schema = text(f.max_length or MAX_STRING, not_blank=f.not_blank)
        if f.min_length:
            schema["minLength"] = f.min_length
        if f.pattern and not f.looked_up:
            schema["allOf"] = [{"pattern": f.pattern}]
        return schema
    if info.kind == "integer":
        bounds = {"minimum": f.minimum, "maximum": f.maximum}
        return {**INT64, **{k: v for k, v in bounds.items() if v is not None}}
    if info.kind == "array":
        assert info.items is not None
        items = _request_value(f, replace(info.items, nullable=False), view)
        return array(
            nullable(items) if info.items.nullable else items, **({"maxItems": f.max_items} if f.max_items else {})
        )
    if info.kind == "map" and f.pattern:  # the pattern of a map's keys (custom attributes)
        return {**FREE_OBJECT, "propertyNames": {"type": "string", "maxLength": MAX_STRING, "pattern": f.pattern}}
    return {"map": FREE_OBJECT, "any": {"$ref": _FREE_VALUE}}.get(info.kind, {"type": info.kind})


_RESPONSE_STYLE = SchemaStyle(closed=True, leaf=_response_leaf)


def _request_or_null(schema: JsonSchema) -> JsonSchema:
    """`or_null`, with null added to a lone `anyOf` rather than around it."""
    if set(schema) == {"anyOf"}:
        return {"anyOf": [*schema["anyOf"], {"type": "null"}]}
    return or_null(schema)


_REQUEST_STYLE = SchemaStyle(closed=True, leaf=_request_leaf, nullable=_request_or_null, request_max_items=MAX_ITEMS)
_VIEW_NAMES = {"response": "{}", "create": "New{}", "update": "{}Update"}


def declared(cls: type[ApiObject], view: View = "response", *, omit: Sequence[str] = ()) -> JsonSchema:
    """A `$ref` to the schema of a declared object (`objects`): as a response carries it (`DataSource`), or as a
    create (`NewDataSource`) or update (`DataSourceUpdate`) body sends it. `omit` leaves out keys a path gives
    instead (`POST /customers/{uuid}/contacts` takes no `customer_uuid`): `NewContactWithoutCustomerUuid`."""
    style = _RESPONSE_STYLE if view == "response" else _REQUEST_STYLE
    schema = json_schema(cls, view, style)
    name = _VIEW_NAMES[view].format(cls.__name__)
    if omit:
        schema["properties"] = {k: v for k, v in schema["properties"].items() if k not in omit}
        schema["required"] = [k for k in schema["required"] if k not in omit]
        name += "Without" + "".join(part.title() for key in omit for part in key.split("_"))
    return component(name, schema)


def declared_items(cls: type[ApiObject], attr: str, name: str, view: View = "create") -> JsonSchema:
    """A `$ref` to the schema of the items of one declared list, as `view` sends them: `NewLineItem`, an
    import's line item of either type (for the routes that add one line item on its own)."""
    style = _RESPONSE_STYLE if view == "response" else _REQUEST_STYLE
    items = json_schema(cls, view, style)["properties"][field_of(cls, attr).name]["items"]
    return component(name, items)


# The generations of ChartMogul's error bodies (`objects.errors`).
CODED_ERROR = declared(CodedError)
LEGACY_ERROR = declared(LegacyError)
DETAILED_ERRORS = declared(DetailedError)
_ERROR_DETAILS = {"type": "array", "items": declared(ErrorDetail), "minItems": 1}
FIELD_ERRORS = component(
    "FieldErrors",
    {
        "type": "object",
        "properties": {"error_details": _ERROR_DETAILS},
        "required": ["error_details"],
        "additionalProperties": {"type": "array", "items": STRING, "minItems": 1},
    },
)
VALIDATION_ERRORS = declared(ValidationErrors)


@dataclass(frozen=True)
class Reply:
    """One documented response. `schema=None` means an empty body."""

    description: str
    schema: JsonSchema | None = None
    headers: Mapping[str, JsonSchema] = field(default_factory=dict)
    media_type: str = "application/json"


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
    body_required: bool = True
    description: str = ""
    tag: str = ""
    authenticated: bool = True
    # Statuses a request the schema calls valid may still get: a refusal that depends on stored data (an
    # unknown data source, an external id already taken) or on a rule across fields that JSON Schema cannot
    # state (end-date before start-date). Rendered as `x-valid-input-statuses`; the fuzz accepts them only here.
    valid_input_statuses: Sequence[int] = ()


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


def not_api(reason: str) -> Callable[[F], F]:
    """Leave an endpoint out of the document on purpose, saying why: `missing_operations` then skips it."""

    def attach(endpoint: F) -> F:
        setattr(endpoint, NOT_API, reason)
        return endpoint

    return attach


def is_api(route: Route) -> bool:
    return getattr(route.endpoint, NOT_API, None) is None


def iter_routes(
    routes: Sequence[BaseRoute], prefix: str = "", *, raw: bool = False
) -> Iterator[tuple[str, str, Route]]:
    """Every (method, path, route) the app serves; HEAD is implied by GET and not listed. Paths are OpenAPI
    templates (`{uuid}`), or with `raw` Starlette's own (`{uuid:customer_uuid}`, for `compile_path`)."""
    for route in routes:
        if isinstance(route, Mount):
            yield from iter_routes(route.routes, prefix + route.path, raw=raw)
        elif isinstance(route, Route):
            path = prefix + route.path
            for method in sorted(route.methods or ()):
                if method != "HEAD":
                    yield method, path if raw else _template(path), route


def missing_operations(routes: Sequence[BaseRoute]) -> list[tuple[str, str]]:
    return [
        (m, p)
        for m, p, route in iter_routes(routes)
        if is_api(route) and getattr(route.endpoint, ATTRIBUTE, None) is None
    ]


def build_document(routes: Sequence[BaseRoute], limits: RequestLimits | None = None) -> dict[str, Any]:
    limits = limits or RequestLimits()
    paths: dict[str, dict[str, Any]] = {}
    for method, path, route in iter_routes(routes):
        op: Operation | None = getattr(route.endpoint, ATTRIBUTE, None)
        if op is not None:
            paths.setdefault(path, {})[method.lower()] = _render(op, method, route, limits)
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


def _template(path: str) -> str:
    # Starlette writes `{uuid:str}` for typed parameters; OpenAPI wants `{uuid}`.
    return re.sub(r"\{(\w+):\w+\}", r"{\1}", path)


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
        out["requestBody"] = {"required": op.body_required, "content": {"application/json": {"schema": op.body}}}
    out["responses"] = {str(status): _render_reply(reply) for status, reply in sorted(replies.items())}
    if not op.authenticated:
        out["security"] = []
    if op.valid_input_statuses:
        out[VALID_INPUT_STATUSES] = sorted(op.valid_input_statuses)
    return out


def _render_reply(reply: Reply) -> dict[str, Any]:
    out: dict[str, Any] = {"description": reply.description}
    if reply.schema is not None:
        out["content"] = {reply.media_type: {"schema": reply.schema}}
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
