// KloudBuster web UI, base: DOM helpers, the API and formatting. Plain JavaScript over the REST API of `kloudbuster serve`
// (docs/openapi.yaml); index.html loads base.js, charts.js, live.js and app.js in that order.
// Every text that comes from the server reaches the page through textContent or setAttribute,
// never through innerHTML.
'use strict';

const $ = (selector) => document.querySelector(selector);
const SVGNS = 'http://www.w3.org/2000/svg';

/** An element with attributes and children (strings become text nodes). */
function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  return build(node, attributes, children);
}

/** The same in the SVG namespace. */
function svg(tag, attributes = {}, ...children) {
  return build(document.createElementNS(SVGNS, tag), attributes, children);
}

/** Replaces node's children, skipping the null of a `cond ? x : null`. */
function fill(node, ...children) {
  node.replaceChildren(...children.flat(Infinity).filter((child) => child !== null && child !== undefined && child !== false));
}

function build(node, attributes, children) {
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

// ---- The API -------------------------------------------------------------------------------

/** An HTTP error with the server's own message ({"error": {"message"}}). */
class APIError extends Error {
  constructor(status, message) { super(message); this.status = status; }
}

const session = {
  get token() { return sessionStorage.getItem('kb-token'); },
  set token(value) { value ? sessionStorage.setItem('kb-token', value) : sessionStorage.removeItem('kb-token'); },
};

function headers(extra = {}) {
  return { Authorization: `Bearer ${session.token}`, ...extra };
}

/** One request: the parsed JSON (or text), or an APIError; a 401 sends the user to log in. */
async function api(path, { method = 'GET', body, raw = false } = {}) {
  const options = { method, headers: headers() };
  if (body !== undefined) {
    options.headers['Content-Type'] = 'application/json';
    options.body = JSON.stringify(body);
  }
  const response = await fetch(path, options);
  if (!response.ok) {
    const error = new APIError(response.status, await errorMessage(response));
    if (response.status === 401 && path !== '/v1/version') logout(error.message);
    throw error;
  }
  if (raw) return response;
  const type = response.headers.get('Content-Type') || '';
  return type.includes('json') ? response.json() : response.text();
}

async function errorMessage(response) {
  const text = await response.text();
  try { return JSON.parse(text).error.message; } catch { return `${response.status} ${response.statusText}: ${text.slice(0, 200)}`; }
}

/** A file of a run (report, hlog, JSON) in a new tab: links cannot carry the token. */
async function openFile(path, message) {
  // Opened before the await: a tab opened later is no longer the click's, and is blocked.
  const tab = window.open('', '_blank');
  if (!tab) return void (message.textContent = 'the browser blocked the new tab; allow pop-ups for this page');
  try {
    const blob = await (await api(path, { raw: true })).blob();
    tab.location = URL.createObjectURL(blob);
  } catch (error) {
    tab.close();
    message.textContent = error.message;
  }
}

// ---- Formatting ----------------------------------------------------------------------------

function formatMicroseconds(us) {
  if (!Number.isFinite(us)) return '–';
  if (us >= 1e6) return `${+(us / 1e6).toPrecision(3)} s`;
  if (us >= 1e3) return `${+(us / 1e3).toPrecision(3)} ms`;
  return `${Math.round(us)} µs`;
}

function formatNumber(n, digits = 3) {
  if (!Number.isFinite(n)) return '–';
  if (Math.abs(n) >= 1e6) return `${+(n / 1e6).toPrecision(digits)}M`;
  if (Math.abs(n) >= 1e4) return `${+(n / 1e3).toPrecision(digits)}k`;
  return String(+n.toPrecision(Math.max(digits, String(Math.round(n)).length)));
}

function formatDate(iso) {
  return iso ? new Date(iso).toLocaleString() : '';
}

/** A verdict ("ok" or reasons) as an element. */
function verdictView(verdict) {
  if (verdict === undefined || verdict === null) return el('span', { class: 'hint' }, '–');
  if (verdict === 'ok') return el('span', { class: 'badge ok' }, 'ok');
  const reasons = Array.isArray(verdict) ? verdict : [String(verdict)];
  return el('span', { class: 'badge warn', title: reasons.join('\n') }, `${reasons.length} issue${reasons.length > 1 ? 's' : ''}`);
}

function verdictDetail(verdict) {
  if (verdict === 'ok') return el('p', { class: 'verdict ok' }, 'Verdict: ok — every check passed.');
  const reasons = Array.isArray(verdict) ? verdict : [String(verdict)];
  return el('div', { class: 'verdict warn' }, el('p', {}, 'Verdict: the numbers cannot be taken at face value'),
    el('ul', {}, reasons.map((reason) => el('li', {}, reason))));
}
