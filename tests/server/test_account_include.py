"""`GET /v1/account`: the base keys always, each setting only when asked for."""

from __future__ import annotations

import httpx

from mogul.objects.account import SETTINGS

BASE = ["id", "name", "currency", "time_zone", "week_start_on"]


def test_base_keys_only_by_default_with_the_id_first(api: httpx.Client) -> None:
    body = api.get("/account").json()
    assert list(body) == BASE
    assert body["id"].startswith("acc_") and len(body["id"]) == 40
    assert body["week_start_on"] in ("monday", "sunday")


def test_include_adds_the_named_settings_in_declared_order(api: httpx.Client) -> None:
    one = api.get("/account?include=churn_recognition").json()
    assert list(one) == [*BASE, "churn_recognition"]
    several = api.get("/account", params={"include": "refund_handling, churn_when_zero_mrr,unknown"}).json()
    assert list(several) == [*BASE, "churn_when_zero_mrr", "refund_handling"]  # unknown names are ignored
    every = api.get("/account", params={"include": ",".join(SETTINGS)}).json()
    assert list(every) == [*BASE, *SETTINGS]
    assert every["churn_recognition"] == one["churn_recognition"]
    repeated = api.get("/account?include=refund_handling&include=churn_recognition").json()
    assert set(repeated) == {*BASE, "refund_handling", "churn_recognition"}
    assert list(api.get("/account?include=").json()) == BASE


def test_php_s_flag_form_is_tolerated(api: httpx.Client) -> None:
    body = api.get("/account?churn_recognition=1&churn_when_zero_mrr=1&refund_handling=0").json()
    assert list(body) == [*BASE, "churn_recognition", "churn_when_zero_mrr"]
