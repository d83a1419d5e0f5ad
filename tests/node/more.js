// ChartMogul's official Node client (chartmogul-node 3.12.3), unchanged, against `mogul serve`: every method it has
// for plan groups, subscription events, the account, JSON imports, and invoice editing (invoices, line items,
// transactions). Run by tests/server/test_official_node_client.py, which seeds the data source, customer, plans and
// invoices; prints one JSON line naming the methods that worked.
'use strict';

const assert = require('node:assert/strict');
const ChartMogul = require('chartmogul-node');
// Not exported by the package; PlanGroup.all(config, uuid) dispatches to it.
const PlanGroupPlans = require('chartmogul-node/lib/chartmogul/plan-group-plans');

const { MOGUL_BASE_URL, MOGUL_API_KEY, MOGUL_DATA_SOURCE, MOGUL_CUSTOMER, MOGUL_SEED } = process.env;
const seed = JSON.parse(MOGUL_SEED);
const config = new ChartMogul.Config(MOGUL_API_KEY, MOGUL_BASE_URL);
config.retries = 0;
const worked = [];
const ds = MOGUL_DATA_SOURCE;

async function call (name, promise) {
  const result = await promise;
  worked.push(name);
  return result;
}

// 3.12.3 rejects a 4xx with superagent's own error (`status`, `response.body`), not its own errors.
const status = err => err.status || err.httpStatus;
const gone = promise => assert.rejects(promise, err => status(err) === 404);

// mogul's data sources are API sources, on which ChartMogul refuses to disable a record (422).
async function refused (name, promise) {
  await assert.rejects(promise, err => status(err) === 422 && /automatic data sources/.test(err.response.body.error));
  worked.push(name);
}

async function planGroups () {
  const { PlanGroup } = ChartMogul;
  const [gold, silver] = seed.plans;
  const group = await call('PlanGroup.create', PlanGroup.create(config, { name: 'Group', plans: [gold, silver] }));
  assert.equal(group.plans_count, 2);
  const other = await PlanGroup.create(config, { name: 'Other', plans: [gold] });
  const page = await call('PlanGroup.allAny', PlanGroup.allAny(config, { per_page: 1 }));
  assert.deepEqual(page.plan_groups.map(g => g.uuid), [other.uuid]);
  assert.equal(page.has_more, true);
  const all = await call('PlanGroup.all', PlanGroup.all(config, {}));
  assert.deepEqual(all.plan_groups.map(g => g.uuid), [other.uuid, group.uuid]);
  assert.equal((await call('PlanGroup.retrieve', PlanGroup.retrieve(config, group.uuid))).name, 'Group');
  const plans = await PlanGroup.all(config, group.uuid); // dispatches to PlanGroupPlans.all
  assert.deepEqual(plans.plans.map(p => p.uuid), [silver, gold]);
  const first = await call('PlanGroupPlans.all', PlanGroupPlans.all(config, group.uuid, { per_page: 1 }));
  assert.deepEqual(first.plans.map(p => p.uuid), [silver]);
  assert.equal(first.has_more, true);
  const renamed = await call('PlanGroup.modify', PlanGroup.modify(config, group.uuid, { name: 'Renamed' }));
  assert.equal(renamed.name, 'Renamed');
  const fewer = await call('PlanGroup.patch', PlanGroup.patch(config, group.uuid, { plans: [gold] }));
  assert.equal(fewer.plans_count, 1);
  assert.deepEqual(await call('PlanGroup.destroy', PlanGroup.destroy(config, group.uuid)), {});
  await gone(PlanGroup.retrieve(config, group.uuid));
}

async function subscriptionEvents () {
  const { SubscriptionEvent } = ChartMogul;
  const fields = {
    data_source_uuid: ds,
    customer_external_id: 'node',
    event_type: 'subscription_start_scheduled',
    event_date: '2022-02-16',
    effective_date: '2022-02-28',
    subscription_external_id: 'node_sub',
    plan_external_id: 'gold',
    currency: 'USD',
    amount_in_cents: 1000,
    quantity: 1
  };
  const first = await call('SubscriptionEvent.create', SubscriptionEvent.create(config, { ...fields, external_id: 'ev_1' }));
  assert.equal(typeof first.id, 'number');
  const second = await SubscriptionEvent.create(config, {
    subscription_event: { ...fields, external_id: 'ev_2', event_type: 'subscription_cancelled' }
  });
  const listed = await call('SubscriptionEvent.all', SubscriptionEvent.all(config, { per_page: 1 }));
  assert.deepEqual(listed.subscription_events.map(e => e.id), [second.id]);
  assert.equal(listed.has_more, true);
  const changed = await call('SubscriptionEvent.updateWithParams', SubscriptionEvent.updateWithParams(config, {
    id: first.id, quantity: 2
  }));
  assert.equal(changed.quantity, 2);
  const byKey = await SubscriptionEvent.updateWithParams(config, { data_source_uuid: ds, external_id: 'ev_1', currency: 'EUR' });
  assert.deepEqual([byKey.id, byKey.currency], [first.id, 'EUR']);
  // The inherited methods send the body as given, so with ChartMogul's envelope (a flat body is a 400, as there).
  const wrapped = await call('SubscriptionEvent.modify', SubscriptionEvent.modify(config, {
    subscription_event: { id: first.id, quantity: 3 }
  }));
  assert.equal(wrapped.quantity, 3);
  await assert.rejects(SubscriptionEvent.patch(config, { id: first.id, quantity: 4 }), err => status(err) === 400);
  const patched = await call('SubscriptionEvent.patch', SubscriptionEvent.patch(config, {
    subscription_event: { data_source_uuid: ds, external_id: 'ev_1', quantity: 4 }
  }));
  assert.equal(patched.quantity, 4);
  await refused('SubscriptionEvent.disable', SubscriptionEvent.disable(config, first.id));
  await refused('SubscriptionEvent.enable', SubscriptionEvent.enable(config, first.id));
  await call('SubscriptionEvent.deleteWithParams', SubscriptionEvent.deleteWithParams(config, { id: first.id }));
  await call('SubscriptionEvent.destroy', SubscriptionEvent.destroy(config, {
    subscription_event: { data_source_uuid: ds, external_id: 'ev_2' }
  }));
  assert.deepEqual((await SubscriptionEvent.all(config, {})).subscription_events, []);
}

async function account () {
  const { Account } = ChartMogul;
  const plain = await call('Account.retrieve', Account.retrieve(config));
  assert.match(plain.id, /^acc_/);
  assert.equal('churn_recognition' in plain, false);
  const one = await Account.retrieve(config, { include: 'churn_recognition,refund_handling' });
  assert.equal(typeof one.churn_recognition, 'string');
  assert.equal(typeof one.refund_handling, 'string');
}

async function jsonImports () {
  const { JsonImport } = ChartMogul;
  const job = await call('JsonImport.create', JsonImport.create(config, ds, {
    external_id: 'node_import', customers: [{ external_id: 'node_c1', name: 'One' }]
  }));
  assert.equal(job.data_source_uuid, ds.replace(/^ds_/, '')); // as ChartMogul answers: no `ds_`
  let got = await call('JsonImport.retrieve', JsonImport.retrieve(config, ds, job.id));
  const deadline = Date.now() + 30000;
  while (!['completed', 'failed'].includes(got.status) && Date.now() < deadline) {
    await new Promise(resolve => setTimeout(resolve, 50));
    got = await JsonImport.retrieve(config, ds, job.id);
  }
  assert.equal(got.status, 'completed');
  assert.equal(got.id, job.id);
}

async function invoices () {
  const { Invoice } = ChartMogul;
  const [a, b] = seed.invoices;
  const byA = { data_source_uuid: ds, external_id: a.external_id };
  assert.equal((await call('Invoice.retrieve', Invoice.retrieve(config, a.uuid))).uuid, a.uuid);
  const any = await call('Invoice.all', Invoice.all(config, { data_source_uuid: ds }));
  assert.equal(any.invoices.length, 3);
  const mine = await call('Invoice.allCustomer', Invoice.allCustomer(config, MOGUL_CUSTOMER, {}));
  assert.equal(mine.invoices.length, 3);
  const changed = await call('Invoice.modify', Invoice.modify(config, a.uuid, { collection_method: 'manual' }));
  assert.equal(changed.collection_method, 'manual');
  const back = await call('Invoice.update', Invoice.update(config, { qs: byA, currency: 'EUR' }));
  assert.equal(back.currency, 'EUR');
  const voided = await call('Invoice.updateStatus', Invoice.updateStatus(config, ds, a.external_id, { status: 'voided' }));
  assert.deepEqual(voided, { message: 'Invoice updated' });
  assert.equal((await Invoice.retrieve(config, a.uuid)).status, 'voided');
  assert.equal((await call('Invoice.enable', Invoice.enable(config, a.uuid))).uuid, a.uuid);
  await refused('Invoice.disable', Invoice.disable(config, a.uuid));
  assert.equal((await call('Invoice.enableByExternalId', Invoice.enableByExternalId(config, byA))).uuid, a.uuid);
  await refused('Invoice.disableByExternalId', Invoice.disableByExternalId(config, byA));
  await call('Invoice.destroyByExternalId', Invoice.destroyByExternalId(config, { qs: byA }));
  await gone(Invoice.retrieve(config, a.uuid));
  await call('Invoice.destroy', Invoice.destroy(config, b.uuid));
  await gone(Invoice.retrieve(config, b.uuid));
}

async function lineItems () {
  const { LineItem } = ChartMogul;
  const c = seed.invoices[2];
  const added = await call('LineItem.create', LineItem.create(config, c.uuid, {
    type: 'one_time', amount_in_cents: 700, external_id: 'node_added', description: 'Extra'
  }));
  assert.equal(added.user_created, true);
  const byKey = { data_source_uuid: ds, external_id: 'node_added' };
  assert.equal((await call('LineItem.retrieve', LineItem.retrieve(config, added.uuid))).uuid, added.uuid);
  assert.equal((await call('LineItem.all', LineItem.all(config, byKey))).uuid, added.uuid);
  const changed = await call('LineItem.modify', LineItem.modify(config, added.uuid, { amount_in_cents: 900 }));
  assert.equal(changed.amount_in_cents, 900);
  assert.equal((await call('LineItem.patch', LineItem.patch(config, added.uuid, { quantity: 2 }))).quantity, 2);
  const again = await call('LineItem.update', LineItem.update(config, { qs: byKey, quantity: 3 }));
  assert.equal(again.quantity, 3);
  assert.equal((await call('LineItem.enable', LineItem.enable(config, added.uuid))).uuid, added.uuid);
  assert.equal((await LineItem.enable(config, byKey)).uuid, added.uuid);
  await refused('LineItem.disable', LineItem.disable(config, added.uuid));
  await refused('LineItem.disable', LineItem.disable(config, byKey));
  assert.equal((await call('LineItem.enableByExternalId', LineItem.enableByExternalId(config, byKey))).uuid, added.uuid);
  await refused('LineItem.disableByExternalId', LineItem.disableByExternalId(config, byKey));
  assert.deepEqual(await call('LineItem.destroyByExternalId', LineItem.destroyByExternalId(config, { qs: byKey })), {});
  await gone(LineItem.retrieve(config, added.uuid));
  const other = c.line_items[1].uuid;
  assert.deepEqual(await call('LineItem.destroy', LineItem.destroy(config, other)), {});
  await gone(LineItem.retrieve(config, other));
}

async function transactions () {
  const { Transaction } = ChartMogul;
  const c = seed.invoices[2];
  const added = await call('Transaction.create', Transaction.create(config, c.uuid, {
    type: 'refund', date: '2016-01-05', result: 'successful', external_id: 'node_tx', amount_in_cents: 100
  }));
  const byKey = { data_source_uuid: ds, external_id: 'node_tx' };
  assert.equal((await call('Transaction.retrieve', Transaction.retrieve(config, added.uuid))).type, 'refund');
  assert.equal((await call('Transaction.all', Transaction.all(config, byKey))).uuid, added.uuid);
  const failed = await call('Transaction.modify', Transaction.modify(config, added.uuid, { result: 'failed' }));
  assert.equal(failed.result, 'failed');
  const dated = await call('Transaction.update', Transaction.update(config, { qs: byKey, date: '2016-01-03' }));
  assert.equal(dated.date, '2016-01-03T00:00:00.000Z');
  assert.equal((await call('Transaction.enable', Transaction.enable(config, added.uuid))).uuid, added.uuid);
  assert.equal((await Transaction.enable(config, byKey)).uuid, added.uuid);
  await refused('Transaction.disable', Transaction.disable(config, added.uuid));
  await refused('Transaction.disable', Transaction.disable(config, byKey));
  const on = await call('Transaction.enableByExternalId', Transaction.enableByExternalId(config, byKey));
  assert.equal(on.uuid, added.uuid);
  await refused('Transaction.disableByExternalId', Transaction.disableByExternalId(config, byKey));
  assert.deepEqual(await call('Transaction.destroyByExternalId', Transaction.destroyByExternalId(config, { qs: byKey })), {});
  await gone(Transaction.retrieve(config, added.uuid));
  const seeded = c.transactions[0].uuid;
  assert.deepEqual(await call('Transaction.destroy', Transaction.destroy(config, seeded)), {});
  await gone(Transaction.retrieve(config, seeded));
}

async function destroyAll () {
  const { Invoice } = ChartMogul;
  const made = await call('Invoice.create', Invoice.create(config, MOGUL_CUSTOMER, {
    invoices: [{
      external_id: 'node_inv',
      date: '2016-02-01',
      currency: 'USD',
      line_items: [{ type: 'one_time', amount_in_cents: 500, description: 'Setup' }],
      transactions: []
    }]
  }));
  assert.equal(made.invoices[0].external_id, 'node_inv');
  assert.equal((await Invoice.allCustomer(config, MOGUL_CUSTOMER, {})).invoices.length, 2);
  await call('Invoice.destroyAll', Invoice.destroyAll(config, ds, MOGUL_CUSTOMER));
  assert.deepEqual((await Invoice.allCustomer(config, MOGUL_CUSTOMER, {})).invoices, []);
}

(async () => {
  await planGroups();
  await subscriptionEvents();
  await account();
  await jsonImports();
  await invoices();
  await lineItems();
  await transactions();
  await destroyAll();
  console.log(JSON.stringify({ worked: [...new Set(worked)] }));
})().catch(err => {
  console.error(err && err.stack ? err.stack : err, err && err.response ? JSON.stringify(err.response) : '');
  process.exit(1);
});
