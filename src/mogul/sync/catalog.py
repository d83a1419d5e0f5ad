"""What the sync needs to know about each stream, read from Airbyte catalog JSON shapes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class WriteMode(StrEnum):
    """How a stream's records land in its table."""

    OVERWRITE = "overwrite"
    APPEND = "append"
    APPEND_DEDUP = "append_dedup"


class CatalogError(ValueError):
    """The catalog or the modes asked for something the sync cannot do."""


@dataclass(frozen=True)
class StreamSpec:
    """One stream: its name, JSON schema, primary key (a list of paths) and cursor."""

    name: str
    json_schema: Mapping[str, Any] = field(default_factory=dict)
    primary_key: tuple[tuple[str, ...], ...] = ()
    cursor_field: tuple[str, ...] = ()
    supported_sync_modes: tuple[str, ...] = ("full_refresh",)
    # Set when the stream came from a ConfiguredAirbyteCatalog; a default, not an order.
    destination_sync_mode: WriteMode | None = None

    @property
    def properties(self) -> Mapping[str, Any]:
        props = self.json_schema.get("properties")
        return props if isinstance(props, Mapping) else {}

    @property
    def key_columns(self) -> tuple[str, ...]:
        """The primary key as top-level column names; nested paths cannot be keyed on."""
        for path in self.primary_key:
            if len(path) != 1:
                raise CatalogError(f"stream {self.name!r}: nested primary key path {list(path)} is not supported")
        return tuple(path[0] for path in self.primary_key)

    @property
    def supports_incremental(self) -> bool:
        return "incremental" in self.supported_sync_modes

    @classmethod
    def from_airbyte(cls, stream: Mapping[str, Any]) -> StreamSpec:
        """Build from an AirbyteStream dict (the `streams[]` items of a CATALOG)."""
        name = stream.get("name")
        if not isinstance(name, str) or not name:
            raise CatalogError(f"a catalog stream has no name: {dict(stream)!r:.200}")
        return cls(
            name=name,
            json_schema=stream.get("json_schema") or {},
            primary_key=_paths(stream.get("source_defined_primary_key")),
            cursor_field=tuple(stream.get("default_cursor_field") or ()),
            supported_sync_modes=tuple(stream.get("supported_sync_modes") or ("full_refresh",)),
        )

    @classmethod
    def from_configured(cls, configured: Mapping[str, Any]) -> StreamSpec:
        """Build from a ConfiguredAirbyteStream dict; its own key, cursor and mode take precedence."""
        base = cls.from_airbyte(configured.get("stream") or {})
        mode = configured.get("destination_sync_mode")
        return cls(
            name=base.name,
            json_schema=base.json_schema,
            primary_key=_paths(configured.get("primary_key")) or base.primary_key,
            cursor_field=tuple(configured.get("cursor_field") or ()) or base.cursor_field,
            supported_sync_modes=base.supported_sync_modes,
            destination_sync_mode=parse_mode(mode) if mode else None,
        )


def _paths(value: Any) -> tuple[tuple[str, ...], ...]:
    """Primary keys arrive as [["uuid"]]; tolerate the sloppier "uuid" and ["uuid"] as well."""
    if not value:
        return ()
    if isinstance(value, str):
        return ((value,),)
    return tuple((p,) if isinstance(p, str) else tuple(p) for p in value)


def parse_mode(mode: str | WriteMode) -> WriteMode:
    try:
        return WriteMode(mode)
    except ValueError:
        choices = ", ".join(m.value for m in WriteMode)
        raise CatalogError(f"unknown write mode {mode!r}; choose one of {choices}") from None


def parse_catalog(catalog: Any) -> list[StreamSpec]:
    """Accept an AirbyteCatalog, a ConfiguredAirbyteCatalog, a CATALOG message or StreamSpecs."""
    if isinstance(catalog, Mapping):
        if catalog.get("type") == "CATALOG":
            catalog = catalog.get("catalog") or {}
        streams = catalog.get("streams")
        if not isinstance(streams, list):
            raise CatalogError("a catalog needs a 'streams' list")
        items: Iterable[Any] = streams
    elif isinstance(catalog, Sequence) and not isinstance(catalog, str | bytes):
        items = catalog
    else:
        raise CatalogError(f"cannot read a catalog from {type(catalog).__name__}")
    specs: list[StreamSpec] = []
    for item in items:
        if isinstance(item, StreamSpec):
            specs.append(item)
        elif isinstance(item, Mapping) and "stream" in item:
            specs.append(StreamSpec.from_configured(item))
        elif isinstance(item, Mapping):
            specs.append(StreamSpec.from_airbyte(item))
        else:
            raise CatalogError(f"cannot read a catalog stream from {type(item).__name__}")
    names = [s.name for s in specs]
    if len(set(names)) != len(names):
        raise CatalogError(f"duplicate stream names in the catalog: {sorted(names)}")
    return specs


def default_mode(spec: StreamSpec) -> WriteMode:
    """Incremental streams with a key are deduplicated, incremental ones without are appended,
    and everything else is replaced on each sync."""
    if spec.destination_sync_mode is not None:
        return spec.destination_sync_mode
    if spec.supports_incremental:
        return WriteMode.APPEND_DEDUP if spec.primary_key else WriteMode.APPEND
    return WriteMode.OVERWRITE


def resolve_modes(
    specs: Sequence[StreamSpec], modes: Mapping[str, str | WriteMode] | str | WriteMode | None = None
) -> dict[str, WriteMode]:
    """The write mode of every stream: one mode for all, a per-stream mapping, or the defaults."""
    known = {s.name for s in specs}
    if isinstance(modes, str):
        chosen = {s.name: parse_mode(modes) for s in specs}
    else:
        given = dict(modes or {})
        unknown = sorted(set(given) - known)
        if unknown:
            raise CatalogError(f"modes given for streams not in the catalog: {unknown}")
        chosen = {s.name: parse_mode(given[s.name]) if s.name in given else default_mode(s) for s in specs}
    for spec in specs:
        if chosen[spec.name] is WriteMode.APPEND_DEDUP:
            if not spec.primary_key:
                raise CatalogError(f"stream {spec.name!r}: append_dedup needs a primary key")
            spec.key_columns  # noqa: B018 - raises on nested key paths before any data moves
    return chosen


def configured_catalog(specs: Sequence[StreamSpec], modes: Mapping[str, WriteMode]) -> dict[str, Any]:
    """The ConfiguredAirbyteCatalog to start the source with: overwrite streams are read in full,
    the others incrementally where the source supports it."""
    streams = []
    for spec in specs:
        mode = modes[spec.name]
        incremental = mode is not WriteMode.OVERWRITE and spec.supports_incremental
        entry: dict[str, Any] = {
            "stream": {
                "name": spec.name,
                "json_schema": dict(spec.json_schema),
                "supported_sync_modes": list(spec.supported_sync_modes),
            },
            "sync_mode": "incremental" if incremental else "full_refresh",
            "destination_sync_mode": mode.value,
            "primary_key": [list(p) for p in spec.primary_key],
        }
        if spec.cursor_field:
            entry["cursor_field"] = list(spec.cursor_field)
        streams.append(entry)
    return {"streams": streams}
