// A tiny element builder. Text always goes in as text, never as HTML: names and emails are user data.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on")) el.addEventListener(name.slice(2), value);
    else if (name === "dataset") Object.assign(el.dataset, value);
    else el.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

// A table of rows: columns are [header, cell(row) -> text or Node, {num: true}].
export function table(columns, rows, attrs = {}) {
  const head = h("tr", {}, columns.map(([title, , opts = {}]) => h("th", { class: opts.num ? "num" : null }, title)));
  const body = rows.map((row) => tableRow(columns, row));
  return h("table", { class: "list", ...attrs }, h("thead", {}, head), h("tbody", {}, body));
}

export function tableRow(columns, row) {
  return h("tr", row._attrs ?? {}, columns.map(([, cell, opts = {}]) => h("td", { class: opts.num ? "num" : null }, cell(row))));
}

export function field(label, control) {
  return h("label", {}, label, control);
}

export function select(name, options, value) {
  return h("select", { name }, options.map(([v, text]) => h("option", { value: v, selected: v === value }, text)));
}
