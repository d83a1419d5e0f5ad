"""Fixtures for the dashboard tests: one demo dataset and one Chromium per test process, a tab per test."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from .browser import ARGS, chromium_path
from .dataset import DemoServer, demo_server


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoServer]:
    with demo_server(tmp_path_factory.mktemp("dashboard")) as server:
        yield server


@pytest.fixture
def demo_api(demo: DemoServer) -> Iterator[httpx.Client]:
    """The API the dashboard reads, with the same read-only key: what the charts must show."""
    with httpx.Client(base_url=demo.base_url + "/v1", auth=(demo.read_only_key, ""), timeout=30) as http:
        yield http


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium_path(), args=ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh browser context (its own sessionStorage). Fails the test on any script error or refused
    resource (a CSP violation is a console error); failed requests are the tests' own business."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(f"page error: {error}"))
    tab.on(
        "console",
        lambda message: (
            errors.append(f"console: {message.text}")
            if message.type == "error" and not message.text.startswith("Failed to load resource")
            else None
        ),
    )
    yield tab
    context.close()
    assert errors == []
