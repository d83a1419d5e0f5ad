"""Headless Chromium from Debian, driven by Playwright: never a browser Playwright would download."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from playwright.sync_api import Page

# `make chromium` installs it; MOGUL_CHROMIUM points elsewhere (another machine's Chromium or Chrome).
CHROMIUM = os.environ.get("MOGUL_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",  # root in a container has no user namespace for the sandbox
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "dashboard"
TIMEOUT_MS = 30_000


def chromium_path() -> str:
    """The browser to run. Missing is a failure, not a skip: `make test` installs it."""
    if not Path(CHROMIUM).is_file():
        raise AssertionError(f"no Chromium at {CHROMIUM}: run `make chromium` (apt-get install chromium)")
    return CHROMIUM


def sign_in(page: Page, base_url: str, key: str) -> None:
    page.goto(base_url + "/")
    page.fill("#api-key", key)
    page.click("#login-form button[type=submit]")
    wait_ready(page)


def wait_ready(page: Page, **attributes: str) -> None:
    """Until the current page has drawn everything it fetched (with these `data-*` values, when given)."""
    wanted = "".join(f'[data-{name}="{value}"]' for name, value in attributes.items())
    page.wait_for_selector(f'#page[data-state="ready"]{wanted}', timeout=TIMEOUT_MS)


def open_page(page: Page, base_url: str, route: str, **attributes: str) -> None:
    page.goto(f"{base_url}/#/{route}")
    wait_ready(page, **attributes)


def drawn(page: Page, chart: str) -> dict[str, Any]:
    """What Chart.js draws for a chart: its labels and each dataset's values."""
    return page.evaluate(
        """(id) => {
            const chart = Chart.getChart(document.querySelector(`figure[data-chart="${id}"] canvas`));
            return {labels: chart.data.labels, datasets: Object.fromEntries(
                chart.data.datasets.map((d) => [d.label, d.data]))};
        }""",
        chart,
    )


def tabled(page: Page, chart: str) -> dict[str, list[float]]:
    """The chart's table of raw values (as the API gave them), per key, and its dates."""
    return page.evaluate(
        """(id) => {
            const table = document.querySelector(`table[data-values="${id}"]`);
            const out = {date: [...table.tBodies[0].rows].map((r) => r.dataset.date)};
            for (const cell of table.querySelectorAll("td[data-key]")) {
                (out[cell.dataset.key] ??= []).push(Number(cell.dataset.value));
            }
            return out;
        }""",
        chart,
    )


def rows(page: Page, table_id: str, attribute: str = "uuid") -> list[str]:
    """A table's rows by one of their `data-*` attributes, in order."""
    return page.eval_on_selector_all(f"#{table_id} tbody tr", f"(rows) => rows.map((r) => r.dataset.{attribute})")


def screenshot(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
