"""How `/v1/customers` is read whole, in parallel where it is large, without losing a customer.

A cursor chain goes one page per round trip, so one chain over 20,000 customers takes 100 round trips while
the rest of a read runs at the rate limit. The only filter that splits the list is `status`, and a status
changes while a read runs (processing moves a customer from Active to Cancelled, a lead is qualified). So:

1. The account's customers are counted (`per_page=1`: the first page's `total_pages` is then the count).
2. At most `SPLIT_ABOVE_PAGES` pages: one unfiltered chain. A keyset chain in creation order, which no status
   change or delete disturbs, lists every customer present from its start to its end.
3. Larger: one chain per status, at once. When they have all ended, the customers are counted again. If the
   count moved, or fewer distinct customers were seen than it, the list is read once more as one unfiltered
   chain, and only the customers not yet emitted are emitted.

Why the check holds: a customer present at both counts but never listed leaves fewer customers seen than the
second count, unless customers created during the read were seen in its place; and creations move the count
unless as many customers were deleted. So a miss goes unnoticed only when, in one read, a status change hides a
customer while customers are both created (and read) and deleted in equal numbers: counts cannot tell that
from nothing happening, and only reading the whole list twice every time could.

Records are deduplicated on `uuid`: a customer whose status changed may be listed by two chains.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from .records import Record, uuid_of

# The `status` filter's values, underscores as the filter spells them.
STATUSES = ("Active", "Cancelled", "New_Lead", "Working_Lead", "Qualified_Lead", "Unqualified_Lead", "Past_Due")
SPLIT_ABOVE_PAGES = 3
"""An account with more than this many pages of customers is read as one chain per status."""

PATH = "/v1/customers"
Role = Literal["count", "recount", "chain"]


@dataclass(frozen=True)
class Step:
    """A request the reader should make: a count (`count`, `recount`) or a cursor chain with `params`."""

    role: Role
    params: dict[str, Any]


@dataclass
class CustomerRead:
    """The state of one customers read; touched by the reader's processing thread only."""

    page_size: int
    counts: list[int] = field(default_factory=list)
    chains: int = 0
    split: bool = False
    reread: bool = False
    seen: set[str] = field(default_factory=set)

    def start(self) -> list[Step]:
        return [Step("count", {"per_page": 1})]

    def counted(self, role: Role, total: int | None) -> tuple[list[Step], str | None]:
        """After a count: the chains to start, and a note worth a WARN log."""
        if total is not None:
            self.counts.append(total)
        if role == "recount":
            if self._changed():
                seen, counted = len(self.seen), self.counts[-1] if self.counts else "?"
                return [self._chain({}, reread=True)], (
                    f"the customers changed while being read ({seen} seen, counted {counted} at the end): "
                    "reading them again in one chain"
                )
            return [], None
        if total is None or total <= SPLIT_ABOVE_PAGES * self.page_size:
            return [self._chain({})], None
        self.split = True
        return [self._chain({"status": status}) for status in STATUSES], None

    def fresh(self, items: Iterable[Record]) -> list[Record]:
        """The page's customers not emitted yet."""
        out = []
        seen = self.seen
        for item in items:
            uuid = uuid_of(item)
            if isinstance(uuid, str) and uuid not in seen:
                seen.add(uuid)
                out.append(item)
        return out

    def chain_done(self) -> list[Step]:
        """When the last status chain ends: count again (a single chain needs no check)."""
        self.chains -= 1
        if self.chains == 0 and self.split and not self.reread:
            return [Step("recount", {"per_page": 1})]
        return []

    def _changed(self) -> bool:
        if len(self.counts) < 2:  # a count failed to parse: nothing to compare, so read again
            return True
        return self.counts[0] != self.counts[-1] or len(self.seen) < self.counts[-1]

    def _chain(self, params: dict[str, Any], *, reread: bool = False) -> Step:
        self.reread = self.reread or reread
        self.chains += 1
        return Step("chain", params)
