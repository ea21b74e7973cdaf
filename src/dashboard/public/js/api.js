// The dashboard's only door to the LRS: same-origin calls to /api with HTTP Basic credentials
// kept in sessionStorage (gone when the tab closes, never put in a URL).

const STORAGE_KEY = 'competency-lrs.dashboard.credential';

/** An answer of the API that is not 2xx, carrying the API's error code and message. */
export class ApiError extends Error {
  /**
   * @param {number} status HTTP status (0 when the LRS could not be reached)
   * @param {string} code the error catalogue's code
   * @param {string} message the API's message, shown to the user as is
   * @param {unknown} [details]
   */
  constructor(status, code, message, details) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

/** @returns {{ key: string, secret: string } | null} */
export function storedCredential() {
  try {
    const parsed = JSON.parse(sessionStorage.getItem(STORAGE_KEY) ?? 'null');
    return parsed && typeof parsed.key === 'string' && typeof parsed.secret === 'string' ? parsed : null;
  } catch {
    return null;
  }
}

export function storeCredential(key, secret) {
  sessionStorage.setItem(STORAGE_KEY, JSON.stringify({ key, secret }));
}

export function forgetCredential() {
  sessionStorage.removeItem(STORAGE_KEY);
}

function basic({ key, secret }) {
  // btoa takes Latin-1 only: encode the pair as UTF-8 bytes first (RFC 7617 §2.1 charset).
  const bytes = new TextEncoder().encode(`${key}:${secret}`);
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return `Basic ${btoa(binary)}`;
}

/** `/api/...` with the parameters that have a value, in a stable order. */
export function apiUrl(path, params = {}) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === '') continue;
    search.set(name, String(value));
  }
  const qs = search.toString();
  return qs ? `${path}?${qs}` : path;
}

async function call(url, accept, credential = storedCredential()) {
  if (!credential) throw new ApiError(401, 'UNAUTHORIZED', 'Sign in with an API key and secret.');
  let res;
  try {
    // credentials: 'omit' keeps the browser from answering a 401's WWW-Authenticate with its own
    // sign-in dialog: this page handles 401 itself.
    res = await fetch(url, { headers: { Authorization: basic(credential), Accept: accept }, credentials: 'omit', cache: 'no-store' });
  } catch {
    throw new ApiError(0, 'NETWORK', 'The LRS did not answer. Check that it is running and try again.');
  }
  if (res.ok) return res;
  let body = null;
  try {
    body = await res.json();
  } catch {
    // Not JSON: keep the status line.
  }
  const error = body && typeof body === 'object' && body.error ? body.error : {};
  throw new ApiError(res.status, error.code ?? `HTTP_${res.status}`, error.message ?? `The LRS answered ${res.status} ${res.statusText}`, error.details);
}

/** GET a JSON answer of the API. */
export async function getJson(path, params = {}, credential = undefined) {
  const res = await call(apiUrl(path, params), 'application/json', credential);
  return res.json();
}

/**
 * GET the API's CSV rendering of the same answer (`format=csv`), every page of it (paged
 * endpoints name the next page in `Link: <…>; rel="next"`), and hand it to the browser as a
 * download named `filename`.
 * @returns {Promise<{ text: string, rows: number }>} the CSV and its number of data records
 */
export async function downloadCsv(path, params, filename) {
  let url = apiUrl(path, { ...params, format: 'csv' });
  let text = '';
  for (let page = 0; url && page < 1000; page++) {
    const res = await call(url, 'text/csv');
    const body = await res.text();
    // Every page starts with the header row: keep the first page's only.
    text += page === 0 ? body : body.slice(body.indexOf('\r\n') + 2);
    url = nextLink(res.headers.get('Link'));
  }
  saveText(text, filename, 'text/csv;charset=utf-8');
  return { text, rows: csvRecords(text) - 1 };
}

function nextLink(header) {
  const match = /<([^>]+)>\s*;\s*rel="?next"?/.exec(header ?? '');
  if (!match) return null;
  const next = new URL(match[1], location.href);
  if (next.origin !== location.origin) return null;
  next.searchParams.set('format', 'csv');
  return `${next.pathname}${next.search}`;
}

/** Number of records of an RFC 4180 text (line breaks inside quotes do not count). */
export function csvRecords(text) {
  let records = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') quoted = !quoted;
    else if (c === '\n' && !quoted) records++;
  }
  return text.length > 0 && !text.endsWith('\n') ? records + 1 : records;
}

/** RFC 4180 text of `rows` under `columns` (CRLF; fields with , " CR or LF quoted). */
export function toCsv(columns, rows) {
  const field = (v) => {
    if (v === null || v === undefined) return '';
    const s = String(v);
    return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
  };
  return [columns, ...rows].map((r) => r.map(field).join(',')).join('\r\n') + '\r\n';
}

/** Offers `text` as a file download, without a round trip to the server. */
export function saveText(text, filename, type) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
