"""The fixed world the demo generator draws from: plans and prices, countries, names, discount codes.

Plain data, no randomness: the generator picks from these with its own seeded `random.Random`.
"""

from __future__ import annotations

from dataclasses import dataclass

CURRENCIES = ("USD", "EUR")
TIERS = ("starter", "pro", "business")


@dataclass(frozen=True)
class Plan:
    external_id: str
    name: str
    tier: str
    interval_unit: str  # "month" | "year"
    interval_count: int
    addon: bool = False

    @property
    def months(self) -> int:
        return self.interval_count * (12 if self.interval_unit == "year" else 1)

    @property
    def cycle(self) -> str:
        return {1: "monthly", 3: "quarterly", 12: "annual"}[self.months]


# Annual is spelled both ways on purpose (year x 1 and month x 12): both are valid plans and normalise differently.
PLANS: tuple[Plan, ...] = (
    Plan("starter_monthly", "Starter monthly", "starter", "month", 1),
    Plan("starter_annual", "Starter annual", "starter", "year", 1),
    Plan("pro_monthly", "Pro monthly", "pro", "month", 1),
    Plan("pro_quarterly", "Pro quarterly", "pro", "month", 3),
    Plan("pro_annual", "Pro annual", "pro", "year", 1),
    Plan("business_monthly", "Business monthly", "business", "month", 1),
    Plan("business_annual", "Business annual", "business", "month", 12),
    Plan("analytics_addon_monthly", "Analytics add-on monthly", "addon", "month", 1, addon=True),
    Plan("analytics_addon_annual", "Analytics add-on annual", "addon", "year", 1, addon=True),
)
PLANS_BY_ID = {plan.external_id: plan for plan in PLANS}
CYCLES = {
    "starter": ("monthly", "annual"),
    "pro": ("monthly", "quarterly", "annual"),
    "business": ("monthly", "annual"),
}


def plan_for(tier: str, cycle: str) -> Plan:
    return PLANS_BY_ID[f"{tier}_{cycle}" if tier != "addon" else f"analytics_addon_{cycle}"]


# List price per seat (per subscription for the add-on) and month, in cents, for each currency.
MONTHLY_PRICE = {
    "starter": {"USD": 1500, "EUR": 1400},
    "pro": {"USD": 3900, "EUR": 3600},
    "business": {"USD": 9900, "EUR": 9200},
    "addon": {"USD": 2900, "EUR": 2700},
}
# Longer commitments are cheaper per month: a quarter at 5% off, a year at two months free.
CYCLE_FACTOR = {1: 1.0, 3: 0.95, 12: 10 / 12}
# List prices rise once, this many months into the history; renewals after it show as expansion.
PRICE_RISE_AFTER_MONTHS = 24
PRICE_RISE = 1.10
SETUP_FEE = {"pro": {"USD": 15000, "EUR": 14000}, "business": {"USD": 50000, "EUR": 46000}}


@dataclass(frozen=True)
class Discount:
    code: str
    percent: int
    months: int  # how long it lasts; a period that starts inside it is discounted whole


SIGNUP_DISCOUNTS = (Discount("LAUNCH20", 20, 3), Discount("STARTUP50", 50, 6))
WINBACK_DISCOUNT = Discount("WINBACK30", 30, 3)


@dataclass(frozen=True)
class Country:
    code: str
    currency: str
    tax_percent: float  # VAT / GST charged on top of the net price; 0 where the seller collects none
    cities: tuple[str, ...]
    weight: int
    company_suffix: str


COUNTRIES: tuple[Country, ...] = (
    Country("US", "USD", 0.0, ("New York", "San Francisco", "Austin", "Chicago", "Seattle", "Boston"), 38, "Inc."),
    Country("GB", "USD", 20.0, ("London", "Manchester", "Edinburgh", "Bristol"), 10, "Ltd"),
    Country("CA", "USD", 5.0, ("Toronto", "Vancouver", "Montreal"), 6, "Inc."),
    Country("AU", "USD", 10.0, ("Sydney", "Melbourne", "Brisbane"), 4, "Pty Ltd"),
    Country("DE", "EUR", 19.0, ("Berlin", "Munich", "Hamburg", "Cologne"), 12, "GmbH"),
    Country("FR", "EUR", 20.0, ("Paris", "Lyon", "Toulouse"), 8, "SAS"),
    Country("NL", "EUR", 21.0, ("Amsterdam", "Rotterdam", "Utrecht"), 6, "B.V."),
    Country("ES", "EUR", 21.0, ("Madrid", "Barcelona", "Valencia"), 5, "S.L."),
    Country("IT", "EUR", 22.0, ("Milan", "Rome", "Turin"), 4, "S.r.l."),
    Country("IE", "EUR", 23.0, ("Dublin", "Cork"), 3, "Ltd"),
    Country("SE", "USD", 25.0, ("Stockholm", "Gothenburg"), 2, "AB"),
    Country("JP", "USD", 10.0, ("Tokyo", "Osaka"), 2, "K.K."),
)

FIRST_NAMES = (
    "Ada", "Alan", "Amara", "Ben", "Carla", "Chen", "Dana", "Diego", "Elena", "Emeka", "Fatima", "Felix",
    "Grace", "Hana", "Ivan", "Jonas", "Julia", "Kai", "Lena", "Liam", "Maya", "Mateo", "Nadia", "Noah",
    "Olga", "Omar", "Priya", "Rafael", "Sara", "Sven", "Tara", "Tomas", "Uma", "Victor", "Wei", "Yara", "Zoe",
)  # fmt: skip
LAST_NAMES = (
    "Andersen", "Baker", "Costa", "Dubois", "Eriksson", "Fischer", "Garcia", "Hoffmann", "Ito", "Jansen",
    "Kowalski", "Lambert", "Martin", "Nakamura", "Okafor", "Patel", "Quinn", "Rossi", "Schmidt", "Tanaka",
    "Urban", "Vogel", "Walsh", "Xu", "Young", "Zimmermann", "Novak", "Silva", "Moreau", "Bauer",
)  # fmt: skip
COMPANY_FIRST = (
    "Blue", "Bright", "North", "Silver", "Red", "Quiet", "Swift", "Green", "Iron", "Clear", "Bold", "Prime",
    "Open", "Deep", "True", "Next", "Little", "Golden", "Urban", "Lunar",
)  # fmt: skip
COMPANY_SECOND = (
    "Harbor", "Pixel", "Forge", "Leaf", "Stone", "Wave", "Bridge", "Field", "Cloud", "Orbit", "Peak", "Signal",
    "Grid", "Path", "Spark", "Nest", "Fox", "Lantern", "River", "Atlas",
)  # fmt: skip
COMPANY_KIND = ("Labs", "Software", "Analytics", "Systems", "Studio", "Health", "Logistics", "Media")
CHANNELS = (("organic", 45), ("paid_search", 20), ("referral", 15), ("partner", 10), ("outbound", 10))

# Relative signups by calendar month (B2B SaaS): a strong Q1 and September, quiet summers and Decembers.
SEASONALITY = (1.20, 1.10, 1.10, 1.00, 0.95, 0.90, 0.80, 0.75, 1.10, 1.10, 1.00, 0.80)
