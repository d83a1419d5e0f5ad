"""The README's and docs/dashboard.md's screenshots, from what `make demo` serves (2,000 customers, seed 1):

    .venv/bin/python -m tests.dashboard.screenshots --end-month 2026-12

writes docs/img/dashboard-overview.png and docs/img/dashboard-customers.png. Pin --end-month to the month
the pictures should show; the same month gives the same figures.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from mogul.commands.demo import DEFAULT_CUSTOMERS
from mogul.demo.timeutil import parse_month

from .browser import ARGS, chromium_path, open_page, sign_in
from .dataset import demo_server

IMAGES = Path(__file__).resolve().parents[2] / "docs" / "img"
VIEWPORT = {"width": 1280, "height": 860}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--end-month", type=parse_month, required=True, help="last month of the history, YYYY-MM")
    parser.add_argument("--customers", type=int, default=DEFAULT_CUSTOMERS)
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory() as tmp,
        demo_server(Path(tmp), args.customers, 1, args.end_month) as demo,
        sync_playwright() as playwright,
    ):
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=ARGS)
        page = browser.new_context(viewport=VIEWPORT, device_scale_factor=1).new_page()
        sign_in(page, demo.base_url, demo.read_only_key)
        page.screenshot(path=str(IMAGES / "dashboard-overview.png"), full_page=True)
        open_page(page, demo.base_url, "customers")
        page.screenshot(path=str(IMAGES / "dashboard-customers.png"))
        browser.close()
    print(f"wrote {IMAGES / 'dashboard-overview.png'} and {IMAGES / 'dashboard-customers.png'}")


if __name__ == "__main__":
    main()
