// One customer: its record, its subscriptions as the metrics engine sees them, its MRR movements, and its CRM
// objects (contacts, notes and calls, tasks, opportunities) from the /v1 CRM lists.
import { getAll, get } from "./api.js";
import { ACTIVITY_COLUMNS } from "./activities.js";
import { h, table } from "./dom.js";
import { day, money } from "./format.js";

const MAX_PAGES = 20;

const SUBSCRIPTION_COLUMNS = [
  ["Plan", (s) => s.plan],
  ["Quantity", (s) => s.quantity, { num: true }],
  ["MRR", (s) => money(s.mrr, s.currency, 2), { num: true }],
  ["Billing cycle", (s) => (s["billing-cycle"] ? `${s["billing-cycle-count"]} ${s["billing-cycle"]}` : "")],
  ["Status", (s) => s.status],
  ["Start", (s) => day(s["start-date"])],
  ["End", (s) => day(s["end-date"])],
];

const CONTACT_COLUMNS = [
  ["Name", (c) => [c.first_name, c.last_name].filter(Boolean).join(" ") || "—"],
  ["Title", (c) => c.title ?? ""],
  ["Email", (c) => c.email ?? ""],
  ["Phone", (c) => c.phone ?? ""],
  ["Position", (c) => c.position, { num: true }],
];

const NOTE_COLUMNS = [
  ["Date", (n) => day(n.created_at)],
  ["Type", (n) => (n.type === "call" ? `Call (${minutes(n.call_duration)})` : "Note")],
  ["Author", (n) => n.author],
  ["Text", (n) => n.text],
];

const TASK_COLUMNS = [
  ["Due", (t) => day(t.due_date)],
  ["Task", (t) => t.task_details],
  ["Assignee", (t) => t.assignee],
  ["Done", (t) => (t.completed_at ? day(t.completed_at) : "Open")],
];

const OPPORTUNITY_COLUMNS = [
  ["Pipeline", (o) => `${o.pipeline} · ${o.pipeline_stage}`],
  ["Amount", (o) => money(o.amount_in_cents, o.currency), { num: true }],
  ["Type", (o) => o.type],
  ["Forecast", (o) => o.forecast_category.replace("_", " ")],
  ["Win likelihood", (o) => `${o.win_likelihood}%`, { num: true }],
  ["Closes", (o) => o.estimated_close_date],
  ["Owner", (o) => o.owner],
];

function minutes(seconds) {
  return seconds < 60 ? `${seconds} s` : `${Math.round(seconds / 60)} min`;
}

export async function customer(page, uuid) {
  const path = `/customers/${encodeURIComponent(uuid)}`;
  const mine = { customer_uuid: uuid };
  const [record, subscriptions, movements, contacts, notes, tasks, opportunities] = await Promise.all([
    get(path),
    getAll(`${path}/subscriptions`, {}, MAX_PAGES),
    getAll(`${path}/activities`, {}, MAX_PAGES),
    getAll(`${path}/contacts`, {}, MAX_PAGES),
    getAll("/customer_notes", mine, MAX_PAGES),
    getAll("/tasks", mine, MAX_PAGES),
    getAll("/opportunities", mine, MAX_PAGES),
  ]);
  page.dataset.customer = record.uuid;
  page.append(
    h("p", {}, h("a", { href: "#/customers" }, "← Customers")),
    h("h1", { id: "customer-name" }, record.name || record.external_id),
    h("section", { class: "card" }, facts(record)),
    h("section", { class: "card" }, h("h2", {}, "Subscriptions"), list(SUBSCRIPTION_COLUMNS, subscriptions, "subscriptions")),
    h("section", { class: "card" }, h("h2", {}, "Activities"), list(ACTIVITY_COLUMNS, movements, "customer-activities")),
    h("section", { class: "card crm" }, h("h2", {}, "Contacts"), list(CONTACT_COLUMNS, contacts, "contacts")),
    h("section", { class: "card crm" }, h("h2", {}, "Notes and calls"), list(NOTE_COLUMNS, notes, "notes")),
    h("section", { class: "card crm" }, h("h2", {}, "Tasks"), list(TASK_COLUMNS, tasks, "tasks")),
    h("section", { class: "card crm" }, h("h2", {}, "Opportunities"), list(OPPORTUNITY_COLUMNS, opportunities, "opportunities")),
  );
}

function facts(c) {
  const items = [
    ["Email", c.email], ["Status", c.status], ["MRR", money(c.mrr)], ["ARR", money(c.arr)],
    ["Customer since", day(c["customer-since"])], ["Country", c.country ?? ""], ["Company", c.company],
    ["External id", c.external_id], ["Data source", c.data_source_uuid], ["uuid", c.uuid],
  ];
  return h("dl", { class: "facts" }, items.map(([k, v]) => h("div", { "data-field": k }, h("dt", {}, k), h("dd", {}, v || "—"))));
}

function list(columns, result, id) {
  if (!result.entries.length) return h("p", { class: "empty" }, "None.");
  const rows = result.entries.map((e) => ({ ...e, _attrs: { "data-uuid": e.uuid ?? e.task_uuid ?? e.id } }));
  const note = result.complete ? null : h("p", { class: "caption" }, `The first ${rows.length} only.`);
  return [table(columns, rows, { id: `${id}-table` }), note];
}
