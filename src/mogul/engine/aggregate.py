"""An incrementally maintained account-wide aggregate of customers' MRR change events.

Each customer contributes day-bucketed deltas (local days of the account time zone):
- columns 0-4: the five MRR flows, 5: FX-only MRR changes, 6: customer count delta, 7: first-time customers;
- per reporting interval, the number of customers churned in each period (churn rate numerator). That count
  is not additive across days (joined-and-churned or churned-and-reactivated customers are excluded, §4.2),
  so it is kept per interval, keyed by period start.

`set(result)` replaces one customer's contribution in O(its events): recomputing a customer never needs a
full rebuild. Queries read prefix sums over the (few thousand) distinct days, cached until the next change.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from mogul.engine.customer import CustomerResult
from mogul.engine.movements import FX
from mogul.engine.timeutil import INTERVALS, LocalCalendar

COUNT, NEW = FX + 1, FX + 2
WIDTH = NEW + 1
_NEVER = 1 << 62

# One customer's contribution: ((day, column, value), ...) and ((interval index, period start), ...).
_Contribution = tuple[tuple[tuple[int, int, int], ...], tuple[tuple[int, int], ...]]


@dataclass(frozen=True, slots=True)
class Prefix:
    """Cumulative sums per distinct day: `cum[k][c]` = Σ column c over days ≤ days[k]."""

    days: list[int]
    cum: list[list[int]]

    def upto(self, day: int) -> list[int]:
        """Column sums over all days < `day`."""
        k = bisect.bisect_left(self.days, day)
        return self.cum[k - 1] if k else [0] * WIDTH


class MetricsAggregate:
    """Account-wide metric inputs. Build with `from_results`, keep current with `set` / `remove`."""

    def __init__(self, time_zone: str = "UTC", week_start: str = "sunday") -> None:
        self.calendar = LocalCalendar(time_zone, week_start)
        self._days: dict[int, list[int]] = {}
        self._churned: list[dict[int, int]] = [{} for _ in INTERVALS]
        self._by_customer: dict[str, _Contribution] = {}
        self._prefix: Prefix | None = None

    @classmethod
    def from_results(
        cls,
        results: Iterable[CustomerResult],
        time_zone: str = "UTC",
        week_start: str = "sunday",
        include: Callable[[CustomerResult], bool] | None = None,
    ) -> MetricsAggregate:
        """Full build. `include` filters customers (e.g. the metrics `geo` filter on customer.country)."""
        agg = cls(time_zone, week_start)
        for result in results:
            if include is None or include(result):
                agg.set(result)
        return agg

    def __len__(self) -> int:
        return len(self._by_customer)

    def set(self, result: CustomerResult) -> None:
        """Add or replace one customer's contribution."""
        uuid = result.customer.uuid
        old = self._by_customer.pop(uuid, None)
        if old is not None:
            self._apply(old, -1)
        new = self._contribution(result)
        if new[0] or new[1]:
            self._by_customer[uuid] = new
            self._apply(new, 1)

    def remove(self, customer_uuid: str) -> None:
        old = self._by_customer.pop(customer_uuid, None)
        if old is not None:
            self._apply(old, -1)

    def _contribution(self, result: CustomerResult) -> _Contribution:
        day = self.calendar.day
        cells = [(day(at), kind, amount) for at, kind, amount in result.flows]
        churns: list[tuple[int, int]] = []
        spans = result.spans
        for i, (start, end) in enumerate(spans):
            start_day = day(start)
            cells.append((start_day, COUNT, 1))
            if i == 0:
                cells.append((start_day, NEW, 1))
            if end is None:
                continue
            end_day = day(end)
            cells.append((end_day, COUNT, -1))
            rejoin_day = day(spans[i + 1][0]) if i + 1 < len(spans) else _NEVER
            # Counted in the churn period only if active at its start and not back by its end.
            for index, interval in enumerate(INTERVALS):
                period = self.calendar.period_start(end_day, interval)
                if start_day < period and rejoin_day >= self.calendar.next_start(period, interval):
                    churns.append((index, period))
        return tuple(cells), tuple(churns)

    def _apply(self, contribution: _Contribution, sign: int) -> None:
        days = self._days
        for day, column, value in contribution[0]:
            row = days.get(day)
            if row is None:
                row = days[day] = [0] * WIDTH
            row[column] += sign * value
            if sign < 0 and not any(row):
                del days[day]  # keep the day index small when customers move around
        for index, period in contribution[1]:
            counts = self._churned[index]
            counts[period] = counts.get(period, 0) + sign
        self._prefix = None

    def churned(self, interval: str, period_start: int) -> int:
        """Customers churned in the period starting at local day ordinal `period_start`."""
        return self._churned[INTERVALS.index(interval)].get(period_start, 0)

    def prefix(self) -> Prefix:
        if self._prefix is None:
            days = sorted(self._days)
            cum: list[list[int]] = []
            running = [0] * WIDTH
            for d in days:
                running = [a + b for a, b in zip(running, self._days[d], strict=True)]
                cum.append(running)
            self._prefix = Prefix(days, cum)
        return self._prefix
