"""Each server process keeps the account-wide `MetricsAggregate` in memory and brings it up to date from
`customer_results` before answering: only rows with a newer version are applied (incremental), and a full
rebuild happens when a customer disappeared (deleted, merged, or its data source deleted).

Filtered views (`geo`, `plans`) are built on demand and cached per filter until the next change.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import func, select

from ..engine import Customer, CustomerResult, EngineInputError, MetricsAggregate, Settings, compute_customer
from .store import schema
from .store.database import Database
from .store.engine_io import load_inputs
from .store.schema import customer_results
from .timefmt import now_us

_FILTER_CACHE = 16
_RESPONSE_CACHE = 256


def _result(uuid: str, flows: Iterable[Iterable[int]], spans: Iterable[Iterable[int | None]]) -> CustomerResult:
    """A CustomerResult carrying only what the aggregate reads: the customer's uuid, flows and spans."""
    return CustomerResult(
        customer=Customer(uuid, "", "", ""),
        status="",
        customer_since=None,
        customer_since_iso=None,
        mrr=0,
        activities=(),
        subscriptions=(),
        mrr_history={},
        flows=tuple(tuple(f) for f in flows),  # type: ignore[misc]
        spans=tuple(tuple(s) for s in spans),  # type: ignore[misc]
    )


class MetricsCache:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._lock = threading.Lock()
        self._settings: Settings | None = None
        self._version = -1
        self._ids: set[int] = set()
        self._agg: MetricsAggregate | None = None
        self._filtered: dict[tuple[Any, ...], MetricsAggregate] = {}
        self._responses: dict[tuple[Any, ...], dict[str, Any]] = {}

    def _rows(self, since: int | None = None) -> list[Any]:
        r, c = customer_results, schema.customers
        query = select(r.c.customer_id, r.c.version, c.c.country, r.c.flows, r.c.spans, c.c.uuid).join(
            c, c.c.id == r.c.customer_id
        )
        if since is not None:
            query = query.where(r.c.version > since)
        with self.db.read() as conn:
            return conn.execute(query).all()

    def _state(self) -> tuple[int, int]:
        r = customer_results
        with self.db.read() as conn:
            version, count = conn.execute(select(func.coalesce(func.max(r.c.version), 0), func.count())).one()
        return int(version), int(count)

    def aggregate(self, settings: Settings) -> MetricsAggregate:
        """The unfiltered aggregate, current as of this call."""
        with self._lock:
            return self._current(settings)

    def _current(self, settings: Settings) -> MetricsAggregate:
        version, count = self._state()
        if self._agg is not None and settings == self._settings and (version, count) == (self._version, len(self._ids)):
            return self._agg
        rows = None
        if self._agg is not None and settings == self._settings:
            rows = self._rows(since=self._version)
            if len(self._ids | {row.customer_id for row in rows}) != count:
                rows = None  # someone was removed: rebuild
        if rows is None:
            self._agg = MetricsAggregate(settings.time_zone, settings.week_start)
            self._ids = set()
            rows = self._rows()
        for row in rows:
            self._agg.set(_result(row.uuid, row.flows, row.spans))
            self._ids.add(row.customer_id)
        self._settings, self._version = settings, version
        self._filtered.clear()
        self._responses.clear()
        return self._agg

    def filtered(
        self, settings: Settings, geo: frozenset[str] | None, plans: tuple[str, ...] | None
    ) -> MetricsAggregate:
        """The aggregate restricted to customers in `geo` countries and/or subscriptions on `plans`."""
        with self._lock:
            return self._filtered_locked(settings, geo, plans)

    def _filtered_locked(
        self, settings: Settings, geo: frozenset[str] | None, plans: tuple[str, ...] | None
    ) -> MetricsAggregate:
        base = self._current(settings)
        if not geo and not plans:
            return base
        key = (geo, plans)
        cached = self._filtered.get(key)
        if cached is not None:
            return cached
        if plans:
            agg = self._plans_aggregate(settings, geo, plans)
        else:
            include: Callable[[Any], bool] = lambda row: row.country in geo  # noqa: E731
            agg = MetricsAggregate.from_results(
                (_result(row.uuid, row.flows, row.spans) for row in self._rows() if include(row)),
                settings.time_zone,
                settings.week_start,
            )
        if len(self._filtered) >= _FILTER_CACHE:
            self._filtered.clear()
        self._filtered[key] = agg
        return agg

    def response(
        self,
        settings: Settings,
        geo: frozenset[str] | None,
        plans: tuple[str, ...] | None,
        key: tuple[Any, ...],
        compute: Callable[[MetricsAggregate], dict[str, Any]],
    ) -> dict[str, Any]:
        """`compute(filtered aggregate)`, kept until the aggregate changes: a series is a pure function of the
        aggregate and `key` (the request's metric, dates, interval...), and computing one (a customer count by
        month over eight years, say) took milliseconds. The caller must not change what it gets."""
        with self._lock:  # held while computing, so no change can land between the aggregate and its entry
            agg = self._filtered_locked(settings, geo, plans)
            cached = self._responses.get((geo, plans, *key))
            if cached is not None:
                return cached
            body = compute(agg)
            if len(self._responses) >= _RESPONSE_CACHE:
                self._responses.clear()
            self._responses[(geo, plans, *key)] = body
            return body

    def _plans_aggregate(
        self, settings: Settings, geo: frozenset[str] | None, plans: tuple[str, ...]
    ) -> MetricsAggregate:
        """Recompute the customers with a subscription on one of `plans` (names, uuids or external ids), keeping
        only those subscriptions: a plan filter changes movements, so stored results cannot be reused."""
        p, li, c = schema.plans, schema.line_items, schema.customers
        with self.db.read() as conn:
            plan_rows = conn.execute(
                select(p.c.id, p.c.uuid).where(p.c.name.in_(plans) | p.c.uuid.in_(plans) | p.c.external_id.in_(plans))
            ).all()
            plan_uuids = {row.uuid for row in plan_rows}
            customer_query = select(li.c.customer_id).where(li.c.plan_id.in_([row.id for row in plan_rows])).distinct()
            if geo:
                customer_query = customer_query.join(c, c.c.id == li.c.customer_id).where(c.c.country.in_(geo))
            ids = [row[0] for row in conn.execute(customer_query)]
            agg = MetricsAggregate(settings.time_zone, settings.week_start)
            as_of = now_us()  # as the processor computes the stored results
            for start in range(0, len(ids), 500):
                inputs, plan_map = load_inputs(conn, ids[start : start + 500])
                for inp in inputs:
                    try:
                        result = compute_customer(
                            inp.customer,
                            inp.subscriptions,
                            [item for item in inp.line_items if item.plan_uuid in plan_uuids],
                            plan_map,
                            settings,
                            subscription_filter=lambda sub: sub.plan_uuid in plan_uuids,
                            as_of=as_of,
                        )
                    except EngineInputError:
                        continue  # counted as failed by processing; contributes nothing, as unfiltered
                    agg.set(result)
        return agg
