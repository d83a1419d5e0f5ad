// Overview: MRR with its movements stacked beneath, and the other metrics as small charts, for one interval
// and date range. Two requests, /v1/metrics/all and /v1/metrics/mrr, with the same parameters.
import { get } from "./api.js";
import { chart } from "./charts.js";
import { field, h, select } from "./dom.js";
import { change, count, money, percent } from "./format.js";

const INTERVALS = ["day", "week", "month", "quarter", "year"];
const MOVEMENTS = [
  ["mrr-new-business", "New business", "#2563eb"],
  ["mrr-expansion", "Expansion", "#16a34a"],
  ["mrr-reactivation", "Reactivation", "#7c3aed"],
  ["mrr-contraction", "Contraction", "#f59e0b"],
  ["mrr-churn", "Churn", "#dc2626"],
];
// [key in /metrics/all, title, format of a raw value, scale from raw to drawn, lower is better]
const SMALL = [
  ["customers", "Customers", count, 1],
  ["arpa", "ARPA", (v) => money(v), 100],
  ["customer-churn-rate", "Customer churn rate", percent, 1, true],
  ["mrr-churn-rate", "Net MRR churn rate", percent, 1, true],
  ["ltv", "LTV", (v) => money(v), 100],
];

// The LTV form the server computes (`ltv_formula` in /account; docs/metrics.md "Settings").
const LTV_FORMS = {
  arpa_over_trailing_six_month_churn: "ARPA ÷ the average customer churn rate of the six months before",
  arpa_over_churn: "ARPA ÷ the period's customer churn rate",
};

const state = { interval: "month", start: null, end: null };
let generation = 0; // a slower answer to an earlier choice must not overwrite a later one

const today = () => new Date().toISOString().slice(0, 10);

// The default range covers the imported history: from the month of the first activity to today.
async function defaultRange() {
  const first = await get("/activities", { per_page: 1, order: "date" });
  const end = today();
  if (!first.entries.length) return [`${Number(end.slice(0, 4)) - 1}${end.slice(4, 7)}-01`, end];
  const start = `${first.entries[0].date.slice(0, 7)}-01`;
  return [start < end ? start : end, end];
}

export async function overview(page) {
  if (!state.start) [state.start, state.end] = await defaultRange();
  const interval = select("interval", INTERVALS.map((i) => [i, i[0].toUpperCase() + i.slice(1)]), state.interval);
  const start = h("input", { type: "date", name: "start-date", value: state.start, required: true });
  const end = h("input", { type: "date", name: "end-date", value: state.end, required: true });
  const body = h("div", { id: "overview-body" });
  const onChange = () => {
    Object.assign(state, { interval: interval.value, start: start.value || state.start, end: end.value || state.end });
    load(page, body);
  };
  for (const control of [interval, start, end]) control.addEventListener("change", onChange);
  page.append(
    h("div", { class: "controls" }, field("Interval", interval), field("From", start), field("To", end)),
    body,
  );
  await load(page, body);
}

async function load(page, body) {
  const mine = ++generation;
  const params = { "start-date": state.start, "end-date": state.end, interval: state.interval };
  Object.assign(page.dataset, { state: "loading", interval: state.interval, start: state.start, end: state.end });
  let all, mrr, account;
  try {
    [all, mrr, account] = await Promise.all([get("/metrics/all", params), get("/metrics/mrr", params), get("/account")]);
  } catch (error) {
    if (mine !== generation) return;
    body.replaceChildren(h("p", { class: "error", id: "overview-error" }, `Could not load the metrics: ${error.message}`));
    page.dataset.state = "error";
    return;
  }
  if (mine !== generation) return;
  const cards = SMALL.map((m) => smallCard(all, ...m));
  const ltv = cards.find((card) => card.dataset.metric === "ltv");
  const form = account.ltv_formula;
  ltv.append(h("p", { class: "caption", "data-ltv-form": form }, LTV_FORMS[form] || form));
  body.replaceChildren(mrrCard(all, mrr), h("div", { class: "grid" }, cards));
  // Charts draw on the next microtask; mark the page ready after that.
  await Promise.resolve();
  page.dataset.state = "ready";
}

function head(title, current, pct, format, lowerIsBetter = false) {
  const delta = change(pct, lowerIsBetter);
  return h("div", { class: "figure-head" },
    h("h2", {}, title),
    h("span", { class: "value", "data-current": current }, format(current)),
    h("span", { class: `change ${delta.tone}`, "data-change": pct }, delta.text),
    h("span", { class: "caption" }, `vs previous ${state.interval}`),
  );
}

function mrrCard(all, mrr) {
  const labels = mrr.entries.map((e) => e.date);
  const line = chart({
    id: "mrr", title: "MRR", labels, scale: 100, format: (v) => money(v),
    datasets: [{ key: "mrr", label: "MRR", color: "#2563eb", raw: mrr.entries.map((e) => e.mrr) }],
  });
  const movements = chart({
    id: "mrr-movements", title: "MRR movements", labels, scale: 100, format: (v) => money(v), type: "bar",
    stacked: true, className: "movements",
    datasets: MOVEMENTS.map(([key, label, color]) => ({ key, label, color, raw: mrr.entries.map((e) => e[key]) })),
  });
  const summary = all.summary;
  return h("section", { class: "card", "data-metric": "mrr" },
    head("MRR", summary["current-mrr"], summary["mrr-percentage-change"], (v) => money(v)), line, movements);
}

function smallCard(all, key, title, format, scale, lowerIsBetter = false) {
  const summary = all.summary;
  const figure = chart({
    id: key, title, small: true, labels: all.entries.map((e) => e.date), scale, format,
    datasets: [{ key, label: title, color: "#2563eb", raw: all.entries.map((e) => e[key]) }],
  });
  return h("section", { class: "card", "data-metric": key },
    head(title, summary[`current-${key}`], summary[`${key}-percentage-change`], format, lowerIsBetter), figure);
}
