"""The account: its name, currency, time zone, and (asked for by `include=`) its settings."""

from __future__ import annotations

from .base import ApiObject, Out, field

_INCLUDED = "Only when `include=` names it."


class Account(ApiObject):
    id: str = field(pattern="^acc_")
    name: str = field()
    currency: str = field()
    time_zone: str = field()
    week_start_on: str = field(doc="`monday` or `sunday`.")
    churn_recognition: str = field(out=Out.OPTIONAL, doc=_INCLUDED)
    # Booleans, as the official clients' mocks have them.
    churn_when_zero_mrr: bool = field(out=Out.OPTIONAL, doc=_INCLUDED)
    auto_churn_subscription: bool = field(out=Out.OPTIONAL, doc=_INCLUDED)
    refund_handling: str = field(out=Out.OPTIONAL, doc=_INCLUDED)
    proximate_movement_reclassification: str = field(out=Out.OPTIONAL, doc=_INCLUDED)
    ltv_formula: str = field(
        out=Out.OPTIONAL,
        doc="mogul's own: the LTV form its metrics use (`arpa_over_trailing_six_month_churn` or `arpa_over_churn`). "
        + _INCLUDED,
    )


SETTINGS = tuple(f.name for f in Account.__fields__ if f.out is Out.OPTIONAL)
