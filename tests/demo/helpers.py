"""Shared views of a generated dataset for the demo tests: items grouped by subscription, parsed times."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mogul.demo.generator import DemoDataset
from mogul.demo.timeutil import parse_wire


@dataclass(frozen=True)
class Item:
    customer: str
    invoice: dict[str, Any]
    raw: dict[str, Any]
    start: datetime
    end: datetime

    @property
    def prorated(self) -> bool:
        return bool(self.raw["prorated"])


def subscription_items(dataset: DemoDataset) -> dict[str, list[Item]]:
    """Subscription external id -> its line items, by service period start (regular before prorated)."""
    items: dict[str, list[Item]] = defaultdict(list)
    for history in dataset.customers:
        for invoice in history.invoices:
            for raw in invoice["line_items"]:
                if raw["type"] != "subscription":
                    continue
                start, end = parse_wire(raw["service_period_start"]), parse_wire(raw["service_period_end"])
                items[raw["subscription_external_id"]].append(
                    Item(history.customer["external_id"], invoice, raw, start, end)
                )
    for sub_items in items.values():
        sub_items.sort(key=lambda i: (i.start, i.prorated))
    return items


def cancellations(dataset: DemoDataset) -> dict[str, list[datetime]]:
    out: dict[str, list[datetime]] = defaultdict(list)
    for history in dataset.customers:
        for c in history.cancellations:
            out[c["subscription_external_id"]].append(parse_wire(c["cancelled_at"]))
    return out


def months_between(start: datetime, end: datetime) -> int:
    return (end.year - start.year) * 12 + end.month - start.month
