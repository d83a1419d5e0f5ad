// Data sources with their processing status (/v1/data_sources?with_processing_status=true). The app polls
// it every 2 s while any source is `working`, so an import's progress shows live here and in the header.
import { get } from "./api.js";
import { h, table } from "./dom.js";
import { count, day } from "./format.js";

const COLUMNS = [
  ["Name", (s) => s.name],
  ["System", (s) => s.system],
  ["Status", (s) => h("span", { class: `badge ${s.status}`, "data-status": s.status }, s.status)],
  ["Processed", (s) => count(s.processing_status.processed), { num: true }],
  ["Pending", (s) => count(s.processing_status.pending), { num: true }],
  ["Failed", (s) => count(s.processing_status.failed), { num: true }],
  ["Created", (s) => day(s.created_at)],
  ["uuid", (s) => s.uuid],
];

export const fetchSources = async () =>
  (await get("/data_sources", { with_processing_status: "true" })).data_sources;

export async function sources(page) {
  page.append(h("h1", {}, "Data sources"), h("div", { id: "sources-results" }));
  showSources(page, await fetchSources());
}

// Called on the first render and on every poll while the page is open.
export function showSources(page, list) {
  const results = page.querySelector("#sources-results");
  if (!results) return;
  const rows = list.map((s) => ({ ...s, _attrs: { "data-uuid": s.uuid, "data-status": s.status } }));
  results.replaceChildren(
    rows.length ? table(COLUMNS, rows, { id: "sources-table" }) : h("p", { class: "empty" }, "No data sources yet."),
    h("p", { class: "caption" }, "Metrics and activities are final once every source is idle."),
  );
}
