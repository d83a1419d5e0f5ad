"""/openapi.json: served without a key, describes every route of the app, and no route can go undescribed."""

from __future__ import annotations

import httpx
import schemathesis
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mogul.server.app import app_routes, create_app
from mogul.server.embedded import EmbeddedServer
from mogul.server.openapi import build_document, is_api, iter_routes, missing_operations
from mogul.server.responses import json
from mogul.server.store import Database


def test_every_route_of_the_app_has_an_operation(db: Database) -> None:
    app = create_app(db)
    assert missing_operations(app.router.routes) == [], "routes without an OpenAPI operation (add @operation)"
    document = build_document(app.router.routes)
    served = {(m.lower(), p) for m, p, route in iter_routes(app.router.routes) if is_api(route)}
    described = {(m, p) for p, ops in document["paths"].items() for m in ops}
    assert served == described
    # Left out on purpose, and only that: the dashboard's page (its assets are a static mount, not routes).
    assert [(m, p) for m, p, route in iter_routes(app.router.routes) if not is_api(route)] == [("GET", "/")]
    assert ("post", "/v1/data_sources") in described


def test_a_route_without_an_operation_is_reported(db: Database) -> None:
    async def undocumented(_request: Request) -> Response:
        return json({})

    app = create_app(db)
    app.router.routes[0].routes.append(Route("/widgets/{uuid}", undocumented, methods=["GET", "PATCH"]))
    assert missing_operations(app.router.routes) == [("GET", "/v1/widgets/{uuid}"), ("PATCH", "/v1/widgets/{uuid}")]


def test_served_without_a_key_and_equal_to_the_built_document(server: EmbeddedServer) -> None:
    r = httpx.get(server.base_url + "/openapi.json")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/json")
    assert r.json() == build_document(app_routes())
    # A valid OpenAPI document: schemathesis refuses to load one that is not.
    loaded = schemathesis.openapi.from_dict(r.json())
    assert {op.ok().label for op in loaded.get_all_operations()} >= {"GET /v1/data_sources", "POST /v1/data_sources"}


def test_middleware_answers_are_documented_on_every_operation() -> None:
    document = build_document(app_routes())
    ids = []
    for path, ops in document["paths"].items():
        for method, op in ops.items():
            ids.append(op["operationId"])
            assert {"400", "413", "500"} <= set(op["responses"]), (method, path)
            if not path.startswith("/v1/"):
                assert op["security"] == []
                continue
            assert {"401", "429", "503"} <= set(op["responses"]), (method, path)
            assert op["responses"]["429"]["headers"]["Retry-After"]["required"] is True
            assert ("403" in op["responses"]) == (method not in ("get", "head", "options")), (method, path)
    assert len(ids) == len(set(ids))


def test_405_lists_every_method_of_the_path(api: httpx.Client) -> None:
    r = api.put("/data_sources/ds_x")
    assert r.status_code == 405
    assert r.headers["allow"] == "DELETE, GET, HEAD"
    assert r.json() == {"code": 405, "message": "Method Not Allowed", "param": None}
    assert api.patch("/data_sources").headers["allow"] == "GET, HEAD, POST"


def test_double_trailing_slash_is_not_the_list(api: httpx.Client) -> None:
    # `/data_sources//` is a retrieve with an empty uuid, not the list: only one trailing slash is dropped.
    api.post("/data_sources", json={"name": "One"})
    assert api.get("/data_sources/").status_code == 200
    r = api.get("/data_sources//")
    assert r.status_code == 404
    assert r.json()["code"] == 404
