"""Reading Airbyte catalogs into StreamSpecs, and choosing write modes."""

from __future__ import annotations

import pytest
import sync_source as source

from mogul.sync import (
    CatalogError,
    StreamSpec,
    WriteMode,
    configured_catalog,
    default_mode,
    parse_catalog,
    resolve_modes,
)


def test_an_airbyte_catalog_gives_one_spec_per_stream():
    customers, activities = parse_catalog(source.CATALOG)
    assert customers.name == "customers"
    assert customers.primary_key == (("uuid",),)
    assert customers.supported_sync_modes == ("full_refresh",)
    assert activities.cursor_field == ("date",)
    assert activities.supports_incremental
    assert activities.properties["activity-mrr"] == {"type": ["null", "integer"]}


def test_a_catalog_message_and_a_spec_list_are_accepted():
    message = {"type": "CATALOG", "catalog": source.CATALOG}
    assert [s.name for s in parse_catalog(message)] == ["customers", "activities"]
    specs = [StreamSpec("plans")]
    assert parse_catalog(specs) == specs


def test_a_configured_catalog_overrides_key_cursor_and_mode():
    configured = {
        "streams": [
            {
                "stream": source.CATALOG["streams"][1],
                "sync_mode": "incremental",
                "destination_sync_mode": "append",
                "cursor_field": ["uuid"],
                "primary_key": [["customer-uuid"], ["date"]],
            }
        ]
    }
    (spec,) = parse_catalog(configured)
    assert spec.cursor_field == ("uuid",)
    assert spec.key_columns == ("customer-uuid", "date")
    assert spec.destination_sync_mode is WriteMode.APPEND
    assert resolve_modes([spec]) == {"activities": WriteMode.APPEND}


@pytest.mark.parametrize(
    ("catalog", "message"),
    [
        ({"stream": []}, "needs a 'streams' list"),
        ("customers", "cannot read a catalog from str"),
        ({"streams": [{"json_schema": {}}]}, "has no name"),
        ({"streams": [{"name": "a"}, {"name": "a"}]}, "duplicate stream names"),
        ({"streams": [42]}, "cannot read a catalog stream from int"),
        ({"streams": [{"stream": {"name": "a"}, "destination_sync_mode": "upsert"}]}, "unknown write mode"),
    ],
)
def test_bad_catalogs_are_refused_with_a_reason(catalog, message):
    with pytest.raises(CatalogError, match=message):
        parse_catalog(catalog)


def test_default_modes_follow_the_stream():
    specs = parse_catalog(source.CATALOG)
    assert {s.name: default_mode(s) for s in specs} == {
        "customers": WriteMode.OVERWRITE,  # full refresh only
        "activities": WriteMode.APPEND_DEDUP,  # incremental with a key
    }
    keyless = StreamSpec("events", supported_sync_modes=("incremental",))
    assert default_mode(keyless) is WriteMode.APPEND


def test_modes_as_one_string_or_per_stream():
    specs = parse_catalog(source.CATALOG)
    assert set(resolve_modes(specs, "append").values()) == {WriteMode.APPEND}
    chosen = resolve_modes(specs, {"customers": "append_dedup"})
    assert chosen == {"customers": WriteMode.APPEND_DEDUP, "activities": WriteMode.APPEND_DEDUP}


@pytest.mark.parametrize(
    ("specs", "modes", "message"),
    [
        ([StreamSpec("a")], {"b": "append"}, "not in the catalog"),
        ([StreamSpec("a")], "append_dedup", "needs a primary key"),
        ([StreamSpec("a", primary_key=(("x", "y"),))], "append_dedup", "nested primary key"),
        ([StreamSpec("a")], "merge", "unknown write mode 'merge'"),
    ],
)
def test_impossible_modes_fail_before_any_data_moves(specs, modes, message):
    with pytest.raises(CatalogError, match=message):
        resolve_modes(specs, modes)


def test_the_configured_catalog_reads_overwrites_in_full():
    specs = parse_catalog(source.CATALOG)
    configured = configured_catalog(specs, resolve_modes(specs, "append"))
    customers, activities = configured["streams"]
    assert customers["sync_mode"] == "full_refresh"  # the stream cannot do better
    assert activities["sync_mode"] == "incremental"
    assert activities["cursor_field"] == ["date"]
    assert activities["primary_key"] == [["uuid"]]
    overwritten = configured_catalog(specs, resolve_modes(specs, "overwrite"))
    assert {s["sync_mode"] for s in overwritten["streams"]} == {"full_refresh"}
    assert parse_catalog(configured)[1].destination_sync_mode is WriteMode.APPEND
