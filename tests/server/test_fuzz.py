"""A bounded schemathesis run: every operation of /openapi.json, fuzzed with valid and invalid input, gives no
5xx and no response the document does not describe. The longer run is `bench/fuzz.py`."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from mogul.server.app import app_routes
from mogul.server.auth import hash_key
from mogul.server.embedded import EmbeddedServer
from mogul.server.openapi import VALID_INPUT_STATUSES, build_document
from mogul.server.store import Database
from mogul.server.store import schema as tables
from mogul.server.store.contacts import Contacts
from mogul.server.store.customers import Customers
from mogul.server.store.data_sources import DataSources
from mogul.server.store.notes import CustomerNotes
from mogul.server.store.plans import Plans

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


@dataclass
class Target:
    server: EmbeddedServer
    key: str
    source: str  # the uuid of a data source that exists
    customer: str  # the uuid of a customer of that source


@pytest.fixture
def fuzz_target(db: Database) -> Iterator[Target]:
    with db.begin() as conn:
        conn.execute(
            tables.api_keys.insert().values(
                name="fuzz", key_hash=hash_key(FUZZ_KEY), key_hint="fuzz", access="read-write", created_at=0
            )
        )
    # Lists with items in them, so their responses are checked against the item schema too.
    source = DataSources(db).create({"name": "In-house billing"})["uuid"]
    DataSources(db).create({"name": "Stripe EU", "system": "Stripe"})
    Plans(db).create({"data_source_uuid": source, "name": "Gold", "interval_count": 1, "interval_unit": "month"})
    customer = Customers(db).create({"data_source_uuid": source, "external_id": "fuzz"})["uuid"]
    # The CRM lists, with an item each.
    Contacts(db).create({"customer_uuid": customer, "data_source_uuid": source, "custom": [{"key": "k", "value": 1}]})
    CustomerNotes(db).create({"customer_uuid": customer, "type": "call"}, key_name="fuzz")
    with EmbeddedServer(db) as srv:
        yield Target(srv, FUZZ_KEY, source, customer)


def _meet_preconditions(case: schemathesis.Case, target: Target) -> None:
    """A valid request may still name things that do not exist; for valid examples, name things that do.
    (Invalid examples are left alone: they must be refused whatever they name.)"""
    if case.meta is None or not case.meta.generation.mode.is_positive:
        return
    if isinstance(case.query, dict):
        case.query.pop("cursor", None)  # opaque: only cursors the server made are valid
    if isinstance(case.body, dict) and "data_source_uuid" in case.body:
        case.body["data_source_uuid"] = target.source
    if isinstance(case.body, dict) and "customer_uuid" in case.body:
        case.body["customer_uuid"] = target.customer


# Created by a valid example, deleted after it: the next identical example must not be a duplicate.
CREATED = {
    "/v1/data_sources": "/v1/data_sources/{uuid}",
    "/v1/plans": "/v1/plans/{uuid}",
    "/v1/customers": "/v1/customers/{uuid}",
}


# Built from the app's route table without a database (schemathesis 4.32's `from_fixture` is broken on
# pytest 9); test_openapi.py checks that the server serves exactly this document.
# `additionalProperties: false` on request bodies is the contract: send only the documented fields. The
# server ignores unknown fields (as ChartMogul does, so newer clients keep working), so the fuzz does not
# send extra properties expecting a refusal.
# A fixed key (inserted by the fixture) so that schemathesis itself authenticates, and knows it does: its auth
# checks then remove or spoil the credentials and expect a 401.
FUZZ_KEY = "fuzz0123456789abcdef0123456789ab"
# A valid request may still get the statuses its operation lists under `x-valid-input-statuses`: refusals that
# depend on stored data (an external id already taken, a plan that does not exist) or on a rule across fields
# (end-date before start-date). Only there, and only for valid examples, does the fuzz accept them.
DOCUMENT = build_document(app_routes())
ACCEPTED = ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx"]  # schemathesis' default for valid examples
CONFIG = SchemathesisConfig.from_dict(
    {
        "generation": {"allow-extra-parameters": False},
        "auth": {"basic": {"username": FUZZ_KEY, "password": FUZZ_KEY}},
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
def test_fuzz(case: schemathesis.Case, fuzz_target: Target) -> None:
    base = fuzz_target.server.base_url
    _meet_preconditions(case, fuzz_target)
    response = case.call_and_validate(base_url=base)
    if case.method == "POST" and response.status_code == 201 and case.path in CREATED:
        url = base + CREATED[case.path].format(uuid=response.json()["uuid"])
        requests.delete(url, auth=(fuzz_target.key, ""), timeout=30)
