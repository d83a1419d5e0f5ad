"""The customer page in Chromium shows the customer's contacts, notes and calls, tasks and opportunities, as the
/v1 CRM lists give them (newest first), and says so when there are none."""

from __future__ import annotations

import httpx
from playwright.sync_api import Page

from .browser import open_page, rows, screenshot, sign_in
from .dataset import DemoServer


def texts(page: Page, selector: str) -> list[str]:
    return page.eval_on_selector_all(selector, "(cells) => cells.map((c) => c.innerText)")


def test_customer_page_shows_its_crm_objects(page: Page, demo: DemoServer, demo_api: httpx.Client) -> None:
    first = demo_api.get("/customers", params={"per_page": 1}).json()["entries"][0]
    cus, ds = first["uuid"], first["data_source_uuid"]
    # The demo gave the customer CRM records of its own (its contact, maybe notes): the new ones list first.
    before = {
        kind: [entry[key] for entry in demo_api.get(f"/{kind}", params={"customer_uuid": cus}).json()["entries"]]
        for kind, key in (("contacts", "uuid"), ("customer_notes", "uuid"), ("tasks", "task_uuid"),
                          ("opportunities", "uuid"))
    }  # fmt: skip
    with httpx.Client(base_url=demo.base_url + "/v1", auth=(demo.key, ""), timeout=30) as api:
        bare = api.post("/customers", json={"data_source_uuid": ds, "external_id": "crm-empty"}).json()
        contacts = [
            api.post(
                "/contacts",
                json={"customer_uuid": cus, "data_source_uuid": ds, "first_name": name, "last_name": "Lovelace",
                      "email": f"{name.lower()}@example.com", "title": "CTO"},
            ).json()
            for name in ("Ada", "Byron")
        ]  # fmt: skip
        note = api.post("/customer_notes", json={"customer_uuid": cus, "type": "note", "text": "First\nSecond"}).json()
        call = api.post(
            "/customer_notes", json={"customer_uuid": cus, "type": "call", "text": "Called", "call_duration": 300}
        ).json()
        task = api.post(
            "/tasks",
            json={"customer_uuid": cus, "task_details": "Send the quote", "assignee": "k@example.com",
                  "due_date": "2025-04-30"},
        ).json()  # fmt: skip
        opportunity = api.post(
            "/opportunities",
            json={"customer_uuid": cus, "owner": "o@example.com", "pipeline": "New Business",
                  "pipeline_stage": "Discovery", "estimated_close_date": "2024-03-30", "currency": "USD",
                  "amount_in_cents": 1234500, "forecast_category": "best_case", "win_likelihood": 30},
        ).json()  # fmt: skip
    try:
        sign_in(page, demo.base_url, demo.read_only_key)
        open_page(page, demo.base_url, f"customers/{cus}", customer=cus)
        assert rows(page, "contacts-table") == [contacts[1]["uuid"], contacts[0]["uuid"], *before["contacts"]]
        assert texts(page, "#contacts-table tbody td:first-child")[:2] == ["Byron Lovelace", "Ada Lovelace"]
        assert rows(page, "notes-table") == [call["uuid"], note["uuid"], *before["customer_notes"]]
        assert texts(page, "#notes-table tbody td:nth-child(2)")[:2] == ["Call (5 min)", "Note"]
        assert texts(page, "#notes-table tbody td:last-child")[1] == "First\nSecond"
        assert rows(page, "tasks-table") == [task["task_uuid"], *before["tasks"]]
        assert texts(page, "#tasks-table tbody tr:first-child td") == [
            "2025-04-30",
            "Send the quote",
            "k@example.com",
            "Open",
        ]
        assert rows(page, "opportunities-table") == [opportunity["uuid"], *before["opportunities"]]
        cells = texts(page, "#opportunities-table tbody tr:first-child td")
        assert cells[:2] == ["New Business · Discovery", "$12,345"] and "best case" in cells and "30%" in cells
        screenshot(page, "customer-crm")

        open_page(page, demo.base_url, f"customers/{bare['uuid']}", customer=bare["uuid"])
        for section in ("Contacts", "Notes and calls", "Tasks", "Opportunities"):
            assert page.locator("section.crm", has_text=section).locator("p.empty").inner_text() == "None."
    finally:
        with httpx.Client(base_url=demo.base_url + "/v1", auth=(demo.key, ""), timeout=30) as api:
            for path, uuid in [("/contacts", c["uuid"]) for c in contacts] + [
                ("/customer_notes", note["uuid"]),
                ("/customer_notes", call["uuid"]),
                ("/tasks", task["task_uuid"]),
                ("/opportunities", opportunity["uuid"]),
                ("/customers", bare["uuid"]),
            ]:
                api.delete(f"{path}/{uuid}")
