"""JSON Schemas of Singer's messages and catalog, written from the Singer specification (singer-io/getting-started,
docs/SPEC.md and docs/DISCOVERY_MODE.md), and of Meltano's `--about --format json` (singer-sdk's `AboutInfo`).
Neither project ships them as files; `singer-sdk` only has Python classes."""

from __future__ import annotations

from typing import Any

STRING_LIST = {"type": "array", "items": {"type": "string"}}

# "RECORD messages ... must have: record (a JSON map), stream (string); optional time_extracted (RFC3339)."
RECORD: dict[str, Any] = {
    "type": "object",
    "required": ["type", "stream", "record"],
    "properties": {
        "type": {"const": "RECORD"},
        "stream": {"type": "string", "minLength": 1},
        "record": {"type": "object"},
        "time_extracted": {"type": "string", "format": "date-time"},
        "version": {"type": "integer"},
    },
}

# "SCHEMA messages ... must have: schema (a JSON Schema), stream, key_properties (a list of strings, each a
# top-level property of the schema); optional bookmark_properties."
SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "stream", "schema", "key_properties"],
    "properties": {
        "type": {"const": "SCHEMA"},
        "stream": {"type": "string", "minLength": 1},
        "schema": {"type": "object"},
        "key_properties": STRING_LIST,
        "bookmark_properties": STRING_LIST,
    },
}

# "STATE messages ... value: required, the JSON formatted state value."
STATE: dict[str, Any] = {
    "type": "object",
    "required": ["type", "value"],
    "properties": {"type": {"const": "STATE"}, "value": {}},
}

MESSAGES = {"RECORD": RECORD, "SCHEMA": SCHEMA, "STATE": STATE}

METADATA = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["breadcrumb", "metadata"],
        "properties": {
            "breadcrumb": STRING_LIST,
            "metadata": {
                "type": "object",
                "properties": {
                    "selected": {"type": "boolean"},
                    "replication-method": {"enum": ["FULL_TABLE", "INCREMENTAL", "LOG_BASED"]},
                    "replication-key": {"type": "string"},
                    "inclusion": {"enum": ["available", "automatic", "unsupported"]},
                    "selected-by-default": {"type": "boolean"},
                    "valid-replication-keys": STRING_LIST,
                    "schema-name": {"type": "string"},
                    "forced-replication-method": {"enum": ["FULL_TABLE", "INCREMENTAL", "LOG_BASED"]},
                    "table-key-properties": STRING_LIST,
                },
            },
        },
    },
}

# "The top level is an object, with a single key called streams that points to an array of objects": tap_stream_id
# and schema required; table_name and metadata optional. `stream`, `key_properties`, `replication_key` and
# `replication_method` are what singer-python's Catalog/CatalogEntry write beside them.
CATALOG: dict[str, Any] = {
    "type": "object",
    "required": ["streams"],
    "properties": {
        "streams": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["tap_stream_id", "schema"],
                "properties": {
                    "tap_stream_id": {"type": "string", "minLength": 1},
                    "stream": {"type": "string"},
                    "table_name": {"type": "string"},
                    "schema": {"type": "object"},
                    "key_properties": STRING_LIST,
                    "replication_key": {"type": "string"},
                    "replication_method": {"enum": ["FULL_TABLE", "INCREMENTAL", "LOG_BASED"]},
                    "metadata": METADATA,
                },
            },
        }
    },
}

CAPABILITIES = ["about", "stream-maps", "schema-flattening", "activate-version", "batch", "structured-logging"]
CAPABILITIES += ["discover", "catalog", "state", "test", "log-based", "properties"]

# singer-sdk's AboutInfo as its JSONFormatter writes it (singer_sdk/about.py); capabilities as in its
# PluginCapabilities/TapCapabilities enums.
ABOUT: dict[str, Any] = {
    "type": "object",
    "required": ["name", "version", "capabilities", "settings"],
    "properties": {
        "name": {"type": "string", "minLength": 1},
        "description": {"type": ["string", "null"]},
        "version": {"type": "string"},
        "sdk_version": {"type": ["string", "null"]},
        "supported_python_versions": {"type": ["array", "null"], "items": {"type": "string"}},
        "capabilities": {"type": "array", "items": {"enum": CAPABILITIES}},
        "settings": {"type": "object", "required": ["properties"], "properties": {"properties": {"type": "object"}}},
        "env_var_prefix": {"type": "string"},
    },
}
