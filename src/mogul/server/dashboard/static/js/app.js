// The shell: the key form, the hash router (#/, #/activities, #/customers, #/customers/{uuid},
// #/data-sources) and the data sources poll behind the header's processing badge.
import { ApiError, get, session } from "./api.js";
import { activities } from "./activities.js";
import { customer } from "./customer.js";
import { customers } from "./customers.js";
import { setCurrency } from "./format.js";
import { overview } from "./overview.js";
import { fetchSources, showSources, sources } from "./sources.js";

const POLL_WORKING_MS = 2000;
const POLL_IDLE_MS = 15000;
const $ = (id) => document.getElementById(id);
let pollTimer = null;
let lastSources = null;

function showLogin(message) {
  session.clear();
  clearTimeout(pollTimer);
  for (const id of ["nav", "page", "sign-out", "processing"]) $(id).hidden = true;
  $("login").hidden = false;
  $("login-error").hidden = !message;
  $("login-error").textContent = message ?? "";
  document.body.dataset.page = "login";
  $("api-key").focus();
}

async function signIn(key) {
  try {
    await get("/ping", {}, key);
  } catch (error) {
    const refused = error instanceof ApiError && error.status === 401;
    showLogin(refused ? `That key was refused: ${error.message}.` : `Cannot reach the server: ${error.message}`);
    return;
  }
  session.save(key);
  $("login").hidden = true;
  for (const id of ["nav", "page", "sign-out"]) $(id).hidden = false;
  setCurrency((await get("/account")).currency);
  poll();
  await route();
}

const PAGES = [
  [/^\/?$/, "overview", (page) => overview(page)],
  [/^\/activities$/, "activities", (page) => activities(page)],
  [/^\/customers$/, "customers", (page) => customers(page)],
  [/^\/customers\/([^/]+)$/, "customers", (page, uuid) => customer(page, decodeURIComponent(uuid))],
  [/^\/data-sources$/, "data-sources", (page) => sources(page)],
];

async function route() {
  if (!session.key()) return;
  const path = location.hash.replace(/^#/, "");
  let [, name, render] = PAGES[0];
  let args = [];
  for (const [pattern, n, r] of PAGES) {
    const match = path.match(pattern);
    if (match) {
      [name, render, args] = [n, r, match.slice(1)];
      break;
    }
  }
  // A fresh element per navigation: a slow answer for the page just left cannot draw into the new one.
  const page = Object.assign(document.createElement("div"), { id: "page" });
  page.dataset.state = "loading";
  $("page").replaceWith(page);
  document.body.dataset.page = name;
  for (const link of document.querySelectorAll("#nav a")) link.classList.toggle("active", link.dataset.page === name);
  try {
    await render(page, ...args);
    if (page.dataset.state === "loading") page.dataset.state = "ready";
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return showLogin("The key is no longer accepted.");
    page.append(Object.assign(document.createElement("p"), { className: "error", textContent: error.message }));
    page.dataset.state = "error";
  }
}

async function poll() {
  clearTimeout(pollTimer);
  let working = false;
  try {
    const list = await fetchSources();
    working = list.some((s) => s.status === "working");
    const finished = lastSources?.some((s) => s.status === "working") && !working;
    lastSources = list;
    const badge = $("processing");
    const pending = list.reduce((n, s) => n + s.processing_status.pending, 0);
    badge.hidden = !working;
    badge.textContent = working ? `Processing… ${pending.toLocaleString("en-US")} pending` : "";
    if (document.body.dataset.page === "data-sources") showSources($("page"), list);
    else if (finished && document.body.dataset.page === "overview") route(); // the figures just changed
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return showLogin("The key is no longer accepted.");
  }
  if (session.key()) pollTimer = setTimeout(poll, working ? POLL_WORKING_MS : POLL_IDLE_MS);
}

$("login-form").addEventListener("submit", (event) => {
  event.preventDefault();
  signIn($("api-key").value.trim());
});
$("sign-out").addEventListener("click", () => showLogin());
window.addEventListener("hashchange", route);

const saved = session.key();
if (saved) signIn(saved);
else showLogin();
