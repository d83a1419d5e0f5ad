"""The Singer catalog of mogul's streams (`--discover`), and what a catalog given back (`--catalog`) selects.

Discovery writes Singer's standard metadata (docs/DISCOVERY_MODE.md of the Singer spec): per stream
`inclusion`, `selected-by-default`, `table-key-properties`, `valid-replication-keys` and `forced-replication-method`
for the full-table-only ones; per property `inclusion` (`automatic` for keys and the cursor). Meltano's `select`
rules come back as `selected` on the stream and on its properties.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..source import STREAMS, ConfigError
from ..source.streams import Stream

INCREMENTAL, FULL_TABLE = "INCREMENTAL", "FULL_TABLE"


class CatalogError(ConfigError):
    """The catalog given with --catalog/--properties cannot be used; one line."""


def _automatic(stream: Stream) -> set[str]:
    return {*stream.primary_key, *([stream.cursor_field] if stream.cursor_field else [])}


def catalog_entry(stream: Stream) -> dict[str, Any]:
    automatic = _automatic(stream)
    top: dict[str, Any] = {
        "inclusion": "available",
        "selected-by-default": True,
        "table-key-properties": list(stream.primary_key),
        "schema-name": stream.name,
    }
    if stream.incremental:
        top["valid-replication-keys"] = [stream.cursor_field]
    else:
        top["forced-replication-method"] = FULL_TABLE
    metadata: list[dict[str, Any]] = [{"breadcrumb": [], "metadata": top}]
    for name in stream.schema.get("properties", {}):
        inclusion = "automatic" if name in automatic else "available"
        field: dict[str, Any] = {"inclusion": inclusion}
        if inclusion == "available":
            field["selected-by-default"] = True
        metadata.append({"breadcrumb": ["properties", name], "metadata": field})
    entry: dict[str, Any] = {
        "tap_stream_id": stream.name,
        "stream": stream.name,
        "schema": stream.schema,
        "key_properties": list(stream.primary_key),
        "replication_method": INCREMENTAL if stream.incremental else FULL_TABLE,
        "metadata": metadata,
    }
    if stream.incremental:
        entry["replication_key"] = stream.cursor_field
    return entry


def discover() -> dict[str, Any]:
    """The catalog: every stream of mogul's source, in its declaration order."""
    return {"streams": [catalog_entry(stream) for stream in STREAMS]}


@dataclass(frozen=True)
class Chosen:
    stream: Stream
    incremental: bool
    dropped: frozenset[str] = frozenset()
    """Properties deselected in the catalog: left out of the SCHEMA message and of every record."""

    def schema(self) -> dict[str, Any]:
        schema = self.stream.schema
        if not self.dropped:
            return schema
        properties = {k: v for k, v in schema.get("properties", {}).items() if k not in self.dropped}
        return {**schema, "properties": properties}


def _metadata(entry: dict[str, Any]) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """The stream's own metadata and each top-level property's."""
    top: dict[str, Any] = {}
    fields: dict[str, dict[str, Any]] = {}
    for item in entry.get("metadata") or []:
        if not isinstance(item, dict) or not isinstance(item.get("metadata"), dict):
            continue
        crumb = item.get("breadcrumb") or []
        if crumb == []:
            top = item["metadata"]
        elif len(crumb) == 2 and crumb[0] == "properties" and isinstance(crumb[1], str):
            fields[crumb[1]] = item["metadata"]
    return top, fields


def _is_selected(meta: dict[str, Any], legacy: Any) -> bool:
    if meta.get("inclusion") == "automatic":
        return True
    if meta.get("inclusion") == "unsupported":
        return False
    if "selected" in meta:
        return meta["selected"] is True
    if isinstance(legacy, bool):
        return legacy
    return meta.get("selected-by-default") is True


def _legacy_selected(prop: Any) -> Any:
    return prop.get("selected") if isinstance(prop, dict) else None


def choose(catalog: Any | None) -> tuple[list[Chosen], list[str]]:
    """The streams to read, in declaration order, and notes worth a log line. No catalog: every stream."""
    if catalog is None:
        return [Chosen(stream, stream.incremental) for stream in STREAMS], []
    if not isinstance(catalog, dict) or not isinstance(catalog.get("streams"), list):
        raise CatalogError("catalog must be a JSON object with a `streams` list")
    known = {stream.name: stream for stream in STREAMS}
    notes: list[str] = []
    picked: dict[str, Chosen] = {}
    for index, entry in enumerate(catalog["streams"]):
        if not isinstance(entry, dict):
            raise CatalogError(f"catalog streams[{index}] must be an object")
        name = entry.get("tap_stream_id") or entry.get("stream")
        if not isinstance(name, str):
            raise CatalogError(f"catalog streams[{index}] needs a tap_stream_id")
        top, fields = _metadata(entry)
        raw_schema = entry.get("schema")
        schema: dict[str, Any] = raw_schema if isinstance(raw_schema, dict) else {}
        if not _is_selected(top, entry.get("selected", schema.get("selected"))):
            continue
        stream = known.get(name)
        if stream is None:
            notes.append(f"stream {name!r} is not offered by tap-chartmogul; skipped")
            continue
        method = top.get("replication-method") or entry.get("replication_method") or INCREMENTAL
        if method not in (INCREMENTAL, FULL_TABLE):
            raise CatalogError(f"catalog stream {name!r}: replication-method must be INCREMENTAL or FULL_TABLE")
        key = top.get("replication-key") or entry.get("replication_key")
        if key not in (None, stream.cursor_field):
            notes.append(f"stream {name!r}: replication key {key!r} is not supported; using {stream.cursor_field!r}")
        raw_props = schema.get("properties")
        props: dict[str, Any] = raw_props if isinstance(raw_props, dict) else {}
        dropped = {
            prop
            for prop, meta in fields.items()
            if prop not in _automatic(stream) and not _is_selected(meta, _legacy_selected(props.get(prop)))
        }
        picked[name] = Chosen(stream, method == INCREMENTAL and stream.incremental, frozenset(dropped))
    return [picked[name] for name in known if name in picked], notes
