"""The overview's LTV card says which LTV form the server computes (the account's `ltv_formula` setting)."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import Page

from mogul.client import Client
from mogul.demo.pipeline import wait_until_idle
from mogul.server.store import Database
from mogul.server.store.metric_settings import set_account_setting

from .browser import TIMEOUT_MS, sign_in, wait_ready
from .dataset import DemoServer

pytestmark = pytest.mark.slow
CAPTION = 'section[data-metric="ltv"] [data-ltv-form]'


def _switch(demo: DemoServer, form: str) -> None:
    db = Database(demo.database_url)
    try:
        set_account_setting(db, "ltv_formula", form)
    finally:
        db.dispose()
    with Client(demo.key, demo.base_url) as client:
        wait_until_idle(client)


def test_the_ltv_card_names_its_form(page: Page, demo: DemoServer, demo_api: httpx.Client) -> None:
    assert demo_api.get("/account?include=ltv_formula").json()["ltv_formula"] == "arpa_over_trailing_six_month_churn"
    sign_in(page, demo.base_url, demo.read_only_key)
    caption = page.wait_for_selector(CAPTION, timeout=TIMEOUT_MS)
    assert caption.get_attribute("data-ltv-form") == "arpa_over_trailing_six_month_churn"
    assert "six months" in caption.text_content()
    _switch(demo, "arpa_over_churn")
    try:
        page.reload()
        wait_ready(page)
        caption = page.wait_for_selector(CAPTION, timeout=TIMEOUT_MS)
        assert caption.get_attribute("data-ltv-form") == "arpa_over_churn"
        assert caption.text_content() == "ARPA ÷ the period's customer churn rate"
    finally:
        _switch(demo, "arpa_over_trailing_six_month_churn")
