"""`chartmogul_source()`: every stream of mogul's source (`mogul.source.STREAMS`) as a dlt resource.

- Primary keys and column types come from each stream's declaration and JSON schema; nested objects and arrays
  stay JSON columns (`max_table_nesting=0`), as `mogul sync` keeps them.
- Streams read in full (customers, plans, invoices...) merge on their primary key.
- Incremental streams (activities and the metric series) keep their cursor in dlt's state, through
  `dlt.sources.incremental("date")`, whose `lag` is mogul's lookback window: each run re-reads the last
  `lookback_window_days` (ChartMogul recomputes activities and metrics after the fact) and merges them on the
  primary key, so the re-read rows replace their old copies instead of doubling them.
- Records come from mogul's own reader (`mogul.source.read_batches`), one read shared by all the resources
  (`shared_read.py`): the same rate limiter, retries and parallel chains as `mogul sync` and `source-chartmogul`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from dlt.common.data_types import TDataType
from dlt.common.schema.typing import TColumnSchema
from dlt.extract.resource import DltResource

import dlt

from ..client import DEFAULT_BASE_URL
from ..source import STREAMS, ConfigError
from ..source.config import parse_config
from ..source.cursor import parse_cursor_date
from ..source.streams import Stream
from .shared_read import Page, ReadGroup

SECTION = "chartmogul"
"""Where dlt looks for the settings: `[sources.chartmogul]` in .dlt/secrets.toml, `SOURCES__CHARTMOGUL__API_KEY`."""

SECONDS_PER_DAY = 86_400


def _data_type(prop: Mapping[str, Any]) -> TDataType:
    declared = prop.get("type")
    types = {declared} if isinstance(declared, str) else set(declared or ())
    types.discard("null")
    if types == {"string"}:
        return {"date-time": "timestamp", "date": "date"}.get(prop.get("format", ""), "text")  # type: ignore[return-value]
    if types == {"integer"}:
        return "bigint"
    if types and types <= {"integer", "number"}:
        return "double"
    if types == {"boolean"}:
        return "bool"
    return "json"  # objects, arrays, several types: one JSON column, as mogul sync stores them


def columns(stream: Stream) -> dict[str, TColumnSchema]:
    """dlt column hints from the stream's JSON schema, in its order; the key columns are never null."""
    out: dict[str, TColumnSchema] = {}
    for name, prop in stream.schema.get("properties", {}).items():
        key = name in stream.primary_key
        out[name] = {"name": name, "data_type": _data_type(prop), "nullable": not key}
        if key:
            out[name]["primary_key"] = True
    return out


def _dates_only(stream: Stream) -> bool:
    return stream.date_range is not None and stream.date_range.dates_only


def _typed_cursor(stream: Stream, page: Page) -> Page:
    """The cursor field as a `datetime` (activities) or `date` (metrics): dlt compares cursor values as they come,
    and the API's strings (`...Z`, `+00:00`, fractions) do not sort as the instants they name."""
    field = stream.cursor_field
    if field is None:
        return page
    as_date = _dates_only(stream)
    for record in page:
        when = parse_cursor_date(record.get(field))
        if when is not None:
            record[field] = when.date() if as_date else when
    return page


def _incremental(stream: Stream, start: datetime, lookback_days: int) -> Any:
    """dlt's cursor on `date`, starting at start_date, lagging by the lookback window (days for a date cursor,
    seconds for a date-time one, as dlt reads `lag`)."""
    if _dates_only(stream):
        # A metric's latest period changes until it closes: its row is re-read and merged on every run, never
        # dropped as already seen (dlt's boundary deduplication is off: an empty key).
        return dlt.sources.incremental("date", initial_value=start.date(), lag=lookback_days or None, primary_key=())
    return dlt.sources.incremental("date", initial_value=start, lag=lookback_days * SECONDS_PER_DAY or None)


def _resource(stream: Stream, group: ReadGroup, start: datetime, lookback_days: int) -> DltResource:
    hints: dict[str, Any] = {
        "name": stream.name,
        "primary_key": list(stream.primary_key),
        "write_disposition": "merge",
        "columns": columns(stream),
    }
    if not stream.incremental:

        def full() -> Iterator[Page | None]:
            return group.register(stream, lambda: None)

        return dlt.resource(full, **hints)

    cursor = _incremental(stream, start, lookback_days)

    def incremental(date_cursor: Any = cursor) -> Iterator[Page | None]:
        # A plain function, not a generator: dlt calls it for every resource before it pulls from any, so the shared
        # read knows every stream when it begins. dlt binds the cursor to its state just after this call.
        def resume() -> str | None:
            last = date_cursor.last_value  # lagged by the lookback window
            if isinstance(last, datetime):
                return last.isoformat() if last > start else None
            if isinstance(last, date):
                return last.isoformat() if last > start.date() else None
            return None

        return group.register(stream, resume)

    return dlt.resource(incremental, **hints)


def _as_text(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def _selected(streams: Sequence[str] | str | None) -> list[Stream]:
    if streams is None:
        return list(STREAMS)
    names = [streams] if isinstance(streams, str) else list(streams)
    known = {stream.name: stream for stream in STREAMS}
    for name in names:
        if name not in known:
            raise ConfigError(f"unknown stream {name!r}; the streams are: {', '.join(known)}")
    return [known[name] for name in known if name in names]


@dlt.source(name="chartmogul", section=SECTION, max_table_nesting=0)
def chartmogul_source(
    api_key: str | None = dlt.secrets.value,
    start_date: str | None = dlt.config.value,
    base_url: str = DEFAULT_BASE_URL,
    interval: str = "month",
    streams: Sequence[str] | None = None,
    lookback_window_days: int = 7,
    end_date: str | None = None,
    settings: dict[str, Any] | None = None,
) -> Iterator[DltResource]:
    """ChartMogul's streams as dlt resources, read by mogul's source.

    Args:
        api_key: a ChartMogul API key (a read-only one is enough); from `.dlt/secrets.toml`
            (`[sources.chartmogul] api_key = "..."`) or `SOURCES__CHARTMOGUL__API_KEY` when not given.
        start_date: UTC date-time (`2023-01-01T00:00:00Z`, or a `datetime`/`date`): activities and metric series
            start there.
        base_url: the API origin; a `mogul serve` to test.
        interval: `day`, `week`, `month` or `quarter`, for the `metrics` and `customer_count` series.
        streams: stream names to read (default: all); `source.with_resources(...)` selects as well.
        lookback_window_days: incremental reads re-read this many days before the saved cursor.
        end_date: optional UTC end for activities and metric series.
        settings: any other setting of mogul's source (`requests_per_second`, `max_connections`, `window_days`,
            `page_size`, ...; docs/source.md).

    Raises:
        ConfigError: a missing or invalid setting, in one line that names it (never the key).
    """
    if not api_key:
        raise ConfigError(
            "api_key is required: pass api_key=..., or set SOURCES__CHARTMOGUL__API_KEY, "
            "or api_key under [sources.chartmogul] in .dlt/secrets.toml"
        )
    if not start_date:
        raise ConfigError("start_date is required: a UTC date-time like 2017-01-25T00:00:00Z")
    raw: dict[str, Any] = {
        **(settings or {}),
        "api_key": api_key,
        "start_date": _as_text(start_date),
        "base_url": base_url,
        "interval": interval,
        "lookback_window_days": lookback_window_days,
    }
    if end_date:
        raw["end_date"] = _as_text(end_date)
    cfg = parse_config(raw)  # the source's own validation: one line per problem
    selected = _selected(streams)
    # dlt applies the lookback (incremental `lag`); the reader starts exactly where dlt says.
    group = ReadGroup({**raw, "lookback_window_days": 0}, _typed_cursor)
    for stream in selected:
        yield _resource(stream, group, cfg.start_date, cfg.lookback_window_days)
