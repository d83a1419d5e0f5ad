"""The incremental cursor: the latest `date` seen and, for activities, the uuids at that date.

The saved boundary is inclusive (the next read starts at it, minus the lookback window) and the
uuids already emitted exactly at it are skipped, so an unchanged account re-emits nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .records import Record, keys_reader

MAX_BOUNDARY_UUIDS = 1000


def parse_cursor_date(value: Any) -> datetime | None:
    """`2016-01-01T12:00:00+00:00`, `...Z`, `...000Z` or a metrics `2016-01-31`, as an aware UTC datetime."""
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    zone = parsed.tzinfo
    if zone is UTC:  # `+00:00` and `Z`: the API's usual form, already UTC (no conversion, no new object)
        return parsed
    if zone is None:  # a date, or a time without an offset
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


@dataclass(frozen=True)
class Boundary:
    when: datetime
    uuids: frozenset[Any] = frozenset()

    @staticmethod
    def merge(a: Boundary | None, b: Boundary | None) -> Boundary | None:
        if a is None:
            return b
        if b is None or b.when < a.when:
            return a
        if b.when > a.when:
            return b
        return Boundary(a.when, a.uuids | b.uuids)

    @staticmethod
    def from_state(state: dict[str, Any] | None) -> Boundary | None:
        """None when the state holds no usable cursor (a fresh read); a bad date is ignored the same way."""
        if not state:
            return None
        when = parse_cursor_date(state.get("date"))
        if when is None:
            return None
        uuids = state.get("boundary_uuids")
        known = frozenset(u for u in uuids if isinstance(u, str)) if isinstance(uuids, list) else frozenset()
        return Boundary(when, known)


def to_cursor(boundary: Boundary, with_uuids: bool, *, dates_only: bool) -> dict[str, Any]:
    if dates_only:
        return {"date": boundary.when.date().isoformat()}
    state: dict[str, Any] = {"date": boundary.when.strftime("%Y-%m-%dT%H:%M:%SZ")}
    if boundary.when.microsecond:
        state["date"] = boundary.when.isoformat().replace("+00:00", "Z")
    if with_uuids:
        # Bounded: thousands of activities on one second would otherwise bloat every state message.
        state["boundary_uuids"] = sorted(u for u in boundary.uuids if isinstance(u, str))[:MAX_BOUNDARY_UUIDS]
    return state


def keep_in_window(
    items: list[Record],
    field: str,
    lo: datetime | None,
    hi: datetime | None,
    emitted: Boundary | None,
) -> tuple[list[Record], Boundary | None]:
    """The records dated in [lo, hi) (the API's date filters may be coarser than a partition's window), less
    those at the saved boundary that were emitted already; and the page's own boundary: its latest date and the
    uuids at it. A record without a parsable date is kept and does not move the boundary."""
    kept = []
    latest: datetime | None = None
    at_latest: list[Any] = []
    keys = keys_reader(field)
    for item in items:
        uuid, value = keys(item)
        when = parse_cursor_date(value)
        if when is not None:
            if (lo is not None and when < lo) or (hi is not None and when >= hi):
                continue
            if emitted is not None and when == emitted.when and uuid in emitted.uuids:
                continue
            if latest is None or when > latest:
                latest, at_latest = when, [uuid]
            elif when == latest:
                at_latest.append(uuid)
        kept.append(item)
    return kept, None if latest is None else Boundary(latest, frozenset(at_latest))
