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

// auto: the range is the data's own, worked out again on every visit (an import may have extended it)
// until the user picks dates.
const state = { interval: "month", start: null, end: null, auto: true, empty: false };
let generation = 0; // a slower answer to an earlier choice must not overwrite a later one

const today = () => new Date().toISOString().slice(0, 10);
const earlier = (a, b) => (a < b ? a : b);

// The data's own range: from the month of the first activity to the day of the last one, or to today when
// the history runs on past it (invoices dated later this month). A period after the last activity would
// only repeat the last figures, and every change against it would read 0.00 %.
async function defaultRange() {
  const [first, last] = await Promise.all([
    get("/activities", { per_page: 1, order: "date" }),
    get("/activities", { per_page: 1, order: "-date" }),
  ]);
  const now = today();
  if (!first.entries.length) return { start: `${Number(now.slice(0, 4)) - 1}${now.slice(4, 7)}-01`, end: now, empty: true };
  const end = earlier(last.entries[0].date.slice(0, 10), now);
  return { start: earlier(`${first.entries[0].date.slice(0, 7)}-01`, end), end, empty: false };
}

export async function overview(page) {
  if (state.auto) Object.assign(state, await defaultRange());
  const interval = select("interval", INTERVALS.map((i) => [i, i[0].toUpperCase() + i.slice(1)]), state.interval);
  const start = h("input", { type: "date", name: "start-date", value: state.start, required: true });
  const end = h("input", { type: "date", name: "end-date", value: state.end, required: true });
  const body = h("div", { id: "overview-body" });
  const onChange = () => {
    const dates = { start: start.value || state.start, end: end.value || state.end };
    const auto = state.auto && dates.start === state.start && dates.end === state.end;
    Object.assign(state, { interval: interval.value, ...dates, auto });
    load(page, body);
  };
  for (const control of [interval, start, end]) control.addEventListener("change", onChange);
  page.append(
    h("div", { class: "controls" }, field("Interval", interval), field("From", start), field("To", end)),
    ...(state.auto && state.empty ? [emptyHint()] : []),
    body,
  );
  await load(page, body);
}

// A new server has nothing to chart yet: say how to fill it rather than draw a year of zeros unexplained.
function emptyHint() {
  return h("p", { class: "card hint", id: "overview-empty" },
    "No MRR activity yet: nothing has been imported, or the import is still being processed (see ",
    h("a", { href: "#/data-sources" }, "Data sources"), "). To try the dashboard on a generated history, run ",
    h("code", {}, `mogul demo generate --base-url ${location.origin} --api-key KEY`),
    " with a read-write key of this server.");
}

async function load(page, body) {
  const mine = ++generation;
  const params = { "start-date": state.start, "end-date": state.end, interval: state.interval };
  Object.assign(page.dataset, { state: "loading", interval: state.interval, start: state.start, end: state.end });
  let all, mrr;
  try {
    [all, mrr] = await Promise.all([get("/metrics/all", params), get("/metrics/mrr", params)]);
  } catch (error) {
    if (mine !== generation) return;
    body.replaceChildren(h("p", { class: "error", id: "overview-error" }, `Could not load the metrics: ${error.message}`));
    page.dataset.state = "error";
    return;
  }
  if (mine !== generation) return;
  body.replaceChildren(mrrCard(all, mrr), h("div", { class: "grid" }, SMALL.map((m) => smallCard(all, ...m))));
  // Charts draw on the next microtask; mark the page ready after that.
  await Promise.resolve();
  page.dataset.state = "ready";
}

// The two periods the API's summary compares: the one containing today, or the range's last one when it ends
// earlier (docs/metrics.md), and the one before it. Entries are dated at each period's last day.
function comparedPeriods(entries) {
  const asOf = earlier(today() > state.start ? today() : state.start, state.end);
  let i = entries.findIndex((e) => e.date.slice(0, 10) >= asOf);
  if (i < 0) i = entries.length - 1;
  return { current: entries[i]?.date, previous: i > 0 ? entries[i - 1].date : null };
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

// A period named by its last day, as people say it: "Dec 2026", "Q4 2026", "2026", "week to 2026-12-05".
function periodName(date, interval) {
  const [year, month] = [date.slice(0, 4), Number(date.slice(5, 7))];
  if (interval === "month") return `${MONTHS[month - 1]} ${year}`;
  if (interval === "quarter") return `Q${Math.ceil(month / 3)} ${year}`;
  if (interval === "year") return year;
  if (interval === "week") return `week to ${date.slice(0, 10)}`;
  return date.slice(0, 10);
}

function comparison(periods) {
  const { current, previous } = periods;
  const text = current
    ? `${periodName(current, state.interval)} vs ${previous ? periodName(previous, state.interval) : `previous ${state.interval}`}`
    : `vs previous ${state.interval}`;
  return h("span", { class: "caption", "data-period": current, "data-previous-period": previous }, text);
}

function head(title, current, pct, format, periods, lowerIsBetter = false) {
  const delta = change(pct, lowerIsBetter);
  return h("div", { class: "figure-head" },
    h("h2", {}, title),
    h("span", { class: "value", "data-current": current }, format(current)),
    h("span", { class: `change ${delta.tone}`, "data-change": pct }, delta.text),
    comparison(periods),
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
    head("MRR", summary["current-mrr"], summary["mrr-percentage-change"], (v) => money(v), comparedPeriods(mrr.entries)),
    line, movements);
}

function smallCard(all, key, title, format, scale, lowerIsBetter = false) {
  const summary = all.summary;
  const figure = chart({
    id: key, title, small: true, labels: all.entries.map((e) => e.date), scale, format,
    datasets: [{ key, label: title, color: "#2563eb", raw: all.entries.map((e) => e[key]) }],
  });
  return h("section", { class: "card", "data-metric": key },
    head(title, summary[`current-${key}`], summary[`${key}-percentage-change`], format, comparedPeriods(all.entries),
      lowerIsBetter),
    figure);
}
