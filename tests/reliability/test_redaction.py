"""No email, key or URL credential reaches what people see: the server's access log at the default level, the
processor's errors, and the messages of the source and `mogul sync`."""

from __future__ import annotations

import io
import json
import logging
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from mogul import redact
from mogul.cli import main
from mogul.server.processing import Processor
from mogul.server.store import Database
from mogul.server.store.customers import Customers
from mogul.server.store.data_sources import DataSources
from mogul.server.store.invoices import Invoices
from mogul.server.store.keys import create_key
from mogul.server.store.plans import Plans
from mogul.source.entrypoint import run

from ..server.processes import serving
from ..server.processing_helpers import invoice
from .conftest import write_config

EMAIL = "jane.doe+vip@example.com"
SECRET = "hunter2-secret-token"


def test_redact_masks_emails_keys_and_url_credentials() -> None:
    assert redact.path(f"/v1/customers/search?email={EMAIL}&per_page=5") == "/v1/customers/search?email=***&per_page=5"
    assert redact.path(f"/v1/ping?api_key={SECRET}&X-Api-Token={SECRET}") == "/v1/ping?api_key=***&X-Api-Token=***"
    assert redact.path(f"/v1/customers?q={EMAIL.replace('@', '%40')}") == "/v1/customers?q=***"
    line = redact.text(f"Could not reach https://bob:{SECRET}@api.example.com/v1?token={SECRET} for {EMAIL}")
    assert line == "Could not reach https://bob:***@api.example.com/v1?token=*** for ***"
    assert redact.text("postgresql://postgres@127.0.0.1:9/test") == "postgresql://postgres@127.0.0.1:9/test"
    assert redact.text(f"key {SECRET} refused", SECRET) == "key *** refused"
    assert redact.path("/v1/customers?per_page=5&page=2") == "/v1/customers?per_page=5&page=2"


def test_the_access_log_records_no_email_and_no_key(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'mogul.db'}"
    db = Database(url)
    db.migrate()
    key = create_key(db, "tests", "read-write")[0]
    db.dispose()
    with serving(url, tmp_path / "serve.log", "--rate-limit", "0") as server:  # the default log level: info
        with httpx.Client(base_url=server.base_url, auth=(key, "")) as http:
            assert http.get("/v1/customers/search", params={"email": EMAIL}).status_code == 404
            assert http.get("/v1/ping", params={"api_key": key, "token": SECRET}).status_code == 200
            assert http.get("/v1/customers", params={"per_page": 5, "note": EMAIL}).status_code in (200, 400)
        time.sleep(0.2)
        log = server.log()
    assert "/v1/customers/search?email=*** HTTP/1.1" in log and "/v1/ping?api_key=***&token=***" in log, log
    for leak in (EMAIL, EMAIL.replace("@", "%40"), key, SECRET):
        assert leak not in log, leak


def test_processor_errors_log_no_sql_and_no_parameters(db: Database, caplog: pytest.LogCaptureFixture) -> None:
    ds = DataSources(db).create({"name": "Billing"})["uuid"]
    pl = Plans(db).create({"data_source_uuid": ds, "name": "Gold", "interval_count": 1, "interval_unit": "month"})
    cus = Customers(db).create({"data_source_uuid": ds, "external_id": "cus_jane", "name": "Jane Doe", "email": EMAIL})
    Invoices(db).import_invoices(
        cus["uuid"], {"invoices": [invoice("i1", pl["uuid"], "2024-01-01", "2024-02-01", 5000)]}
    )
    with db.begin() as conn:  # the processor's writes now fail in the database, with the statement's parameters
        conn.exec_driver_sql("ALTER TABLE activities RENAME TO activities_gone")
    processor = Processor(db)
    with caplog.at_level(logging.DEBUG, logger="mogul"):
        processor.start()
        time.sleep(1.5)
        processor.stop()
    failures = [rec.getMessage() for rec in caplog.records if "processing failed" in rec.getMessage()]
    assert failures, caplog.text
    for leak in (EMAIL, "Jane Doe", "cus_jane", "SELECT", "INSERT", "UPDATE", "parameters"):
        assert leak not in caplog.text, leak


def _credentials_config(tmp_path: Path, base_url: str) -> Path:
    config = {"api_key": SECRET, "start_date": "2024-01-01T00:00:00Z", "base_url": base_url, "max_retry_seconds": 1}
    return write_config(tmp_path / "config.json", config)


@pytest.mark.parametrize("base_url", ["http://admin:pa55word@127.0.0.1:9", "http://admin:pa55word@[::1"])
def test_source_and_sync_never_echo_credentials_of_base_url(tmp_path: Path, base_url: str) -> None:
    config = _credentials_config(tmp_path, base_url)
    result = CliRunner().invoke(main, ["sync", "--config", str(config), "-d", f"duckdb:///{tmp_path / 'x.duckdb'}"])
    assert result.exit_code == 1 and "base_url" in result.stderr, result.stderr
    out, err = io.BytesIO(), io.BytesIO()
    run(["check", "--config", str(config)], out, err)
    catalog = tmp_path / "catalog.json"
    catalog.write_text(json.dumps({"streams": [_stream("data_sources")]}))
    run(["read", "--config", str(config), "--catalog", str(catalog)], out, err)
    seen: list[Any] = [result.output, result.stderr, out.getvalue().decode(), err.getvalue().decode()]
    for text in seen:
        assert "pa55word" not in text and SECRET not in text, text


def _stream(name: str) -> dict[str, Any]:
    return {
        "stream": {"name": name, "json_schema": {}, "supported_sync_modes": ["full_refresh"]},
        "sync_mode": "full_refresh",
        "destination_sync_mode": "overwrite",
    }
