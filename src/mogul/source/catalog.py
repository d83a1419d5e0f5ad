"""Parsing the configured catalog and the state, tolerant of what real runners send.

PyAirbyte asks for `incremental` on every stream, full-refresh-only ones included, passes
`--state` with `[]` on the first run, and dumps state messages with extra null keys
(as its dumps of pydantic models do). None of that is an error. A sync mode that is neither mode is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .streams import BY_NAME, Stream

SYNC_MODES = ("full_refresh", "incremental")


class CatalogError(ValueError):
    """The configured catalog cannot be used; one line naming the stream and field."""


@dataclass(frozen=True)
class Selected:
    stream: Stream
    incremental: bool
    """Whether the saved state is honoured (only on streams that support it)."""


def parse_catalog(raw: Any) -> tuple[list[Selected], list[str]]:
    """The selected streams in declaration order, plus notes worth a LOG line."""
    if not isinstance(raw, dict) or not isinstance(raw.get("streams"), list):
        raise CatalogError("catalog must be a JSON object with a `streams` list")
    notes: list[str] = []
    chosen: dict[str, Selected] = {}
    for index, entry in enumerate(raw["streams"]):
        if not isinstance(entry, dict) or not isinstance(entry.get("stream"), dict):
            raise CatalogError(f"catalog streams[{index}] must be an object with a `stream` object")
        name = entry["stream"].get("name")
        if not isinstance(name, str):
            raise CatalogError(f"catalog streams[{index}].stream.name must be a string")
        mode = entry.get("sync_mode") or "full_refresh"
        if mode not in SYNC_MODES:
            raise CatalogError(f"catalog stream {name!r}: sync_mode must be full_refresh or incremental, got {mode!r}")
        stream = BY_NAME.get(name)
        if stream is None:
            notes.append(f"stream {name!r} is not offered by this source; skipped")
            continue
        if name in chosen:
            continue
        incremental = mode == "incremental" and stream.incremental
        if mode == "incremental" and not stream.incremental:
            notes.append(f"stream {name!r} supports full refresh only; reading it in full")
        chosen[name] = Selected(stream, incremental)
    order = {stream.name: i for i, stream in enumerate(BY_NAME.values())}
    return sorted(chosen.values(), key=lambda s: order[s.stream.name]), notes


def parse_state(raw: Any) -> dict[str, dict[str, Any]]:
    """Per-stream state blobs from any of: None, [], a list of STATE messages (bare or wrapped in an
    AirbyteMessage, STREAM or GLOBAL), a single one, or a legacy `{stream: state}` mapping."""
    if raw is None:
        return {}
    if isinstance(raw, dict):
        if _looks_like_message(raw):
            raw = [raw]
        else:  # legacy: {"activities": {"date": ...}}
            return {k: dict(v) for k, v in raw.items() if isinstance(k, str) and isinstance(v, dict)}
    if not isinstance(raw, list):
        raise CatalogError("state must be a JSON list of state messages or an object")
    out: dict[str, dict[str, Any]] = {}
    for item in raw:
        if not isinstance(item, dict):
            continue
        if item.get("type") == "STATE" and isinstance(item.get("state"), dict):
            item = item["state"]
        _collect(item, out)
    return out


def _looks_like_message(raw: dict[str, Any]) -> bool:
    return any(key in raw for key in ("type", "stream", "global", "global_")) and not any(key in BY_NAME for key in raw)


def _collect(item: dict[str, Any], out: dict[str, dict[str, Any]]) -> None:
    stream = item.get("stream")
    if isinstance(stream, dict):
        _put(stream, out)
    shared = item.get("global") or item.get("global_")
    if isinstance(shared, dict):
        for entry in shared.get("stream_states") or []:
            if isinstance(entry, dict):
                _put(entry, out)
    legacy = item.get("data")
    if isinstance(legacy, dict):
        for name, value in legacy.items():
            if isinstance(value, dict):
                out.setdefault(name, dict(value))


def _put(entry: dict[str, Any], out: dict[str, dict[str, Any]]) -> None:
    descriptor = entry.get("stream_descriptor")
    if not isinstance(descriptor, dict) or not isinstance(descriptor.get("name"), str):
        return
    value = entry.get("stream_state")
    out[descriptor["name"]] = dict(value) if isinstance(value, dict) else {}
