"""Property tests searching for the classes of the hostile-input defects, not only their instances:

- extreme numbers in every numeric field of an imported invoice (line items and transactions, prorated slivers
  included): the import is answered 201 or 4xx, never 5xx, and processing always finishes, with the customer
  processed or counted as failed, never stuck in the queue;
- nesting and size in every free-form JSON field (custom attributes and tags of customers, `custom` of contacts
  and opportunities): 2xx or 4xx, never 5xx, and whatever was stored reads back, alone and in a list page.

`MOGUL_PROPERTY_EXAMPLES` sets the number of examples (default 20 in `make test`; `make fuzz` runs 200).
"""

from __future__ import annotations

import itertools
import os
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mogul.objects.invoices import MAX_AMOUNT_IN_CENTS
from mogul.server.settings import RequestLimits

from .processing_helpers import customer, plan, settle, source

EXAMPLES = int(os.environ.get("MOGUL_PROPERTY_EXAMPLES", "20"))
PROPERTY = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
_n = itertools.count()

EXTREMES = [0, 1, -1, 2**31 - 1, 2**31, 2**53 + 1, MAX_AMOUNT_IN_CENTS, MAX_AMOUNT_IN_CENTS + 1, 10**18]
EXTREMES += [2**63 - 1, -(2**63), 2**63, 2**64, 10**30, -(10**30)]
numbers = st.one_of(
    st.sampled_from(EXTREMES),
    st.sampled_from(EXTREMES).map(lambda n: -n),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(["12", "1e3", "", None, True]),
)
LINE_ITEM_NUMBERS = ["amount_in_cents", "quantity", "discount_amount_in_cents", "tax_amount_in_cents"]
LINE_ITEM_NUMBERS += ["transaction_fees_in_cents", "event_order"]
TRANSACTION_NUMBERS = ["amount_in_cents", "transaction_fees_in_cents"]
# Service periods: a month, a day, a second (a prorated sliver multiplies the amount by millions), a decade.
PERIODS = [
    ("2024-01-01 00:00:00", "2024-02-01 00:00:00"),
    ("2024-01-01 00:00:00", "2024-01-02 00:00:00"),
    ("2024-01-31 23:59:59", "2024-02-01 00:00:00"),
    ("2014-01-01 00:00:00", "2024-01-01 00:00:00"),
]


@st.composite
def invoices(draw: st.DrawFn, plan_uuids: list[str]) -> dict[str, Any]:
    n = next(_n)
    start, end = draw(st.sampled_from(PERIODS))
    item: dict[str, Any] = {
        "type": "subscription",
        "subscription_external_id": f"sub_{n}",
        "plan_uuid": draw(st.sampled_from(plan_uuids)),
        "service_period_start": start,
        "service_period_end": end,
        "amount_in_cents": 1000,
        "prorated": draw(st.booleans()),
    }
    if item["prorated"]:
        item["proration_type"] = draw(st.sampled_from(["full", "differential", "differential_mrr"]))
    for field in draw(st.lists(st.sampled_from(LINE_ITEM_NUMBERS), min_size=1, max_size=3, unique=True)):
        item[field] = draw(numbers)
    tx: dict[str, Any] = {"type": "payment", "date": start, "result": "successful"}
    for field in draw(st.lists(st.sampled_from(TRANSACTION_NUMBERS), max_size=2, unique=True)):
        tx[field] = draw(numbers)
    return {"external_id": f"inv_{n}", "date": start, "currency": "USD", "line_items": [item], "transactions": [tx]}


def test_extreme_numbers_in_every_invoice_field_never_break_import_or_processing(api: httpx.Client) -> None:
    ds = source(api)
    plans = [plan(api, ds, name, unit, count)["uuid"] for name, unit, count in (("M", "month", 1), ("D", "day", 1))]

    @PROPERTY
    @given(st.lists(invoices(plans), min_size=1, max_size=3))
    def check(batch: list[dict[str, Any]]) -> None:
        cus = customer(api, ds, f"c{next(_n)}")
        r = api.post(f"/import/customers/{cus['uuid']}/invoices", json={"invoices": batch})
        assert r.status_code in (201, 400, 422), r.text
        settle(api)  # processing finishes: the customer is processed or failed, never stuck
        status = api.get(f"/data_sources/{ds}", params={"with_processing_status": "true"}).json()
        assert status["processing_status"]["pending"] == 0
        got = api.get(f"/customers/{cus['uuid']}")
        assert got.status_code == 200, got.text
        assert abs(got.json()["arr"]) < 2**63
        for path in ("/metrics/mrr", "/metrics/all"):
            m = api.get(path, params={"start-date": "2024-01-01", "end-date": "2024-03-01"})
            assert m.status_code == 200, m.text

    check()


LIMITS = RequestLimits()
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30),
    st.sampled_from(["a\nb", '"\\', "\u2028", "😀", "x" * 9_000]),
)
keys = st.from_regex(r"[A-Za-z0-9_]{1,12}", fullmatch=True)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
    max_leaves=20,
)


def deep(depth: int, leaf: Any) -> Any:
    value = leaf
    for level in range(depth):
        value = [value] if level % 2 else {"k": value}
    return value


free_form = st.one_of(
    json_values,
    st.builds(deep, st.integers(min_value=LIMITS.max_depth - 4, max_value=LIMITS.max_depth + 4), scalars),
    st.builds(deep, st.integers(min_value=60, max_value=250), scalars),
    st.integers(min_value=LIMITS.max_object_keys - 1, max_value=LIMITS.max_object_keys + 1).map(
        lambda n: {f"k{i}": i for i in range(n)}
    ),
    st.integers(min_value=1, max_value=14).map(lambda n: ["y" * 9_000] * n),
)


def _reads_back(api: httpx.Client, uuid: str) -> dict[str, Any]:
    for path in (f"/customers/{uuid}", f"/customers/{uuid}/attributes", "/customers?per_page=200"):
        r = api.get(path)
        assert r.status_code == 200, (path, r.text[:300])
    return api.get(f"/customers/{uuid}").json()


def test_nesting_and_size_in_every_free_form_field_never_break_writes_or_reads(api: httpx.Client) -> None:
    ds = source(api)

    @PROPERTY
    @given(st.sampled_from(["put", "patch", "create", "contact", "opportunity", "tags"]), free_form)
    def check(where: str, value: Any) -> None:
        cus = customer(api, ds, f"c{next(_n)}")
        uuid = cus["uuid"]
        typed = [{"type": "String", "key": "v", "value": value}]
        if where == "put":
            r = api.put(f"/customers/{uuid}/attributes/custom", json={"custom": {"v": value}})
        elif where == "patch":
            r = api.patch(f"/customers/{uuid}", json={"attributes": {"custom": {"v": value}}})
        elif where == "create":
            body = {"data_source_uuid": ds, "external_id": f"n{next(_n)}", "attributes": {"custom": typed}}
            r = api.post("/customers", json=body)
            uuid = r.json()["uuid"] if r.status_code == 201 else uuid
        elif where == "contact":
            r = api.post(
                "/contacts",
                json={"customer_uuid": uuid, "data_source_uuid": ds, "custom": [{"key": "v", "value": value}]},
            )
        elif where == "opportunity":
            r = api.post(
                "/opportunities",
                json={
                    "customer_uuid": uuid,
                    "owner": "owner@example.com",
                    "pipeline": "New Business",
                    "pipeline_stage": "Discovery",
                    "estimated_close_date": "2024-03-30",
                    "currency": "USD",
                    "amount_in_cents": 100,
                    "custom": [{"key": "v", "value": value}],
                },
            )
        else:
            r = api.post(f"/customers/{uuid}/attributes/tags", json={"tags": value})
        assert r.status_code < 500, r.text[:300]
        got = _reads_back(api, uuid)
        if where in ("put", "patch") and r.status_code == 200:
            assert got["attributes"]["custom"]["v"] == value
        if where in ("contact", "opportunity") and r.status_code in (200, 201):
            path = "/contacts" if where == "contact" else "/opportunities"
            one = api.get(f"{path}/{r.json()['uuid']}")
            assert one.status_code == 200, one.text[:300]
            assert api.get(path, params={"customer_uuid": uuid}).status_code == 200

    check()
