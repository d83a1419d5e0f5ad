"""A deterministic generator of a SaaS company's billing history, as Import API payloads.

`generate(GeneratorConfig(customers=1000, seed=7))` returns the same `DemoDataset`, byte for byte, every time:
all randomness comes from one `random.Random(seed)` (and per-customer generators seeded from it), nothing
reads the clock or global state. What the history contains is described in docs/demo.md.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import orjson

from .catalog import (
    CHANNELS,
    COMPANY_FIRST,
    COMPANY_KIND,
    COMPANY_SECOND,
    COUNTRIES,
    CURRENCIES,
    FIRST_NAMES,
    LAST_NAMES,
    PLANS,
    PRICE_RISE_AFTER_MONTHS,
    SEASONALITY,
    Country,
)
from .lifecycle import CustomerLife
from .timeutil import add_months, wire

TRIAL_SHARE = 0.35
TRIAL_DAYS = 14
TRIAL_CONVERTS = 0.75  # the rest stay leads: customers with no invoice


@dataclass(frozen=True)
class GeneratorConfig:
    customers: int = 1000
    seed: int = 1
    start: date = date(2023, 1, 1)
    months: int = 36
    growth: float = 0.04
    """Month-on-month growth of signups (0.04: each month brings 4% more signups than the one before)."""
    seasonality: float = 1.0
    """Scale of the calendar-month pattern in `catalog.SEASONALITY`: 0 flat, 1 as written, 2 twice as strong."""
    churn: float = 0.03
    """Monthly cancellation probability of a Pro monthly subscription (other tiers and annual plans scale it)."""
    data_source_name: str = "Demo billing"
    currency: str | None = None
    """Bill every customer in this currency (one of `catalog.CURRENCIES`); None: EUR in the euro zone, USD elsewhere.
    A server without FX rates can only compute MRR for customers billed in the account's currency."""

    def __post_init__(self) -> None:
        if self.customers < 0:
            raise ValueError("customers must be >= 0")
        if self.months < 1:
            raise ValueError("months must be >= 1")
        if not 0 <= self.churn < 1:
            raise ValueError("churn must be in [0, 1)")
        if self.growth <= -1:
            raise ValueError("growth must be > -1")
        if self.seasonality < 0:
            raise ValueError("seasonality must be >= 0")
        if self.currency is not None and self.currency not in CURRENCIES:
            raise ValueError(f"currency must be one of {', '.join(CURRENCIES)}")

    @classmethod
    def ending(cls, end_month: date, months: int = 36, **knobs: Any) -> GeneratorConfig:
        """The `months` whole calendar months up to and including `end_month`'s month (`mogul demo`'s default:
        this month). The same seed gives the same history relative to that month; the calendar (month lengths,
        the seasonal pattern) is the real one of those months."""
        return cls(start=add_months(end_month.replace(day=1), 1 - months), months=months, **knobs)

    @property
    def end_month(self) -> date:
        """The first day of the history's last month."""
        return (self.history_end - timedelta(days=1)).date().replace(day=1)

    @property
    def history_start(self) -> datetime:
        return datetime(self.start.year, self.start.month, self.start.day)

    @property
    def history_end(self) -> datetime:
        """Nothing in the history (invoice, payment, cancellation) happens at or after this moment."""
        return add_months(self.history_start, self.months)


@dataclass(frozen=True)
class CustomerHistory:
    customer: dict[str, Any]
    """`POST /v1/customers` body without `data_source_uuid`."""
    invoices: list[dict[str, Any]]
    """Import API invoices without `data_source_uuid`; line items carry `plan_external_id` for `plan_uuid`."""
    cancellations: list[dict[str, Any]]
    """`{"subscription_external_id", "cancelled_at"}`, oldest first, to PATCH once the invoices are in."""


@dataclass(frozen=True)
class DemoDataset:
    config: GeneratorConfig
    data_source: dict[str, Any]
    plans: list[dict[str, Any]]
    """`POST /v1/plans` bodies without `data_source_uuid`."""
    customers: list[CustomerHistory] = field(repr=False)

    def to_json(self) -> bytes:
        """Every payload, in a stable order: what the determinism guarantee is about."""
        body = {
            "config": {**asdict(self.config), "start": self.config.start.isoformat()},
            "data_source": self.data_source,
            "plans": self.plans,
            # Not `asdict`: its deep copy of ~100k invoices costs more than the generation itself.
            "customers": [
                {"customer": h.customer, "invoices": h.invoices, "cancellations": h.cancellations}
                for h in self.customers
            ],
        }
        return orjson.dumps(body)

    def invoices(self) -> Iterator[dict[str, Any]]:
        for history in self.customers:
            yield from history.invoices

    def counts(self) -> dict[str, int]:
        invoices = line_items = transactions = 0
        for invoice in self.invoices():
            invoices += 1
            line_items += len(invoice["line_items"])
            transactions += len(invoice["transactions"])
        return {
            "customers": len(self.customers),
            "plans": len(self.plans),
            "invoices": invoices,
            "line_items": line_items,
            "transactions": transactions,
            "cancellations": sum(len(h.cancellations) for h in self.customers),
        }


def generate(config: GeneratorConfig) -> DemoDataset:
    rng = random.Random(config.seed)
    end = config.history_end
    price_rise_at = add_months(config.history_start, PRICE_RISE_AFTER_MONTHS)
    signups = signup_times(rng, config)
    domains: Counter[str] = Counter()
    customers: list[CustomerHistory] = []
    for number, signup in enumerate(signups, start=1):
        # Each customer's life has its own generator, so its history does not depend on its neighbours' draws.
        life_rng = random.Random(rng.getrandbits(64))
        country = rng.choices(COUNTRIES, weights=[c.weight for c in COUNTRIES])[0]
        customer = _identity(rng, number, country, domains)
        trial = rng.random() < TRIAL_SHARE
        lead_days = rng.randint(0, 20) if trial else rng.randint(0, 45)
        customer["lead_created_at"] = wire(signup - timedelta(days=lead_days))
        first_bill: datetime | None = signup
        if trial:
            customer["free_trial_started_at"] = wire(signup)
            converts = rng.random() < TRIAL_CONVERTS
            first_bill = signup + timedelta(days=TRIAL_DAYS) if converts else None
        if first_bill is None or first_bill >= end:
            customers.append(CustomerHistory(customer, [], []))
            continue
        life = CustomerLife(
            life_rng,
            number=number,
            customer_external_id=customer["external_id"],
            currency=config.currency or country.currency,
            tax_percent=country.tax_percent,
            history_end=end,
            price_rise_at=price_rise_at,
            churn=config.churn,
        )
        history = life.run(first_bill)
        customers.append(CustomerHistory(customer, history.invoices, history.cancellations))
    plans = [
        {
            "name": plan.name,
            "interval_count": plan.interval_count,
            "interval_unit": plan.interval_unit,
            "external_id": plan.external_id,
        }
        for plan in PLANS
    ]
    return DemoDataset(config, {"name": config.data_source_name}, plans, customers)


def monthly_signup_counts(rng: random.Random, config: GeneratorConfig) -> list[int]:
    """How many customers sign up in each month: growth x seasonality x a little noise, summing to `customers`."""
    weights = []
    for month in range(config.months):
        calendar_month = add_months(config.history_start, month).month
        season = 1.0 + config.seasonality * (SEASONALITY[calendar_month - 1] - 1.0)
        weights.append((1.0 + config.growth) ** month * max(season, 0.05) * rng.uniform(0.93, 1.07))
    total = sum(weights)
    exact = [config.customers * w / total for w in weights]
    counts = [int(x) for x in exact]
    # Largest remainder: the counts add up exactly, and each month is within one of its exact share.
    by_remainder = sorted(range(config.months), key=lambda m: (counts[m] - exact[m], m))
    for month in by_remainder[: config.customers - sum(counts)]:
        counts[month] += 1
    return counts


def signup_times(rng: random.Random, config: GeneratorConfig) -> list[datetime]:
    """Every customer's signup moment, oldest first: working hours, any day of its month."""
    times: list[datetime] = []
    for month, count in enumerate(monthly_signup_counts(rng, config)):
        first = add_months(config.history_start, month)
        days = (add_months(config.history_start, month + 1) - first).days
        month_times = [
            first + timedelta(days=rng.randrange(days), hours=rng.randint(7, 19), minutes=rng.randrange(60))
            for _ in range(count)
        ]
        times.extend(sorted(month_times))
    return times


def _identity(rng: random.Random, number: int, country: Country, domains: Counter[str]) -> dict[str, Any]:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    brand = f"{rng.choice(COMPANY_FIRST)} {rng.choice(COMPANY_SECOND)}"
    kind = rng.choice(COMPANY_KIND)
    slug = re.sub(r"[^a-z0-9]", "", f"{brand}{kind}".lower())
    domains[slug] += 1
    if domains[slug] > 1:  # keep domains (and so emails) unique across customers
        slug = f"{slug}{domains[slug]}"
    domain = f"{slug}.example"  # RFC 2606: never a real company's domain
    channel = rng.choices([c for c, _ in CHANNELS], weights=[w for _, w in CHANNELS])[0]
    return {
        "external_id": f"cus_{number:06d}",
        "name": f"{first} {last}",
        "email": f"{first}.{last}@{domain}".lower(),
        "company": f"{brand} {kind} {country.company_suffix}",
        "country": country.code,
        "city": rng.choice(country.cities),
        "website_url": f"https://www.{domain}",
        "attributes": {
            "tags": ["demo"],
            "custom": [{"type": "String", "key": "channel", "value": channel, "source": "demo"}],
        },
    }
