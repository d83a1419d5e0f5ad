// ChartMogul's official Node client (chartmogul-node 3.12.3), unchanged, against `mogul serve`: every method it has
// for contacts, customer notes, opportunities and tasks, create -> list -> retrieve -> update -> delete.
// Run by tests/server/test_official_node_client.py; prints one JSON line naming the methods that worked.
'use strict';

const assert = require('node:assert/strict');
const ChartMogul = require('chartmogul-node');

const { MOGUL_BASE_URL, MOGUL_API_KEY, MOGUL_DATA_SOURCE, MOGUL_CUSTOMER } = process.env;
const config = new ChartMogul.Config(MOGUL_API_KEY, MOGUL_BASE_URL);
config.retries = 0;
const worked = [];

async function call (name, promise) {
  const result = await promise;
  worked.push(name);
  return result;
}

async function contacts () {
  const { Contact, Customer } = ChartMogul;
  const a = await call('Contact.create', Contact.create(config, {
    customer_uuid: MOGUL_CUSTOMER,
    data_source_uuid: MOGUL_DATA_SOURCE,
    first_name: 'Ada',
    notes: 'Hello',
    custom: [{ key: 'Toggle', value: true }]
  }));
  assert.deepEqual(a.custom, { Toggle: true });
  const b = await call('Customer.createContact', Customer.createContact(config, MOGUL_CUSTOMER, {
    data_source_uuid: MOGUL_DATA_SOURCE, title: 'CTO', notes: 'World'
  }));
  assert.equal(b.customer_uuid, MOGUL_CUSTOMER);
  const page = await call('Contact.all', Contact.all(config, { customer_uuid: MOGUL_CUSTOMER, per_page: 1 }));
  assert.deepEqual(page.entries.map(c => c.uuid), [b.uuid]);
  assert.equal(page.has_more, true);
  const rest = await Contact.all(config, { customer_uuid: MOGUL_CUSTOMER, per_page: 1, cursor: page.cursor });
  assert.deepEqual(rest.entries.map(c => c.uuid), [a.uuid]);
  assert.equal(rest.has_more, false);
  const mine = await call('Customer.contacts', Customer.contacts(config, MOGUL_CUSTOMER, { per_page: 10 }));
  assert.equal(mine.entries.length, 2);
  assert.equal((await call('Contact.retrieve', Contact.retrieve(config, a.uuid))).first_name, 'Ada');
  assert.equal((await call('Contact.modify', Contact.modify(config, a.uuid, { last_name: 'L' }))).last_name, 'L');
  assert.equal((await call('Contact.patch', Contact.patch(config, a.uuid, { phone: '+1' }))).phone, '+1');
  const merged = await call('Contact.merge', Contact.merge(config, a.uuid, b.uuid));
  assert.equal(merged.customer_uuid, null);
  assert.equal(merged.notes, 'Hello World');
  assert.equal(merged.title, 'CTO');
  assert.deepEqual(await call('Contact.destroy', Contact.destroy(config, a.uuid)), {});
  // 3.12.3 rejects a 4xx with superagent's own error (`status`), not its NotFoundError.
  await assert.rejects(Contact.retrieve(config, a.uuid), err => (err.status || err.httpStatus) === 404);
}

async function notes () {
  const { CustomerNote, Customer } = ChartMogul;
  const call1 = await call('CustomerNote.create', CustomerNote.create(config, {
    customer_uuid: MOGUL_CUSTOMER, type: 'call', text: 'A call'
  }));
  assert.equal(call1.call_duration, 60);
  const note = await call('Customer.createNote', Customer.createNote(config, MOGUL_CUSTOMER, { type: 'note', text: 'A note' }));
  assert.equal(note.call_duration, 0);
  const listed = await call('CustomerNote.all', CustomerNote.all(config, { customer_uuid: MOGUL_CUSTOMER }));
  assert.deepEqual(listed.entries.map(n => n.uuid), [note.uuid, call1.uuid]);
  const mine = await call('Customer.notes', Customer.notes(config, MOGUL_CUSTOMER, { type: 'call' }));
  assert.deepEqual(mine.entries.map(n => n.uuid), [call1.uuid]);
  assert.equal((await call('CustomerNote.retrieve', CustomerNote.retrieve(config, note.uuid))).text, 'A note');
  assert.equal((await call('CustomerNote.modify', CustomerNote.modify(config, note.uuid, { text: 'B' }))).text, 'B');
  assert.equal((await call('CustomerNote.patch', CustomerNote.patch(config, note.uuid, { text: 'C' }))).text, 'C');
  assert.deepEqual(await call('CustomerNote.destroy', CustomerNote.destroy(config, note.uuid)), {});
}

async function opportunities () {
  const { Opportunity, Customer } = ChartMogul;
  const body = {
    owner: 'owner@example.com',
    pipeline: 'New Business',
    pipeline_stage: 'Discovery',
    estimated_close_date: '2024-03-30',
    currency: 'USD',
    amount_in_cents: 100000,
    custom: [{ key: 'from_campaign', value: true }]
  };
  const a = await call('Opportunity.create', Opportunity.create(config, { customer_uuid: MOGUL_CUSTOMER, ...body }));
  assert.deepEqual(a.custom, { from_campaign: true });
  const b = await call('Customer.createOpportunity', Customer.createOpportunity(config, MOGUL_CUSTOMER, body));
  const listed = await call('Opportunity.all', Opportunity.all(config, { pipeline: 'New Business' }));
  assert.deepEqual(listed.entries.map(o => o.uuid), [b.uuid, a.uuid]);
  const mine = await call('Customer.opportunities', Customer.opportunities(config, MOGUL_CUSTOMER, {}));
  assert.equal(mine.entries.length, 2);
  assert.equal((await call('Opportunity.retrieve', Opportunity.retrieve(config, a.uuid))).estimated_close_date, '2024-03-30');
  const moved = await call('Opportunity.modify', Opportunity.modify(config, a.uuid, { estimated_close_date: '2024-04-30' }));
  assert.equal(moved.estimated_close_date, '2024-04-30');
  assert.equal((await call('Opportunity.patch', Opportunity.patch(config, a.uuid, { win_likelihood: 80 }))).win_likelihood, 80);
  assert.deepEqual(await call('Opportunity.destroy', Opportunity.destroy(config, a.uuid)), {});
}

async function tasks () {
  const { Task, Customer } = ChartMogul;
  const a = await call('Task.create', Task.create(config, {
    customer_uuid: MOGUL_CUSTOMER, task_details: 'Call back', assignee: 'k@example.com', due_date: '2025-04-30'
  }));
  assert.equal(a.due_date, '2025-04-30T00:00:00.000Z');
  const b = await call('Customer.createTask', Customer.createTask(config, MOGUL_CUSTOMER, {
    task_details: 'Done', assignee: 'k@example.com', due_date: '2025-04-21', completed_at: '2025-04-20'
  }));
  const open = await call('Task.all', Task.all(config, { completed: false }));
  assert.deepEqual(open.entries.map(t => t.task_uuid), [a.task_uuid]);
  const mine = await call('Customer.tasks', Customer.tasks(config, MOGUL_CUSTOMER, { completed: true }));
  assert.deepEqual(mine.entries.map(t => t.task_uuid), [b.task_uuid]);
  assert.equal((await call('Task.retrieve', Task.retrieve(config, a.task_uuid))).task_details, 'Call back');
  const done = await call('Task.modify', Task.modify(config, a.task_uuid, { completed_at: '2025-05-01T00:00:00Z' }));
  assert.equal(done.completed_at, '2025-05-01T00:00:00.000Z');
  assert.equal((await call('Task.patch', Task.patch(config, a.task_uuid, { task_details: 'X' }))).task_details, 'X');
  assert.deepEqual(await call('Task.destroy', Task.destroy(config, a.task_uuid)), {});
}

(async () => {
  await contacts();
  await notes();
  await opportunities();
  await tasks();
  console.log(JSON.stringify({ worked }));
})().catch(err => {
  console.error(err && err.stack ? err.stack : err, err && err.response ? JSON.stringify(err.response) : '');
  process.exit(1);
});
