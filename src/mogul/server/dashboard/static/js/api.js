// The dashboard's only way to data: the server's own /v1 API, with the key the user entered.
const STORAGE_KEY = "mogul.apiKey";
const RETRIES = 3; // for 429/503 from the per-key limits, after the Retry-After they send

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export const session = {
  key: () => sessionStorage.getItem(STORAGE_KEY),
  save: (key) => sessionStorage.setItem(STORAGE_KEY, key),
  clear: () => sessionStorage.removeItem(STORAGE_KEY),
};

function basic(key) {
  // btoa takes Latin-1 only: encode the key as UTF-8 bytes first.
  const bytes = new TextEncoder().encode(`${key}:`);
  return "Basic " + btoa(String.fromCharCode(...bytes));
}

function messageOf(body) {
  if (!body || typeof body !== "object") return "";
  if (body.message) return body.message;
  if (body.error) return body.error;
  if (body.errors) return Object.entries(body.errors).map(([k, v]) => `${k}: ${v}`).join("; ");
  return "";
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// GET /v1{path}?{params}; empty params are left out. Throws ApiError with the server's message.
export async function get(path, params = {}, key = session.key()) {
  const url = new URL(`/v1${path}`, location.origin);
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") url.searchParams.set(name, value);
  }
  for (let attempt = 0; ; attempt++) {
    const response = await fetch(url, {
      headers: { Authorization: basic(key ?? ""), Accept: "application/json" },
      cache: "no-store",
    });
    if ((response.status === 429 || response.status === 503) && attempt < RETRIES) {
      await sleep(1000 * (Number(response.headers.get("Retry-After")) || 1));
      continue;
    }
    const body = await response.json().catch(() => null);
    if (!response.ok) {
      throw new ApiError(response.status, messageOf(body) || response.statusText || `HTTP ${response.status}`);
    }
    return body;
  }
}

// Every page of a cursor-paged list, up to `maxPages` (the caller says when it stopped short).
export async function getAll(path, params, maxPages) {
  const entries = [];
  let cursor = null;
  for (let page = 0; page < maxPages; page++) {
    const body = await get(path, { ...params, per_page: 200, cursor });
    entries.push(...body.entries);
    if (!body.has_more) return { entries, complete: true };
    cursor = body.cursor;
  }
  return { entries, complete: false };
}
