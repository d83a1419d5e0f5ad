// One customer: its record, its subscriptions as the metrics engine sees them, and its MRR movements.
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

export async function customer(page, uuid) {
  const path = `/customers/${encodeURIComponent(uuid)}`;
  const [record, subscriptions, movements] = await Promise.all([
    get(path),
    getAll(`${path}/subscriptions`, {}, MAX_PAGES),
    getAll(`${path}/activities`, {}, MAX_PAGES),
  ]);
  page.dataset.customer = record.uuid;
  page.append(
    h("p", {}, h("a", { href: "#/customers" }, "← Customers")),
    h("h1", { id: "customer-name" }, record.name || record.external_id),
    h("section", { class: "card" }, facts(record)),
    h("section", { class: "card" }, h("h2", {}, "Subscriptions"), list(SUBSCRIPTION_COLUMNS, subscriptions, "subscriptions")),
    h("section", { class: "card" }, h("h2", {}, "Activities"), list(ACTIVITY_COLUMNS, movements, "customer-activities")),
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
  const rows = result.entries.map((e) => ({ ...e, _attrs: { "data-uuid": e.uuid ?? e.id } }));
  const note = result.complete ? null : h("p", { class: "caption" }, `The first ${rows.length} only.`);
  return [table(columns, rows, { id: `${id}-table` }), note];
}
