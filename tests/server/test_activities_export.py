"""`/v1/activities_export`: the job, its file at a signed URL, expiry, restarts."""

from __future__ import annotations

import csv
import io
import threading
import time
import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlalchemy import select, update

from mogul.server.embedded import EmbeddedServer
from mogul.server.store import Database, schema
from mogul.server.store import exports as export_store
from mogul.server.store.exports import COLUMNS, LEASE_US, Exports
from mogul.server.store.keys import create_key
from mogul.server.timefmt import MICROS

from .processing_helpers import gt1, settle

DAY_US = 86_400 * MICROS


def wait(api: httpx.Client, export_id: str, status: str = "succeeded", timeout: float = 30) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = api.get(f"/activities_export/{export_id}").json()
        if body["status"] == status:
            return body
        assert body["status"] == "pending", body
        time.sleep(0.02)
    raise AssertionError(f"export {export_id} did not reach {status}")


def rows_of(content: bytes) -> list[dict[str, str]]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        [name] = archive.namelist()
        assert name.endswith(".csv")
        text = archive.read(name).decode("utf-8")
    reader = csv.DictReader(io.StringIO(text))
    assert tuple(reader.fieldnames or ()) == COLUMNS
    return list(reader)


@pytest.fixture
def history(api: httpx.Client) -> dict[str, Any]:
    made = gt1(api)
    settle(api)
    return made


def test_create_then_succeed_with_a_file_that_needs_no_key(api: httpx.Client, history: dict[str, Any]) -> None:
    r = api.post("/activities_export", json={"start-date": "2024-01-01", "end-date": "2024-12-31", "type": "new_biz"})
    assert r.status_code == 200  # 200, not 201 (recorded)
    pending = r.json()
    assert list(pending) == ["id", "status", "file_url", "params", "expires_at", "created_at"]
    assert (pending["status"], pending["file_url"], pending["expires_at"]) == ("pending", None, None)
    assert pending["params"] == {
        "kind": "activities",
        "params": {
            "activity_type": "new_biz",
            "start_date": "2024-01-01 00:00:00 +0000",
            "end_date": "2024-12-31 00:00:00 +0000",
        },
    }
    assert pending["created_at"].endswith("+00:00") and len(pending["created_at"]) == 25

    done = wait(api, pending["id"])
    assert {k: v for k, v in done.items() if k not in ("status", "file_url", "expires_at")} == {
        k: v for k, v in pending.items() if k not in ("status", "file_url", "expires_at")
    }
    url = urlsplit(done["file_url"])
    assert url.path.endswith(".zip") and url.path == f"/exports/{pending['id']}/activities-mogul-{pending['id']}.zip"
    expires = int(parse_qs(url.query)["expires"][0])
    created = time.time()
    assert abs(expires - (created + 7 * 86400)) < 120  # 7 days after the file was written
    assert done["expires_at"].endswith("+00:00")

    file = httpx.get(done["file_url"])  # no API key: the signature is the credential
    assert file.status_code == 200 and file.headers["content-type"] == "application/zip"
    rows = rows_of(file.content)
    expected = api.get("/activities?type=new_biz&start-date=2024-01-01&end-date=2024-12-31").json()["entries"]
    assert [row["uuid"] for row in rows] == [a["uuid"] for a in expected] and len(rows) == 1
    assert rows[0]["activity-mrr"] == str(expected[0]["activity-mrr"])
    assert rows[0]["customer-uuid"] == history["customer"]["uuid"]


def test_every_activity_without_bounds_and_each_body_spelling(api: httpx.Client, history: dict[str, Any]) -> None:
    everything = api.get("/activities").json()["entries"]
    bodies: list[dict[str, Any]] = [
        {"json": {}},
        {"json": {"start_date": "2024-03-01", "end_date": "2024-03-01"}},  # snake, as older clients send
        {
            "content": "start-date=2024-03-01&end-date=2024-03-01",
            "headers": {"content-type": "application/x-www-form-urlencoded"},
        },
        {"content": b""},
    ]
    found = []
    for body in bodies:
        r = api.post("/activities_export", **body)
        assert r.status_code == 200, (body, r.text)
        found.append([row["uuid"] for row in rows_of(httpx.get(wait(api, r.json()["id"])["file_url"]).content)])
    assert found[0] == [a["uuid"] for a in everything] == found[3]
    march = [a["uuid"] for a in everything if a["date"].startswith("2024-03-01")]
    assert found[1] == found[2] == march and march  # a day includes its whole day


def test_bad_input_gets_4xx(api: httpx.Client) -> None:
    for body, param in [
        ({"type": "upgrade"}, "type"),
        ({"start-date": "someday"}, "start-date"),
        ({"start-date": "2024-02-01", "end-date": "2024-01-01"}, "end-date"),
    ]:
        r = api.post("/activities_export", json=body)
        assert r.status_code == 422, body
        assert r.json()["error_details"][0]["param"] == param
    assert api.post("/activities_export", content=b"{oops").status_code == 400
    assert api.post("/activities_export", json={"type": 5}).status_code == 400
    missing = api.get("/activities_export/00000000-0000-4000-8000-000000000000")
    assert missing.status_code == 404 and missing.json()["param"] == "id"


def test_the_url_is_bound_to_its_export_and_database(
    api: httpx.Client, history: dict[str, Any], tmp_path: Path
) -> None:
    a = wait(api, api.post("/activities_export", json={}).json()["id"])
    b = wait(api, api.post("/activities_export", json={"type": "expansion"}).json()["id"])
    url_a, url_b = urlsplit(a["file_url"]), urlsplit(b["file_url"])
    base = f"{url_a.scheme}://{url_a.netloc}"
    swapped = f"{base}{url_b.path}?{url_a.query}"  # a's signature on b's file
    assert httpx.get(swapped).status_code == 403
    assert httpx.get(f"{base}{url_a.path}").status_code == 403  # no signature
    tampered = url_a.query.replace("expires=", "expires=1")
    assert httpx.get(f"{base}{url_a.path}?{tampered}").status_code == 403
    assert httpx.get(f"{base}{url_a.path.replace('.zip', '.csv')}?{url_a.query}").status_code == 404

    # Another database (another account) signs with its own key: a's URL names nothing there.
    other = Database(f"sqlite:///{tmp_path / 'other.db'}")
    other.migrate()
    key = create_key(other, "t", "read-write")[0]
    with EmbeddedServer(other) as srv, httpx.Client(base_url=srv.base_url + "/v1", auth=(key, "")) as api2:
        mine = wait(api2, api2.post("/activities_export", json={}).json()["id"])
        theirs = urlsplit(mine["file_url"])
        assert httpx.get(f"{srv.base_url}{url_a.path}?{url_a.query}").status_code == 403
        assert httpx.get(f"{srv.base_url}{theirs.path}?{url_a.query}").status_code == 403
        assert httpx.get(mine["file_url"]).status_code == 200
    other.dispose()


def test_the_file_expires(
    api: httpx.Client, db: Database, history: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    done = wait(api, api.post("/activities_export", json={}).json()["id"])
    assert httpx.get(done["file_url"]).status_code == 200
    later = export_store.now_us() + 7 * DAY_US + MICROS
    monkeypatch.setattr(export_store, "now_us", lambda: later)
    gone = httpx.get(done["file_url"])
    assert gone.status_code == 410 and gone.json()["message"] == export_store.EXPIRED
    assert api.get(f"/activities_export/{done['id']}").json()["status"] == "succeeded"
    # The next export drops expired files.
    api.post("/activities_export", json={})
    with db.read() as conn:
        kept = conn.execute(
            select(schema.activities_exports.c.file).where(schema.activities_exports.c.id == done["id"])
        )
        assert kept.scalar_one() is None


def test_a_failed_job_has_no_file(api: httpx.Client, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(self: Exports, row: Any, name: str) -> bytes:
        raise RuntimeError("disk full")

    monkeypatch.setattr(Exports, "_zip", broken)
    failed = wait(api, api.post("/activities_export", json={}).json()["id"], status="failed")
    assert failed["file_url"] is None and failed["expires_at"] is None


def test_the_job_runs_off_the_event_loop(api: httpx.Client, monkeypatch: pytest.MonkeyPatch) -> None:
    release = threading.Event()
    real = Exports._zip

    def slow(self: Exports, row: Any, name: str) -> bytes:
        assert release.wait(30)
        return real(self, row, name)

    monkeypatch.setattr(Exports, "_zip", slow)
    export_id = api.post("/activities_export", json={}).json()["id"]
    for _ in range(5):  # the server answers while the job is blocked
        assert api.get("/ping", timeout=5).status_code == 200
        assert api.get(f"/activities_export/{export_id}", timeout=5).json()["status"] == "pending"
    release.set()
    wait(api, export_id)


def test_a_restart_reruns_unfinished_jobs(db: Database) -> None:
    key = create_key(db, "t", "read-write")[0]
    store = Exports(db)
    interrupted = store.create({})["id"]  # its process died before the job ran
    dead_claim = store.create({"type": "churn"})["id"]
    held = store.create({"type": "expansion"})["id"]
    now = export_store.now_us()
    x = schema.activities_exports
    with db.begin() as conn:
        conn.execute(update(x).where(x.c.id == dead_claim).values(claimed_at=now - 2 * LEASE_US))
        conn.execute(update(x).where(x.c.id == held).values(claimed_at=now + 3600 * MICROS))  # a live process
    assert store.run(held) is False  # another process holds it
    with EmbeddedServer(db) as srv, httpx.Client(base_url=srv.base_url + "/v1", auth=(key, "")) as api:
        assert wait(api, interrupted)["file_url"]
        assert wait(api, dead_claim)["params"]["params"]["activity_type"] == "churn"
        assert api.get(f"/activities_export/{held}").json()["status"] == "pending"
    assert store.run(interrupted) is False  # done: nothing runs twice


def test_a_poll_restarts_a_job_whose_process_died(db: Database, api: httpx.Client) -> None:
    store = Exports(db)
    export_id = store.create({})["id"]
    x = schema.activities_exports
    with db.begin() as conn:  # claimed by a process that died after the server started
        conn.execute(update(x).where(x.c.id == export_id).values(claimed_at=export_store.now_us() - 2 * LEASE_US))
    wait(api, export_id)


def test_read_only_keys_cannot_start_exports(server: EmbeddedServer, ro_key: str) -> None:
    with httpx.Client(base_url=server.base_url + "/v1", auth=(ro_key, "")) as ro:
        assert ro.post("/activities_export", json={}).status_code == 403
