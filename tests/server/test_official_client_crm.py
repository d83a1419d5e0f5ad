"""The official `chartmogul` client, unchanged, on mogul's CRM families: every method of `Contact`, `CustomerNote`,
`Opportunity` and `Task`, and `Customer`'s methods for them, create -> list -> retrieve -> update -> delete."""

from __future__ import annotations

import datetime as dt
import warnings
from typing import Any

import chartmogul
import pytest

# CustomerNote's methods warn that /v1/notes supersedes them; they still call /v1/customer_notes.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture
def customer(config: chartmogul.Config, ds: Any) -> Any:
    body = {"data_source_uuid": ds.uuid, "external_id": "cus_001", "name": "Adam Smith"}
    return chartmogul.Customer.create(config, data=body).get()


def _walk(first: Any, more: Any) -> list[Any]:
    """Every entry of a cursor list, following `cursor` until `has_more` is false."""
    page, seen = first, []
    while True:
        seen.extend(page.entries)
        assert page.cursor  # the last page too carries a cursor
        if not page.has_more:
            return seen
        page = more(page.cursor)


def test_contacts(config: chartmogul.Config, ds: Any, customer: Any) -> None:
    made = [
        chartmogul.Contact.create(
            config,
            data={
                "customer_uuid": customer.uuid,
                "data_source_uuid": ds.uuid,
                "first_name": f"Contact {n}",
                "email": f"c{n}@example.com",
                "custom": [{"key": "Toggle", "value": n % 2 == 0}],
            },
        ).get()
        for n in range(3)
    ]
    assert [c.position for c in made] == [1, 2, 3]
    assert made[0].custom == {"Toggle": True} and made[0].customer_external_id == "cus_001"
    assert made[0].uuid.startswith("con_") and made[0].external_id is None

    listed = _walk(
        chartmogul.Contact.all(config, customer_uuid=customer.uuid, per_page=2).get(),
        lambda cursor: chartmogul.Contact.all(config, customer_uuid=customer.uuid, per_page=2, cursor=cursor).get(),
    )
    assert [c.uuid for c in listed] == [c.uuid for c in reversed(made)]  # newest first
    by_email = chartmogul.Contact.all(config, email="c1@example.com").get()
    assert [c.uuid for c in by_email.entries] == [made[1].uuid]

    got = chartmogul.Contact.retrieve(config, uuid=made[0].uuid).get()
    assert got.first_name == "Contact 0" and got.customer_uuid == customer.uuid

    changed = chartmogul.Contact.modify(
        config, uuid=made[0].uuid, data={"title": "CTO", "custom": [{"key": "Seats", "value": 4}]}
    ).get()
    assert changed.title == "CTO" and changed.first_name == "Contact 0"
    assert changed.custom == {"Toggle": True, "Seats": 4}

    merged = chartmogul.Contact.merge(config, into_uuid=made[0].uuid, from_uuid=made[1].uuid, data={}).get()
    assert merged.uuid == made[0].uuid and merged.customer_uuid is None
    assert merged.title == "CTO" and merged.custom == {"Toggle": True, "Seats": 4}
    with pytest.raises(chartmogul.APIError) as gone:
        chartmogul.Contact.retrieve(config, uuid=made[1].uuid).get()
    assert b'"param":"contact_uuid"' in gone.value.args[0]

    chartmogul.Contact.destroy(config, uuid=made[2].uuid).get()
    assert [c.uuid for c in chartmogul.Contact.all(config).get().entries] == [made[0].uuid]


def test_customer_contacts(config: chartmogul.Config, ds: Any, customer: Any) -> None:
    made = chartmogul.Customer.createContact(
        config, uuid=customer.uuid, data={"data_source_uuid": ds.uuid, "first_name": "Ada", "position": 9}
    ).get()
    assert made.customer_uuid == customer.uuid and made.position == 9
    listed = chartmogul.Customer.contacts(config, uuid=customer.uuid, per_page=10).get()
    assert [c.uuid for c in listed.entries] == [made.uuid] and listed.has_more is False


def test_customer_notes(config: chartmogul.Config, customer: Any) -> None:
    call = chartmogul.CustomerNote.create(
        config, data={"customer_uuid": customer.uuid, "type": "call", "text": "This is a call"}
    ).get()
    assert call.call_duration == 60 and call.uuid.startswith("note_")
    assert isinstance(call.created_at, dt.datetime)
    note = chartmogul.Customer.createNote(
        config, uuid=customer.uuid, data={"type": "note", "text": "A note", "author_email": "sara@example.com"}
    ).get()
    assert note.call_duration == 0 and note.author == "sara (sara@example.com)"

    listed = chartmogul.CustomerNote.all(config, customer_uuid=customer.uuid).get()
    assert [n.uuid for n in listed.entries] == [note.uuid, call.uuid]
    assert [n.uuid for n in chartmogul.Customer.notes(config, uuid=customer.uuid).get().entries] == [
        note.uuid,
        call.uuid,
    ]
    assert [n.uuid for n in chartmogul.CustomerNote.all(config, type="call").get().entries] == [call.uuid]

    got = chartmogul.CustomerNote.retrieve(config, uuid=call.uuid).get()
    assert got.text == "This is a call"
    changed = chartmogul.CustomerNote.modify(config, uuid=call.uuid, data={"text": "Longer", "call_duration": 90}).get()
    assert (changed.text, changed.call_duration) == ("Longer", 90) and changed.updated_at >= changed.created_at
    patched = chartmogul.CustomerNote.patch(config, uuid=call.uuid, data={"text": "Patched"}).get()
    assert patched.text == "Patched"
    chartmogul.CustomerNote.destroy(config, uuid=call.uuid).get()
    assert [n.uuid for n in chartmogul.CustomerNote.all(config).get().entries] == [note.uuid]


def test_opportunities(config: chartmogul.Config, customer: Any) -> None:
    body = {
        "owner": "kamil@example.com",
        "pipeline": "New Business",
        "pipeline_stage": "Discovery",
        "estimated_close_date": "2024-03-30",
        "currency": "USD",
        "amount_in_cents": 100000,
        "type": "one-time",
        "forecast_category": "best_case",
        "win_likelihood": 30,
        "custom": [{"key": "from_campaign", "value": True}],
    }
    made = chartmogul.Opportunity.create(config, data={"customer_uuid": customer.uuid, **body}).get()
    assert made.estimated_close_date == dt.date(2024, 3, 30) and made.custom == {"from_campaign": True}
    other = chartmogul.Customer.createOpportunity(
        config, uuid=customer.uuid, data={**body, "estimated_close_date": "2024-05-01", "custom": []}
    ).get()
    assert other.customer_uuid == customer.uuid

    assert [o.uuid for o in chartmogul.Opportunity.all(config).get().entries] == [other.uuid, made.uuid]
    mine = chartmogul.Customer.opportunities(config, uuid=customer.uuid).get()
    assert [o.uuid for o in mine.entries] == [other.uuid, made.uuid]
    early = chartmogul.Opportunity.all(config, estimated_close_date_on_or_before="2024-04-01").get()
    assert [o.uuid for o in early.entries] == [made.uuid]

    assert chartmogul.Opportunity.retrieve(config, uuid=made.uuid).get().win_likelihood == 30
    moved = chartmogul.Opportunity.modify(config, uuid=made.uuid, data={"estimated_close_date": "2024-04-30"}).get()
    assert moved.estimated_close_date == dt.date(2024, 4, 30) and moved.amount_in_cents == 100000
    chartmogul.Opportunity.destroy(config, uuid=made.uuid).get()
    assert [o.uuid for o in chartmogul.Opportunity.all(config).get().entries] == [other.uuid]


def test_tasks(config: chartmogul.Config, customer: Any) -> None:
    made = chartmogul.Task.create(
        config,
        data={
            "customer_uuid": customer.uuid,
            "task_details": "This is some task details text.",
            "assignee": "keith@example.com",
            "due_date": "2025-04-30T00:00:00Z",
        },
    ).get()
    assert made.task_uuid and made.completed_at is None
    assert made.due_date == dt.datetime(2025, 4, 30, tzinfo=dt.UTC)
    done = chartmogul.Customer.createTask(
        config,
        uuid=customer.uuid,
        data={
            "task_details": "Done already",
            "assignee": "keith@example.com",
            "due_date": "2025-04-21",
            "completed_at": "2025-04-20",
        },
    ).get()

    assert [t.task_uuid for t in chartmogul.Task.all(config).get().entries] == [done.task_uuid, made.task_uuid]
    # The client sends Python booleans as `True`/`False` here.
    assert [t.task_uuid for t in chartmogul.Task.all(config, completed=True).get().entries] == [done.task_uuid]
    assert [t.task_uuid for t in chartmogul.Task.all(config, completed=False).get().entries] == [made.task_uuid]
    mine = chartmogul.Customer.tasks(config, uuid=customer.uuid, per_page=1).get()
    assert [t.task_uuid for t in mine.entries] == [done.task_uuid] and mine.has_more is True

    assert chartmogul.Task.retrieve(config, uuid=made.task_uuid).get().assignee == "keith@example.com"
    finished = chartmogul.Task.modify(config, uuid=made.task_uuid, data={"completed_at": "2025-05-01T10:00:00Z"}).get()
    assert finished.completed_at == dt.datetime(2025, 5, 1, 10, tzinfo=dt.UTC)
    chartmogul.Task.destroy(config, uuid=made.task_uuid).get()
    with pytest.raises(chartmogul.APIError) as gone:
        chartmogul.Task.retrieve(config, uuid=made.task_uuid).get()
    assert b'"param":"task_uuid"' in gone.value.args[0]


def test_deleting_the_customer_deletes_its_crm_objects(config: chartmogul.Config, ds: Any, customer: Any) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        chartmogul.Customer.createNote(config, uuid=customer.uuid, data={"type": "note", "text": "x"}).get()
    chartmogul.Customer.createContact(config, uuid=customer.uuid, data={"data_source_uuid": ds.uuid}).get()
    chartmogul.Customer.destroy(config, uuid=customer.uuid).get()
    assert chartmogul.Contact.all(config).get().entries == []
    assert chartmogul.CustomerNote.all(config).get().entries == []


def test_contact_tasks_and_entity_notes(config: chartmogul.Config, ds: Any, customer: Any) -> None:
    """The newer methods: `Contact.tasks/createTask/entityNotes/createEntityNote`, `EntityNote` (`/v1/notes`) and
    `Customer.entityNotes/createEntityNote`, which name a contact with `associated_object_identifier`."""
    contact = chartmogul.Contact.create(
        config, data={"customer_uuid": customer.uuid, "data_source_uuid": ds.uuid}
    ).get()
    task = chartmogul.Contact.createTask(
        config, uuid=contact.uuid, data={"task_details": "Call", "assignee": "k@example.com", "due_date": "2025-04-30"}
    ).get()
    assert (task.customer_uuid, task.associated_object, task.associated_object_uuid) == (
        customer.uuid,
        "contact",
        contact.uuid,
    )
    chartmogul.Customer.createTask(
        config,
        uuid=customer.uuid,
        data={"task_details": "Other", "assignee": "k@example.com", "due_date": "2025-05-01"},
    ).get()
    assert [t.task_uuid for t in chartmogul.Contact.tasks(config, uuid=contact.uuid).get().entries] == [task.task_uuid]
    assert len(chartmogul.Customer.tasks(config, uuid=customer.uuid).get().entries) == 2

    on_contact = chartmogul.Contact.createEntityNote(config, uuid=contact.uuid, data={"type": "call"}).get()
    assert (on_contact.associated_object, on_contact.associated_object_uuid) == ("contact", contact.uuid)
    assert on_contact.call_duration == 60 and on_contact.customer_uuid == customer.uuid
    on_customer = chartmogul.Customer.createEntityNote(
        config, uuid=customer.uuid, data={"type": "note", "text": "Hi"}
    ).get()
    assert (on_customer.associated_object, on_customer.associated_object_uuid) == ("customer", customer.uuid)
    listed = chartmogul.Contact.entityNotes(config, uuid=contact.uuid).get()
    assert [n.uuid for n in listed.entries] == [on_contact.uuid]
    mine = chartmogul.Customer.entityNotes(config, uuid=customer.uuid).get()
    assert [n.uuid for n in mine.entries] == [on_customer.uuid, on_contact.uuid]

    made = chartmogul.EntityNote.create(
        config, data={"customer_uuid": customer.uuid, "type": "note", "text": "A"}
    ).get()
    assert [n.uuid for n in chartmogul.EntityNote.all(config, type="note").get().entries] == [
        made.uuid,
        on_customer.uuid,
    ]
    assert chartmogul.EntityNote.retrieve(config, uuid=made.uuid).get().text == "A"
    assert chartmogul.EntityNote.modify(config, uuid=made.uuid, data={"text": "B"}).get().text == "B"
    assert chartmogul.EntityNote.patch(config, uuid=made.uuid, data={"text": "C"}).get().text == "C"
    chartmogul.EntityNote.destroy(config, uuid=made.uuid).get()
    # The same notes through the older path; a contact's note and task go with the contact.
    assert {n.uuid for n in chartmogul.CustomerNote.all(config).get().entries} == {on_customer.uuid, on_contact.uuid}
    chartmogul.Contact.destroy(config, uuid=contact.uuid).get()
    assert [n.uuid for n in chartmogul.EntityNote.all(config).get().entries] == [on_customer.uuid]
    assert [t.task_details for t in chartmogul.Task.all(config).get().entries] == ["Other"]
