"""Nothing secret in logs or error bodies: a real `mogul serve --log-level debug`, requests that succeed and
fail in every way, then the whole log is searched for the keys and the Authorization headers."""

from __future__ import annotations

import base64
from pathlib import Path

import httpx

from mogul.server.store import Database
from mogul.server.store.keys import create_key, revoke_key

from .processes import serving


def test_no_key_reaches_the_log_or_a_response(database_url: str, db: Database, tmp_path: Path) -> None:
    rw = create_key(db, "writer", "read-write")[0]
    ro = create_key(db, "reader", "read-only")[0]
    revoked, info = create_key(db, "old", "read-write")
    revoke_key(db, str(info.id))
    unknown = "0123456789abcdef0123456789abcdef"
    secrets = [rw, ro, revoked, unknown]

    responses: list[httpx.Response] = []
    args = ("--log-level", "debug", "--fault-header", "--max-body-size", "2kB", "--rate-limit", "5")
    with serving(database_url, tmp_path / "serve.log", *args) as server:
        base = server.base_url + "/v1"
        for auth in ((rw, ""), (rw, rw), (ro, ""), (revoked, ""), (unknown, ""), (rw, "wrong")):
            with httpx.Client(base_url=base, auth=auth, timeout=30) as http:
                responses += [
                    http.get("/ping"),
                    http.post("/data_sources", json={"name": f"source {len(responses)}"}),
                    http.post("/data_sources", json={"name": ""}),
                    http.post("/data_sources", content=b"{bad json"),
                    http.post("/data_sources", json={"name": "x" * 4000}),
                    http.get("/data_sources/ds_missing"),
                    http.get("/data_sources", params={"with_processing_status": "maybe"}),
                    http.get("/data_sources", headers={"X-Mogul-Fault": "500"}),
                    http.get("/data_sources", headers={"X-Mogul-Fault": "bogus"}),
                    http.delete("/data_sources/ds_missing"),
                    http.get("/nowhere"),
                ]
        for header in (f"Bearer {rw}", f"Basic {rw}", "Basic " + base64.b64encode(f"{rw}".encode()).decode()):
            responses.append(httpx.get(base + "/ping", headers={"Authorization": header}))
        log = server.log()

    statuses = {r.status_code for r in responses}
    assert {200, 201, 400, 401, 403, 404, 413, 422, 429, 500} <= statuses, statuses
    assert "DEBUG     mogul.server.faults: injecting" in log  # the log really is at debug level
    for secret in secrets:
        encoded = base64.b64encode(f"{secret}:".encode()).decode()
        assert secret not in log and encoded not in log
        assert secret[:12] not in log  # not even a prefix
        for r in responses:
            assert secret not in r.text and encoded not in r.text
    assert "Traceback" not in log
