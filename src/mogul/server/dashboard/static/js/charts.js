// Chart.js (vendored, a global from /dashboard/vendor) behind one function, plus the table of the numbers
// each chart draws: screen readers read it, and the browser tests compare it with the API's answers.
import { h } from "./dom.js";

// spec: {id, labels: [date], datasets: [{key, label, color, raw: [number]}], type: "line"|"bar",
//        stacked, small, scale (drawn value = raw / scale), format(raw) -> text}
export function chart(spec) {
  const canvas = h("canvas", { role: "img", "aria-label": spec.title ?? spec.id });
  const box = h("div", { class: `chart ${spec.small ? "small" : ""} ${spec.className ?? ""}` }, canvas);
  const figure = h("figure", { class: "figure", "data-chart": spec.id }, box, dataTable(spec));
  // The canvas needs its box in the document to measure it: draw once the caller has appended the figure.
  queueMicrotask(() => draw(canvas, spec));
  return figure;
}

function draw(canvas, spec) {
  const scale = spec.scale ?? 1;
  const Chart = window.Chart;
  const many = spec.labels.length > 40;
  new Chart(canvas, {
    type: spec.type ?? "line",
    data: {
      labels: spec.labels,
      datasets: spec.datasets.map((d) => ({
        label: d.label,
        data: d.raw.map((v) => v / scale),
        borderColor: d.color,
        backgroundColor: spec.type === "bar" ? d.color : `${d.color}22`,
        fill: spec.type !== "bar" && !spec.small,
        borderWidth: spec.type === "bar" ? 0 : 2,
        pointRadius: many || spec.small ? 0 : 2,
        tension: 0,
        stack: spec.stacked ? "all" : undefined,
      })),
    },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      interaction: { mode: "index", intersect: false },
      plugins: {
        legend: { display: spec.datasets.length > 1, position: "bottom", labels: { boxWidth: 12 } },
        tooltip: { callbacks: { label: (ctx) => `${ctx.dataset.label}: ${spec.format(ctx.parsed.y * scale)}` } },
      },
      scales: {
        // offset: a line's points sit at the centre of each period, as the bars beneath it do.
        x: { stacked: !!spec.stacked, display: !spec.small, offset: true, grid: { display: false },
          ticks: { maxTicksLimit: 12 } },
        y: {
          stacked: !!spec.stacked,
          // One width for every big chart's axis, so MRR and its movements line up period by period.
          afterFit: spec.small ? undefined : (scale) => { scale.width = 72; },
          ticks: { maxTicksLimit: spec.small ? 3 : 6, callback: (v) => spec.format(v * scale) },
        },
      },
    },
  });
}

function dataTable(spec) {
  const head = h("tr", {}, h("th", {}, "Date"), spec.datasets.map((d) => h("th", {}, d.label)));
  const rows = spec.labels.map((label, i) =>
    h("tr", { "data-date": label }, h("th", {}, label),
      spec.datasets.map((d) => h("td", { "data-key": d.key, "data-value": d.raw[i] }, spec.format(d.raw[i])))),
  );
  return h("table", { class: "sr-only", "data-values": spec.id }, h("caption", {}, spec.title ?? spec.id),
    h("thead", {}, head), h("tbody", {}, rows));
}
