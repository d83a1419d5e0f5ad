"""The mogul client against mogul's server on a real port (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt

import pytest

from mogul.client import AuthenticationError, Client, DataSource, ForbiddenError, NotFoundError, ValidationError
from mogul.server.embedded import EmbeddedServer


def test_round_trip(client: Client) -> None:
    created = client.data_sources.create("In-house billing")
    assert isinstance(created, DataSource)
    assert created.name == "In-house billing" and created.system == "Custom" and created.status == "idle"
    assert isinstance(created.created_at, dt.datetime) and created.created_at.tzinfo is not None
    assert created["created_at"].endswith("Z")  # JSON names stay reachable, values as sent
    assert client.data_sources.retrieve(created.uuid) == created
    assert client.data_sources.list() == [created]
    detailed = client.data_sources.retrieve(created.uuid, with_processing_status=True)
    assert detailed.processing_status is not None and detailed.processing_status.pending == 0
    assert client.data_sources.list(name="other") == []
    client.data_sources.delete(created.uuid)
    with pytest.raises(NotFoundError):
        client.data_sources.retrieve(created.uuid)


def test_validation_and_duplicates(client: Client) -> None:
    with pytest.raises(ValidationError) as blank:
        client.data_sources.create(" ")
    assert blank.value.errors == {"name": "A name is required for each data source."}
    client.data_sources.create("Once")
    with pytest.raises(ValidationError) as dup:
        client.data_sources.create("Once")
    assert dup.value.status == 422


def test_identifiers_cannot_escape_the_path(client: Client) -> None:
    with pytest.raises(ValueError):
        client.data_sources.retrieve("../account")


def test_keys(server: EmbeddedServer, ro_key: str) -> None:
    with Client("wrong", server.base_url) as bad, pytest.raises(AuthenticationError):
        bad.data_sources.list()
    with Client(ro_key, server.base_url) as reader:
        assert reader.data_sources.list() == []
        with pytest.raises(ForbiddenError):
            reader.data_sources.create("nope")
    assert "wrong" not in repr(bad) and ro_key not in repr(reader)
