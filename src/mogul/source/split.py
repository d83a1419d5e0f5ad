"""Reading `/v1/customers` as many cursor chains instead of one.

One chain of 200-customer pages cannot go faster than one page per round trip, so at ChartMogul's
40 requests/s a 20,000-customer account spends its 100 pages waiting on latency. The list's own
filters cut it into chains that run in parallel:

1. `GET /v1/data_sources` names the sources, and `GET /v1/customers?per_page=1` (without a cursor,
   the first page's `total_pages` is then the customer count) counts the account.
2. Each data source is counted the same way with `data_source_uuid`. A small one is read as one
   chain; a larger one as one chain per `status` (the seven values ChartMogul documents).
3. Records are deduplicated on `uuid` (a merged customer may be listed under two data sources).

Nothing may be lost, and a status can change while the chains run (processing moves a customer
from `Active` to `Cancelled`, say). So when a source's status chains end it is counted again, and
if fewer distinct customers were seen than it held at either count, it is read once more as one
chain (a keyset chain on creation order, which status changes do not disturb). Once every source
is done, the same check runs against the account's count, for customers whose source was not
listed. Only the new customers of a re-read are emitted.

The check compares counts, so one case can slip through: a status change that hides a customer
while, in the same read, another customer of that source that was already read is deleted.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .passthrough import Entry

# The `status` filter's values (chartmogul-api.md §2.2), underscores as the filter spells them.
STATUSES = ("Active", "Cancelled", "New_Lead", "Working_Lead", "Qualified_Lead", "Unqualified_Lead", "Past_Due")
SPLIT_ABOVE_PAGES = 3
"""A data source with more than this many pages of customers is split by status."""

PATH = "/v1/customers"


@dataclass(eq=False)
class Group:
    """One data source's customers (None: the whole account, for the final check)."""

    data_source_uuid: str | None
    counts: list[int] = field(default_factory=list)
    chains: int = 0
    split: bool = False
    reread: bool = False
    seen: set[str] = field(default_factory=set)

    def filters(self) -> dict[str, Any]:
        return {"data_source_uuid": self.data_source_uuid} if self.data_source_uuid else {}

    def short(self) -> bool:
        """Fewer distinct customers seen than the source held at its first or last count."""
        return bool(self.counts) and len(self.seen) < max(self.counts)


@dataclass
class Step:
    """A request the reader should make next: `role` is `count`, `recount` or `chain`."""

    role: str
    group: Group
    params: dict[str, Any]


class CustomerSplit:
    """The plan's state; touched by the reader's main thread only."""

    def __init__(self, page_size: int) -> None:
        self.page_size = page_size
        self.account = Group(None)
        self.groups: list[Group] = []
        self.seen: set[str] = set()
        self.checked = False

    def start(self) -> list[Step]:
        """The account count; the data sources are listed alongside it (`sources`)."""
        return [Step("count", self.account, {"per_page": 1})]

    def sources(self, uuids: Iterable[str]) -> list[Step]:
        steps = []
        for uuid in dict.fromkeys(uuids):
            group = Group(uuid)
            self.groups.append(group)
            steps.append(Step("count", group, {**group.filters(), "per_page": 1}))
        return steps

    def counted(self, step_role: str, group: Group, total: int | None) -> tuple[list[Step], str | None]:
        """After a count: the chains to start, and a note worth logging."""
        if total is not None:
            group.counts.append(total)
        if group is self.account:
            return [], None
        if step_role == "recount":
            if group.short():
                return [self._reread(group)], (
                    f"customers of {group.data_source_uuid} changed while being read "
                    f"({len(group.seen)} seen, {max(group.counts)} counted): reading them again in one chain"
                )
            return [], None
        if total is None or total <= SPLIT_ABOVE_PAGES * self.page_size:
            group.chains = 1
            return [Step("chain", group, group.filters())], None
        group.split = True
        group.chains = len(STATUSES)
        return [Step("chain", group, {**group.filters(), "status": status}) for status in STATUSES], None

    def fresh(self, group: Group, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The page's customers not emitted yet, remembering every one for the group's check."""
        out = []
        seen, group_seen = self.seen, group.seen
        for item in items:
            uuid = item.get("uuid") if isinstance(item, dict | Entry) else None
            if uuid is None:
                continue
            group_seen.add(uuid)
            if uuid not in seen:
                seen.add(uuid)
                out.append(item)
        return out

    def chain_done(self, group: Group) -> list[Step]:
        """When a split source's last status chain ends: count it again."""
        group.chains -= 1
        if group.chains == 0 and group.split and not group.reread:
            return [Step("recount", group, {**group.filters(), "per_page": 1})]
        return []

    def finishing(self) -> tuple[list[Step], str | None]:
        """Called when nothing else is pending: the account-wide check, once."""
        if self.checked:
            return [], None
        self.checked = True
        counts = self.account.counts
        if counts and len(self.seen) < max(counts):
            note = f"{len(self.seen)} customers read, {max(counts)} counted: reading the list again in one chain"
            return [self._reread(self.account)], note
        return [], None

    def _reread(self, group: Group) -> Step:
        group.reread = True
        group.chains = 1
        return Step("chain", group, group.filters())
