"""Authentication and access levels: 401 for any bad credential, 403 for read-only writes."""

from __future__ import annotations

import base64

import httpx
import pytest
from starlette.routing import Mount, Route

from mogul.server.embedded import EmbeddedServer
from mogul.server.store import Database
from mogul.server.store.keys import list_keys, revoke_key

UNAUTHORIZED = {"code": 401, "message": "No valid API key provided", "param": None}


def _get(server: EmbeddedServer, headers: dict[str, str]) -> httpx.Response:
    return httpx.get(server.base_url + "/v1/ping", headers=headers)


def _basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def test_key_as_user_with_empty_or_same_password(server: EmbeddedServer, rw_key: str) -> None:
    for headers in (_basic(rw_key, ""), _basic(rw_key, rw_key)):
        r = _get(server, headers)
        assert (r.status_code, r.json()) == (200, {"data": "pong!"})


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer abc"},
        {"Authorization": "Basic"},
        {"Authorization": "Basic !!!notbase64"},
        {"Authorization": "Basic " + base64.b64encode(b"no-colon").decode()},
        {"Authorization": "Basic " + base64.b64encode(b"\xff\xfe:").decode()},
        _basic("", ""),
        _basic("wrong-key", ""),
    ],
    ids=["none", "bearer", "empty-basic", "not-base64", "no-colon", "not-utf8", "empty-user", "unknown-key"],
)
def test_bad_credentials_are_401(server: EmbeddedServer, headers: dict[str, str]) -> None:
    r = _get(server, headers)
    assert (r.status_code, r.json()) == (401, UNAUTHORIZED)
    assert "www-authenticate" not in {k.lower() for k in r.headers}


@pytest.mark.parametrize(
    "value",
    [b"Basic \xe9\xe9\xe9", b"Basic YWJj\xff", b"B\xe4sic YWJjOg==", b"Basic " + base64.b64encode("clé:".encode())],
    ids=["latin1-token", "trailing-byte", "latin1-scheme", "utf8-key"],
)
def test_non_ascii_authorization_is_401_and_not_logged_as_an_error(
    server: EmbeddedServer, value: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level("WARNING"):
        r = httpx.get(server.base_url + "/v1/ping", headers={"Authorization": value})
    assert (r.status_code, r.json()) == (401, UNAUTHORIZED)
    assert [rec for rec in caplog.records if rec.levelname in ("ERROR", "CRITICAL")] == []


def test_password_other_than_the_key_is_401(server: EmbeddedServer, rw_key: str) -> None:
    assert _get(server, _basic(rw_key, "something-else")).status_code == 401


def test_revoked_key_is_401(server: EmbeddedServer, db: Database, rw_key: str) -> None:
    assert _get(server, _basic(rw_key, "")).status_code == 200
    key_id = next(k.id for k in list_keys(db) if k.hint == rw_key[:4] and k.revoked_at is None)
    revoke_key(db, str(key_id))
    server.app.state.keyring._cache.clear()  # the 1-second positive cache, not waited out here
    assert _get(server, _basic(rw_key, "")).status_code == 401


def test_keys_are_stored_hashed(db: Database, rw_key: str) -> None:
    with db.read() as conn:
        dump = " ".join(str(v) for row in conn.exec_driver_sql("SELECT * FROM api_keys") for v in row)
    assert rw_key not in dump
    assert rw_key[:4] in dump  # the hint, and nothing more


def _write_routes(server: EmbeddedServer) -> list[tuple[str, str]]:
    """Every (method, path) the app serves that is not a read, enumerated from the app itself."""
    found = []

    def walk(routes: list, prefix: str) -> None:
        for route in routes:
            if isinstance(route, Mount):
                walk(route.routes, prefix + route.path)
            elif isinstance(route, Route):
                for method in route.methods or ():
                    if method not in ("GET", "HEAD", "OPTIONS"):
                        found.append((method, prefix + route.path))

    walk(server.app.router.routes, "")
    return found


def test_read_only_key_is_refused_on_every_write_route(server: EmbeddedServer, api: httpx.Client, ro_key: str) -> None:
    source = api.post("/data_sources", json={"name": "Existing"}).json()
    routes = _write_routes(server)
    assert {m for m, _ in routes} >= {"POST", "DELETE"}
    with httpx.Client(base_url=server.base_url, auth=(ro_key, "")) as reader:
        for method, path in routes:
            concrete = path.replace("{uuid}", source["uuid"])
            for name in ("{customer_uuid}", "{invoice_uuid}", "{data_source_uuid}"):
                concrete = concrete.replace(name, "x")
            r = reader.request(method, concrete, json={"name": "Nope"})
            assert r.status_code == 403, (method, path)
            assert r.json()["code"] == 403
        # Reads still work, and nothing was written or deleted.
        listed = reader.get("/v1/data_sources").json()["data_sources"]
    assert [s["uuid"] for s in listed] == [source["uuid"]]


def test_account_endpoint(api: httpx.Client) -> None:
    body = api.get("/account").json()
    assert {"name", "currency", "time_zone", "week_start_on", "id"} <= set(body)
    assert body["week_start_on"] == "sunday"
