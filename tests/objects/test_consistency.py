"""Every declared object names the same keys at every level in each of its forms: what the server sends, the
server's OpenAPI document, the Airbyte stream's JSON schema and the client's typed model.

A new object joins by adding a `Case`: its declaration, a way to make the server send it, its OpenAPI component
and its stream (if it has one).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from mogul.client import models
from mogul.objects import ApiObject, DataSource, key_tree, schema_key_tree, undeclared
from mogul.server.embedded import EmbeddedServer
from mogul.source.streams import BY_NAME


def data_sources(api: httpx.Client) -> list[dict[str, Any]]:
    created = api.post("/data_sources", json={"name": "In-house billing"})
    assert created.status_code == 201, created.text
    flags = "with_processing_status=true&with_auto_churn_subscription_setting=true&with_invoice_handling_setting=1"
    listed = api.get(f"/data_sources?{flags}").json()["data_sources"]
    return [created.json(), *listed, api.get(f"/data_sources/{created.json()['uuid']}?{flags}").json()]


@dataclass(frozen=True)
class Case:
    cls: type[ApiObject]
    sent: Callable[[httpx.Client], list[dict[str, Any]]]
    """Objects as the server sends them, between them carrying every optional key."""
    component: str
    stream: str | None = None
    added: tuple[str, ...] = ()
    """Keys a stream adds to the API's object (a subscription's `customer_uuid`)."""


CASES = [Case(DataSource, data_sources, "DataSource", "data_sources")]


@pytest.fixture
def document(server: EmbeddedServer) -> dict[str, Any]:
    return httpx.get(server.base_url + "/openapi.json").json()


def resolve(node: Any, document: dict[str, Any]) -> Any:
    """The schema with every `$ref` replaced by what it names."""
    if isinstance(node, dict):
        if "$ref" in node:
            return resolve(document["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]], document)
        return {key: resolve(value, document) for key, value in node.items()}
    if isinstance(node, list):
        return [resolve(value, document) for value in node]
    return node


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.cls.__name__)
def test_the_server_sends_what_is_declared(case: Case, api: httpx.Client):
    sent = case.sent(api)
    assert sent
    for obj in sent:
        assert undeclared(case.cls, obj) == [], obj
    optional = {f for f in key_tree(case.cls)} - {key for obj in sent for key in obj}
    assert not optional, f"no response carried {optional}: the case should show every key"


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.cls.__name__)
def test_the_openapi_document_names_the_declared_keys(case: Case, document: dict[str, Any]):
    schema = resolve(document["components"]["schemas"][case.component], document)
    assert schema_key_tree(schema) == key_tree(case.cls)


@pytest.mark.parametrize("case", [c for c in CASES if c.stream], ids=lambda case: case.cls.__name__)
def test_the_stream_schema_names_the_declared_keys(case: Case):
    assert case.stream is not None
    tree = schema_key_tree(BY_NAME[case.stream].schema)
    assert tree is not None
    for key in case.added:
        tree.pop(key)
    assert tree == key_tree(case.cls)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.cls.__name__)
def test_the_client_model_is_the_declaration(case: Case):
    assert getattr(models, case.cls.__name__) is case.cls
