// Customers: /v1/customers by status, a page at a time; a full email goes to /v1/customers/search, anything
// else filters names and emails over the pages (the list API has no name filter).
import { ApiError, get, getAll } from "./api.js";
import { field, h, select, table } from "./dom.js";
import { count, day, money } from "./format.js";

const STATUSES = ["Active", "Past Due", "Cancelled", "New Lead", "Working Lead", "Qualified Lead", "Unqualified Lead"];
const PER_PAGE = 50;
const MAX_PAGES = 50; // of 200: a name search reads at most 10,000 customers
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
const state = { q: "", status: "" };
let shown = null; // the pager on screen: a page turned for an earlier filter must not replace a later one

const COLUMNS = [
  ["Name", (c) => h("a", { href: `#/customers/${encodeURIComponent(c.uuid)}` }, c.name || c.external_id)],
  ["Email", (c) => c.email],
  ["Status", (c) => c.status],
  ["Country", (c) => c.country ?? ""],
  ["MRR", (c) => money(c.mrr), { num: true }],
  ["Customer since", (c) => day(c["customer-since"])],
];

export async function customers(page) {
  const q = h("input", { type: "search", name: "q", value: state.q, placeholder: "Name or email", size: 30 });
  const status = select("status", [["", "Any status"], ...STATUSES.map((s) => [s, s])], state.status);
  const results = h("div", { id: "customers-results" });
  const onChange = () => {
    Object.assign(state, { q: q.value.trim(), status: status.value });
    load(page, results);
  };
  q.addEventListener("change", onChange);
  status.addEventListener("change", onChange);
  page.append(
    h("h1", {}, "Customers"),
    h("div", { class: "controls" }, field("Search", q), field("Status", status)),
    results,
  );
  await load(page, results);
}

async function load(page, results) {
  page.dataset.state = "loading";
  shown = null;
  const status = state.status.replaceAll(" ", "_");
  try {
    if (!state.q) await paged(results, { status, per_page: PER_PAGE });
    else if (EMAIL.test(state.q)) show(results, await byEmail(state.q), "");
    else await byName(results, status);
    page.dataset.state = "ready";
  } catch (error) {
    results.replaceChildren(h("p", { class: "error" }, `Could not load the customers: ${error.message}`));
    page.dataset.state = "error";
  }
}

function withAttrs(customer) {
  return { ...customer, _attrs: { "data-uuid": customer.uuid } };
}

function show(results, list, note) {
  const rows = list.map(withAttrs);
  results.replaceChildren(
    h("p", { class: "caption", id: "customers-count" }, `${list.length} customer${list.length === 1 ? "" : "s"}${note}`),
    rows.length ? table(COLUMNS, rows, { id: "customers-table" }) : h("p", { class: "empty" }, "No customers match."),
  );
}

async function byEmail(email) {
  try {
    const found = await getAll("/customers/search", { email }, MAX_PAGES);
    return found.entries.filter((c) => !state.status || c.status === state.status);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return []; // the API's "no such email"
    throw error;
  }
}

async function byName(results, status) {
  const needle = state.q.toLowerCase();
  const all = await getAll("/customers", { status }, MAX_PAGES);
  const hits = all.entries.filter((c) => `${c.name}\n${c.email}`.toLowerCase().includes(needle));
  show(results, hits, all.complete ? "" : ` in the first ${all.entries.length} (narrow by status to search further)`);
}

// One page of the list at a time, with the API's cursors: Next follows the page's cursor, Previous asks again
// with the cursor that led to the page before. The total is `total_pages` of a one-per-page request.
async function paged(results, params) {
  const [first, one] = await Promise.all([get("/customers", params), get("/customers", { ...params, per_page: 1 })]);
  const total = one.entries.length ? one.total_pages : 0; // an empty list still reports one page
  shown = { params, total, cursors: [null], index: 0 };
  showPage(results, shown, first);
}

function showPage(results, pager, body) {
  const from = pager.index * PER_PAGE + 1;
  const to = from + body.entries.length - 1;
  const total = Number.isInteger(pager.total) ? pager.total : null;
  const text = !body.entries.length
    ? "0 customers"
    : `${count(from)}-${count(to)} of ${total !== null ? count(Math.max(total, to)) : body.has_more ? "more" : count(to)}`;
  const button = (id, label, enabled, index) => {
    const el = h("button", { type: "button", class: "secondary", id, disabled: !enabled }, label);
    el.addEventListener("click", () => turn(results, pager, index, el, label));
    return el;
  };
  const next = pager.index + 1;
  if (body.has_more) pager.cursors[next] = body.cursor;
  const pages = pager.index > 0 || body.has_more;
  results.replaceChildren(
    h("div", { class: "pager" },
      h("span", { class: "caption", id: "customers-count", "data-from": from, "data-to": to, "data-total": total }, text),
      pages ? button("customers-previous", "Previous", pager.index > 0, pager.index - 1) : "",
      pages ? button("customers-next", "Next", body.has_more, next) : ""),
    body.entries.length
      ? table(COLUMNS, body.entries.map(withAttrs), { id: "customers-table" })
      : h("p", { class: "empty" }, pager.params.status ? "No customers match." : "No customers yet."),
  );
}

async function turn(results, pager, index, button, label) {
  for (const b of results.querySelectorAll(".pager button")) b.disabled = true;
  try {
    const body = await get("/customers", { ...pager.params, cursor: pager.cursors[index] });
    if (pager !== shown) return; // the filter changed meanwhile
    pager.index = index;
    showPage(results, pager, body);
  } catch (error) {
    button.disabled = false;
    button.textContent = `${label} (failed: ${error.message})`;
  }
}
