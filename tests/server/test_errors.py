"""Error shapes: every error is JSON, nothing leaks, the server keeps serving."""

from __future__ import annotations

import httpx
import pytest
from starlette.requests import Request
from starlette.routing import Route

from mogul.server.embedded import EmbeddedServer
from mogul.server.store import Database


@pytest.mark.parametrize(
    ("content", "message_start"),
    [
        (b"{not json", "The request body is not valid JSON"),
        (b'["a list"]', "The request body must be a JSON object"),
        (b'"a string"', "The request body must be a JSON object"),
        (b"\xff\xfe", "The request body is not valid JSON"),
    ],
)
def test_malformed_bodies_are_400(api: httpx.Client, content: bytes, message_start: str) -> None:
    r = api.post("/data_sources", content=content, headers={"content-type": "application/json"})
    assert r.status_code == 400
    body = r.json()
    assert body["code"] == 400 and body["message"].startswith(message_start)
    assert api.get("/data_sources").json() == {"data_sources": []}


@pytest.mark.parametrize("name", [123, ["x"], {"a": 1}, True])
def test_wrong_types_are_400(api: httpx.Client, name: object) -> None:
    r = api.post("/data_sources", json={"name": name})
    assert r.status_code == 400
    assert r.json() == {"code": 400, "message": "name must be a string", "param": "name"}


def test_unknown_route_is_404_json(api: httpx.Client) -> None:
    r = api.get("/no_such_thing")
    assert r.status_code == 404
    assert r.json() == {"code": 404, "message": "The requested resource does not exist.", "param": None}


def test_wrong_method_is_405_json(api: httpx.Client) -> None:
    r = api.put("/data_sources", json={"name": "x"})
    assert r.status_code == 405
    assert r.json()["code"] == 405
    assert "allow" in {k.lower() for k in r.headers}


def test_get_ignores_a_body(api: httpx.Client) -> None:
    # chartmogul-node sends `{}` as the body of every GET.
    r = api.request("GET", "/data_sources", content=b"{}", headers={"content-type": "application/json"})
    assert r.status_code == 200


def test_unhandled_exception_is_a_json_500_without_trace(
    db: Database, rw_key: str, capfd: pytest.CaptureFixture[str]
) -> None:
    def explode(_request: Request) -> None:
        raise RuntimeError(f"secret detail {rw_key}")

    srv = EmbeddedServer(db)
    srv.app.router.routes.insert(0, Route("/v1/explode", explode))
    with srv, httpx.Client(base_url=srv.base_url, auth=(rw_key, "")) as http:
        r = http.get("/v1/explode")
        assert r.status_code == 500
        assert r.json() == {"code": 500, "message": "Internal server error", "param": None}
        assert "secret" not in r.text and "Traceback" not in r.text
        # The server survives and keeps answering.
        assert http.get("/v1/ping").json() == {"data": "pong!"}
    out, err = capfd.readouterr()
    assert rw_key not in out + err
    assert "Traceback" not in err
