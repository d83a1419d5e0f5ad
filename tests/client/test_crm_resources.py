"""mogul's client on the CRM families, against the real server: typed objects (the declarations), lazy cursor
listings, partial updates, contact merges and customer-scoped contacts, errors as exceptions."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from mogul.client import Client, Contact, CustomerNote, Note, NotFoundError, Opportunity, Task, ValidationError


@pytest.fixture
def ids(client: Client) -> tuple[str, str]:
    ds = client.data_sources.create("Billing").uuid
    return ds, client.customers.create(ds, "cus_001", name="Adam").uuid


def test_contacts(client: Client, ids: tuple[str, str]) -> None:
    ds, cus = ids
    made = [client.contacts.create(cus, ds, first_name=f"C{n}", custom={"Seats": n}) for n in range(3)]
    assert all(isinstance(c, Contact) for c in made) and made[2].custom == {"Seats": 2}
    listing = client.contacts.list(customer_uuid=cus, per_page=1)
    assert [c.uuid for c in listing] == [c.uuid for c in reversed(made)]  # three pages, newest first
    first = listing.page()
    assert first.has_more and first.cursor and len(first.items) == 1
    assert [c.uuid for c in client.contacts.of_customer(cus)] == [c.uuid for c in reversed(made)]
    nested = client.contacts.create_for_customer(cus, ds, email="x@example.com")
    assert nested.customer_uuid == cus and nested.position == 4

    changed = client.contacts.update(made[0].uuid, title="CTO", custom=[{"key": "Plan", "value": "Gold"}])
    assert changed.title == "CTO" and changed.first_name == "C0" and changed.custom == {"Seats": 0, "Plan": "Gold"}
    merged = client.contacts.merge(made[0].uuid, nested.uuid)
    assert merged.customer_uuid is None and merged.email == "x@example.com"
    client.contacts.delete(made[1].uuid)
    with pytest.raises(NotFoundError):
        client.contacts.retrieve(made[1].uuid)
    with pytest.raises(ValidationError):
        client.contacts.create("cus_nope", ds)


def test_notes(client: Client, ids: tuple[str, str]) -> None:
    _, cus = ids
    call = client.customer_notes.create(cus, "call", text="Called")
    assert isinstance(call, CustomerNote) and call.call_duration == 60 and isinstance(call.created_at, datetime)
    note = client.customer_notes.create(cus, "note", text="Wrote", created_at="2023-12-15T12:25:56.950Z")
    assert note.created_at == datetime(2023, 12, 15, 12, 25, 56, 950000, tzinfo=UTC)
    assert [n.uuid for n in client.customer_notes.list(type="call")] == [call.uuid]
    assert client.customer_notes.update(note.uuid, text="Rewritten").text == "Rewritten"
    client.customer_notes.delete(call.uuid)
    assert [n.uuid for n in client.customer_notes.list(customer_uuid=cus)] == [note.uuid]


def test_opportunities(client: Client, ids: tuple[str, str]) -> None:
    _, cus = ids
    fields = {"owner": "o@example.com", "pipeline": "New Business", "pipeline_stage": "Discovery"}
    early = client.opportunities.create(
        cus, **fields, estimated_close_date=date(2024, 3, 30), amount_in_cents=100, currency="USD"
    )
    late = client.opportunities.create(
        cus, **fields, estimated_close_date="2024-09-01", amount_in_cents=200, currency="USD", custom={"a": True}
    )
    assert isinstance(early, Opportunity) and early.estimated_close_date == date(2024, 3, 30)
    assert late.custom == {"a": True}
    found = client.opportunities.list(estimated_close_date_on_or_after=date(2024, 4, 1))
    assert [o.uuid for o in found] == [late.uuid]
    assert client.opportunities.update(early.uuid, win_likelihood=80).win_likelihood == 80
    client.opportunities.delete(late.uuid)
    assert [o.uuid for o in client.opportunities.list()] == [early.uuid]


def test_tasks(client: Client, ids: tuple[str, str]) -> None:
    _, cus = ids
    open_ = client.tasks.create(cus, task_details="Call", assignee="k@example.com", due_date=date(2025, 4, 30))
    done = client.tasks.create(
        cus,
        task_details="Done",
        assignee="k@example.com",
        due_date=datetime(2025, 5, 1, 9, tzinfo=UTC),
        completed_at="2025-04-01",
    )
    assert isinstance(open_, Task) and open_.due_date == datetime(2025, 4, 30, tzinfo=UTC)
    assert [t.task_uuid for t in client.tasks.list(completed=True)] == [done.task_uuid]
    assert [t.task_uuid for t in client.tasks.list(completed=False)] == [open_.task_uuid]
    assert [t.task_uuid for t in client.tasks.list(due_date_on_or_before=date(2025, 4, 30))] == [open_.task_uuid]
    finished = client.tasks.update(open_.task_uuid, completed_at=datetime(2025, 5, 2, tzinfo=UTC))
    assert finished.completed_at == datetime(2025, 5, 2, tzinfo=UTC)
    client.tasks.delete(done.task_uuid)
    with pytest.raises(NotFoundError) as err:
        client.tasks.retrieve(done.task_uuid)
    assert err.value.body["param"] == "task_uuid"


def test_notes_and_tasks_of_a_contact(client: Client, ids: tuple[str, str]) -> None:
    ds, cus = ids
    contact = client.contacts.create(cus, ds, first_name="Ada")
    note = client.notes.create("call", contact_uuid=contact.uuid, text="Called")
    assert isinstance(note, Note) and (note.associated_object, note.associated_object_uuid) == ("contact", contact.uuid)
    other = client.notes.create("note", customer_uuid=cus)
    assert other.associated_object == "customer" and other.customer_uuid == cus
    assert [n.uuid for n in client.notes.list(contact_uuid=contact.uuid)] == [note.uuid]
    assert [n.uuid for n in client.customer_notes.list(customer_uuid=cus)] == [other.uuid, note.uuid]
    task = client.tasks.create(
        contact_uuid=contact.uuid, task_details="Follow up", assignee="k@x.io", due_date="2025-01-01"
    )
    assert task.associated_object_uuid == contact.uuid and task.customer_uuid == cus
    assert [t.task_uuid for t in client.tasks.list(contact_uuid=contact.uuid)] == [task.task_uuid]
    with pytest.raises(ValueError, match="customer_uuid or contact_uuid"):
        client.notes.create("note")
