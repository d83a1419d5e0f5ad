// Activities: the account's MRR movements (/v1/activities), newest first, by type and date, a page at a time.
import { get } from "./api.js";
import { field, h, select, table, tableRow } from "./dom.js";
import { day, money } from "./format.js";

const TYPES = ["new_biz", "expansion", "contraction", "churn", "reactivation"];
const PER_PAGE = 50;
const state = { type: "", start: "", end: "" };

export const ACTIVITY_COLUMNS = [
  ["Date", (a) => day(a.date)],
  ["Type", (a) => h("span", { class: `badge ${a.type}` }, a.type)],
  ["Description", (a) => a.description],
  ["Movement", (a) => money(a["activity-mrr-movement"], a.currency, 2), { num: true }],
  ["MRR after", (a) => money(a["activity-mrr"], a.currency, 2), { num: true }],
];
const COLUMNS = [
  ACTIVITY_COLUMNS[0],
  ["Customer", (a) => h("a", { href: `#/customers/${encodeURIComponent(a["customer-uuid"])}` }, a["customer-name"])],
  ...ACTIVITY_COLUMNS.slice(1),
];

export async function activities(page) {
  const type = select("type", [["", "All types"], ...TYPES.map((t) => [t, t])], state.type);
  const start = h("input", { type: "date", name: "start-date", value: state.start });
  const end = h("input", { type: "date", name: "end-date", value: state.end });
  const results = h("div", { id: "activities-results" });
  const onChange = () => {
    Object.assign(state, { type: type.value, start: start.value, end: end.value });
    load(page, results);
  };
  for (const control of [type, start, end]) control.addEventListener("change", onChange);
  page.append(
    h("h1", {}, "Activities"),
    h("div", { class: "controls" }, field("Type", type), field("From", start), field("To", end)),
    results,
  );
  await load(page, results);
}

async function load(page, results) {
  page.dataset.state = "loading";
  const params = { type: state.type, "start-date": state.start, "end-date": state.end, order: "-date", per_page: PER_PAGE };
  try {
    const first = await get("/activities", params);
    const list = table(COLUMNS, first.entries.map(withAttrs), { id: "activities-table" });
    results.replaceChildren(first.entries.length ? list : h("p", { class: "empty" }, "No activities match."));
    moreButton(results, list, params, first);
    page.dataset.state = "ready";
  } catch (error) {
    results.replaceChildren(h("p", { class: "error" }, `Could not load the activities: ${error.message}`));
    page.dataset.state = "error";
  }
}

function withAttrs(activity) {
  return { ...activity, _attrs: { "data-uuid": activity.uuid, "data-type": activity.type } };
}

function moreButton(results, list, params, previous) {
  if (!previous.has_more) return;
  const button = h("button", { type: "button", class: "secondary more", id: "activities-more" }, "More");
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      const next = await get("/activities", { ...params, cursor: previous.cursor });
      list.tBodies[0].append(...next.entries.map((a) => tableRow(COLUMNS, withAttrs(a))));
      button.remove();
      moreButton(results, list, params, next);
    } catch (error) {
      button.disabled = false;
      button.textContent = `More (failed: ${error.message})`;
    }
  });
  results.append(button);
}
