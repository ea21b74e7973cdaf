// Small DOM helpers. Text always goes in as text nodes (never innerHTML), so names and messages
// from the LRS cannot inject markup; the page's CSP forbids inline script and style anyway.

/**
 * Creates an element: `h('td', { class: 'num', title: '3 of 4' }, '75 %')`.
 * Attributes named `on…` take listeners, `style` takes an object of CSS properties (set through
 * the CSSOM, which the CSP allows), `dataset` an object, and `false`/`null` values are left out.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === false || value === null || value === undefined) continue;
    if (name.startsWith('on') && typeof value === 'function') el.addEventListener(name.slice(2), value);
    else if (name === 'style') for (const [prop, v] of Object.entries(value)) el.style.setProperty(prop, String(v));
    else if (name === 'dataset') Object.assign(el.dataset, value);
    else if (name === 'class') el.className = Array.isArray(value) ? value.filter(Boolean).join(' ') : value;
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces the children of `el`. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

export const $ = (selector, root = document) => root.querySelector(selector);

const percent = new Intl.NumberFormat(undefined, { style: 'percent', maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2, minimumFractionDigits: 2 });
const days = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });
const dateFormat = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
const dateTimeFormat = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });

export const fmt = {
  percent: (x) => (x === null || x === undefined || Number.isNaN(x) ? '–' : percent.format(x)),
  score: (x) => (x === null || x === undefined ? '–' : decimal.format(x)),
  days: (x) => (x === null || x === undefined ? '–' : `${days.format(x)} d`),
  date: (iso) => (iso ? dateFormat.format(new Date(iso)) : '–'),
  time: (iso) => (iso ? timeFormat.format(new Date(iso)) : ''),
  dateTime: (iso) => (iso ? dateTimeFormat.format(new Date(iso)) : '–'),
  interval: (iv) => (Array.isArray(iv) ? `${decimal.format(iv[0])}–${decimal.format(iv[1])}` : '–'),
};

/** A table with a caption, a header row and body rows of cells (strings, nodes or `h('td')`s). */
export function table({ caption, columns, rows, className = 'data' }) {
  return h('table', { class: className },
    caption ? h('caption', {}, caption) : null,
    h('thead', {}, h('tr', {}, columns.map((c) => (typeof c === 'string' ? h('th', { scope: 'col' }, c) : h('th', { scope: 'col', class: c.class }, c.label))))),
    h('tbody', {}, rows.map((cells) => (cells instanceof Node ? cells : h('tr', {}, cells.map((c) => (c instanceof Node && c.tagName === 'TD' ? c : h('td', {}, c))))))));
}

/** A short message in place of a view: empty data or an error. */
export function notice(kind, title, text) {
  return h('div', { class: `notice notice-${kind}`, role: kind === 'error' ? 'alert' : null }, h('strong', {}, title), text ? h('p', {}, text) : null);
}

/** The status line under the tabs (a polite live region). */
export function announce(text, busy = false) {
  const el = document.getElementById('status');
  if (el) fill(el, busy ? h('span', { class: 'spinner', 'aria-hidden': 'true' }) : null, text ?? '');
}
