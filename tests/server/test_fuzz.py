"""A bounded schemathesis run: every operation of /openapi.json, fuzzed with valid and invalid input, gives no
5xx and no response the document does not describe. The longer run is `bench/fuzz.py`."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.auths import apply_basic_auth
from schemathesis.config import SchemathesisConfig
from schemathesis.config._checks import POSITIVE_DATA_ACCEPTANCE_EXPECTED_STATUSES

from mogul.server.app import app_routes
from mogul.server.embedded import EmbeddedServer
from mogul.server.openapi import VALID_INPUT_STATUSES, build_document
from mogul.server.store import Database
from mogul.server.store.data_sources import DataSources
from mogul.server.store.keys import create_key

# `bench/fuzz.py` runs this same test longer: more examples, and optionally on PostgreSQL.
EXAMPLES = int(os.environ.get("MOGUL_FUZZ_EXAMPLES", "30"))
BACKEND = os.environ.get("MOGUL_FUZZ_BACKEND", "sqlite")


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    # SQLite by default: the fuzz checks the HTTP layer against the document; the stores' SQL runs on both
    # backends in the other tests.
    if BACKEND == "postgres":
        return request.getfixturevalue("pg_schema_url")
    return f"sqlite:///{tmp_path / 'fuzz.db'}"


@pytest.fixture
def fuzz_target(db: Database) -> Iterator[tuple[EmbeddedServer, str]]:
    key = create_key(db, "fuzz", "read-write")[0]
    # Lists with items in them, so their responses are checked against the item schema too.
    DataSources(db).create({"name": "In-house billing"})
    DataSources(db).create({"name": "Stripe EU", "system": "Stripe"})
    with EmbeddedServer(db) as srv:
        yield srv, key


# Built from the app's route table without a database (schemathesis 4.32's `from_fixture` is broken on
# pytest 9); test_openapi.py checks that the server serves exactly this document.
# `additionalProperties: false` on request bodies is the contract: send only the documented fields. The
# server ignores unknown fields (as ChartMogul does, so newer clients keep working), so the fuzz does not
# send extra properties expecting a refusal.
# A request the document calls valid may still get the statuses its operation lists under
# `x-valid-input-statuses` (an unknown data source, an external id already taken, end-date before start-date).
DOCUMENT = build_document(app_routes())
ACCEPTED = [*POSITIVE_DATA_ACCEPTANCE_EXPECTED_STATUSES]
CONFIG = SchemathesisConfig.from_dict(
    {
        "generation": {"allow-extra-parameters": False},
        "operations": [
            {
                "include-operation-id": op["operationId"],
                "checks": {
                    "positive_data_acceptance": {"expected-statuses": [*ACCEPTED, *map(str, op[VALID_INPUT_STATUSES])]}
                },
            }
            for ops in DOCUMENT["paths"].values()
            for op in ops.values()
            if VALID_INPUT_STATUSES in op
        ],
    }
)
schema = schemathesis.openapi.from_dict(DOCUMENT, config=CONFIG)


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
def test_fuzz(case: schemathesis.Case, fuzz_target: tuple[EmbeddedServer, str]) -> None:
    srv, key = fuzz_target
    apply_basic_auth(case, key, "")
    response = case.call_and_validate(base_url=srv.base_url)
    # Keep examples independent: a name created by one would make the next identical one a 422.
    if case.method == "POST" and response.status_code == 201:
        requests.delete(f"{srv.base_url}/v1/data_sources/{response.json()['uuid']}", auth=(key, ""), timeout=30)
