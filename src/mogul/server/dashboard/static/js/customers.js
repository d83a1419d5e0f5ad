// Customers: /v1/customers by status, a page at a time; a full email goes to /v1/customers/search, anything
// else filters names and emails over the pages (the list API has no name filter).
import { ApiError, get, getAll } from "./api.js";
import { field, h, select, table, tableRow } from "./dom.js";
import { day, money } from "./format.js";

const STATUSES = ["Active", "Past Due", "Cancelled", "New Lead", "Working Lead", "Qualified Lead", "Unqualified Lead"];
const PER_PAGE = 50;
const MAX_PAGES = 50; // of 200: a name search reads at most 10,000 customers
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
const state = { q: "", status: "" };

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

async function paged(results, params) {
  const first = await get("/customers", params);
  const list = table(COLUMNS, first.entries.map(withAttrs), { id: "customers-table" });
  const total = first.total_pages ? ` on ${first.total_pages} pages of ${PER_PAGE}` : "";
  results.replaceChildren(
    h("p", { class: "caption", id: "customers-count" }, `${first.entries.length} shown${total}`),
    first.entries.length ? list : h("p", { class: "empty" }, "No customers match."),
  );
  more(results, list, params, first);
}

function more(results, list, params, previous) {
  if (!previous.has_more) return;
  const button = h("button", { type: "button", class: "secondary more", id: "customers-more" }, "More");
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      const next = await get("/customers", { ...params, cursor: previous.cursor });
      list.tBodies[0].append(...next.entries.map((c) => tableRow(COLUMNS, withAttrs(c))));
      button.remove();
      results.querySelector("#customers-count").textContent = `${list.tBodies[0].rows.length} shown`;
      more(results, list, params, next);
    } catch (error) {
      button.disabled = false;
      button.textContent = `More (failed: ${error.message})`;
    }
  });
  results.append(button);
}
