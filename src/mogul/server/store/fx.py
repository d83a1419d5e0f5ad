"""Exchange rates to the account currency, for the engine's conversion at each service period start.

Rates loaded into the `fx_rates` table (units of the account currency per unit of the currency, from a date on)
win. A currency with no loaded rate at all falls back to the bundled table of approximate annual US dollar rates
(`data/usd_rates.csv`), crossed through the dollar when the account currency is not USD.
"""

from __future__ import annotations

import bisect
import csv
import io
from collections.abc import Callable, Iterable
from datetime import date
from functools import cache
from importlib.resources import files

from sqlalchemy import Connection, delete, insert, select

from ...engine import EngineInputError
from . import schema

Rates = dict[str, tuple[list[date], list[float]]]


def parse_csv(text: str) -> list[tuple[str, date, float]]:
    """`currency,date,rate` lines (a header and `#` comments allowed); raises ValueError naming the bad line."""
    rows: list[tuple[str, date, float]] = []
    lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    for number, fields in enumerate(csv.reader(io.StringIO("\n".join(lines))), start=1):
        if number == 1 and fields and fields[0].strip().lower() == "currency":
            continue
        try:
            currency, day, rate = (f.strip() for f in fields)
            value = float(rate)
            if len(currency) != 3 or not currency.isalpha() or value <= 0:
                raise ValueError
            rows.append((currency.upper(), date.fromisoformat(day), value))
        except ValueError as exc:
            raise ValueError(f"line {number}: expected currency,YYYY-MM-DD,positive rate; got {fields!r}") from exc
    return rows


def _table(rows: Iterable[tuple[str, date, float]]) -> Rates:
    grouped: dict[str, list[tuple[date, float]]] = {}
    for currency, day, rate in rows:
        grouped.setdefault(currency, []).append((day, rate))
    return {cur: ([d for d, _ in sorted(v)], [r for _, r in sorted(v)]) for cur, v in grouped.items()}


@cache
def bundled_usd_rates() -> Rates:
    return _table(parse_csv(files("mogul.server").joinpath("data/usd_rates.csv").read_text()))


def _at(table: tuple[list[date], list[float]], day: date) -> float:
    i = bisect.bisect_right(table[0], day) - 1
    return table[1][i] if i >= 0 else table[1][0]  # before the first date: the earliest rate known


def replace_rates(conn: Connection, rows: list[tuple[str, date, float]]) -> None:
    """Store `rows`, replacing every rate previously loaded for their currencies."""
    t = schema.fx_rates
    conn.execute(delete(t).where(t.c.currency.in_({cur for cur, _, _ in rows})))
    if rows:
        conn.execute(insert(t), [{"currency": c, "day": d.isoformat(), "rate": r} for c, d, r in rows])


def loaded_rates(conn: Connection) -> list[tuple[str, date, float]]:
    t = schema.fx_rates
    return [
        (row.currency, date.fromisoformat(row.day), row.rate)
        for row in conn.execute(select(t).order_by(t.c.currency, t.c.day))
    ]


def converter(account_currency: str, loaded: list[tuple[str, date, float]]) -> Callable[[str, date], float]:
    """The engine's `fx_rates`: (currency, day) -> units of `account_currency` per unit of `currency`."""
    own = _table(loaded)
    usd = bundled_usd_rates()

    def dollars(currency: str, day: date) -> float:
        if currency == "USD":
            return 1.0
        table = usd.get(currency)
        if table is None:
            raise EngineInputError(f"no exchange rate for {currency}: load one with `mogul fx-rates load`")
        return _at(table, day)

    def rate(currency: str, day: date) -> float:
        if currency in own:
            return _at(own[currency], day)
        return dollars(currency, day) / dollars(account_currency, day)

    return rate
