// KloudBuster web UI: plain JavaScript over the REST API of `kloudbuster serve`
// (docs/openapi.yaml). No framework and no network but the server. Every text that comes from
// the server (labels are user text) reaches the page through textContent or setAttribute,
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

// ---- Charts --------------------------------------------------------------------------------

const COLORS = ['#2563eb', '#dc2626', '#059669', '#d97706', '#7c3aed', '#0891b2', '#db2777', '#4b5563'];
const ERROR_KINDS = ['connect', 'read', 'write', 'timeout', 'status', 'parse'];
const PERCENTILES = [['p50_us', 'p50'], ['p90_us', 'p90'], ['p99_us', 'p99'], ['p999_us', 'p99.9']];

/** "Nice" ticks for a linear axis from 0 to max. */
function linearTicks(max) {
  if (!(max > 0)) return { top: 1, ticks: [0, 1] };
  const step0 = max / 4, magnitude = 10 ** Math.floor(Math.log10(step0));
  const step = [1, 2, 2.5, 5, 10].map((f) => f * magnitude).find((s) => s >= step0);
  const top = Math.ceil(max / step) * step, ticks = [];
  for (let t = 0; t <= top + step / 2; t += step) ticks.push(+t.toPrecision(6));
  return { top, ticks };
}

/** Ticks of 1, 2 and 5 per decade for a log axis covering [min, max]. */
function logTicks(min, max) {
  const low = Math.floor(Math.log10(Math.max(min, 1))), high = Math.max(low + 1, Math.ceil(Math.log10(Math.max(max, 1))));
  const ticks = [];
  for (let d = low; d <= high; d++) for (const f of high - low > 3 ? [1] : [1, 2, 5]) ticks.push(f * 10 ** d);
  return { bottom: 10 ** low, top: 10 ** high, ticks: ticks.filter((t) => t <= 10 ** high) };
}

/**
 * An SVG line chart. series: [{name, color, dash, points: [[x, y]...]}]; log: a log y axis;
 * format: the y tick labels. The chart's points are <polyline> points, one per interval.
 */
function chart({ title, series, log = false, format = formatNumber, xLabel = 's', width = 560 }) {
  const W = Math.round(width), H = 200, L = 58, R = 12, T = 10, B = 24;
  const all = series.flatMap((s) => s.points);
  const maxX = Math.max(1, ...all.map((p) => p[0]));
  const ys = all.map((p) => p[1]).filter((y) => !log || y > 0);
  let scaleY, ticks;
  if (log) {
    const axis = logTicks(Math.min(...ys, 1e9), Math.max(...ys, 1));
    const a = Math.log10(axis.bottom), b = Math.log10(axis.top);
    scaleY = (y) => T + (H - T - B) * (1 - (Math.log10(Math.max(y, axis.bottom)) - a) / (b - a));
    ticks = axis.ticks;
  } else {
    const axis = linearTicks(Math.max(0, ...ys));
    scaleY = (y) => T + (H - T - B) * (1 - y / axis.top);
    ticks = axis.ticks;
  }
  const scaleX = (x) => L + (W - L - R) * (x / maxX);
  const grid = ticks.map((t) => svg('g', { class: 'tick' },
    svg('line', { x1: L, x2: W - R, y1: scaleY(t), y2: scaleY(t) }),
    svg('text', { x: L - 6, y: scaleY(t) + 4, 'text-anchor': 'end' }, format(t))));
  const xTicks = linearTicks(maxX).ticks.map((t) => svg('text', { x: scaleX(t), y: H - 6, 'text-anchor': 'middle' }, `${t}${xLabel}`));
  const lines = series.map((s) => svg('polyline', {
    class: 'series', fill: 'none', stroke: s.color, 'stroke-width': s.width || 2, 'stroke-dasharray': s.dash,
    points: s.points.map(([x, y]) => `${scaleX(x).toFixed(1)},${scaleY(y).toFixed(1)}`).join(' '),
  }, svg('title', {}, s.name)));
  const summary = series.map((s) => `${s.name}: ${s.points.length} points, last ${s.points.length ? format(s.points[s.points.length - 1][1]) : 'none'}`).join('; ');
  return el('figure', { class: 'chart' },
    el('figcaption', {}, title),
    svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': `${title}. ${summary}` },
      svg('g', { class: 'grid' }, grid), svg('line', { class: 'axis', x1: L, x2: L, y1: T, y2: H - B }),
      svg('line', { class: 'axis', x1: L, x2: W - R, y1: H - B, y2: H - B }), xTicks, lines),
    el('div', { class: 'legend' }, series.map((s) => el('span', {},
      el('i', { style: `border-color:${s.color};border-style:${s.dash ? 'dashed' : 'solid'}` }), s.name))));
}

/** Seconds since the first interval's start, at each interval's end. */
function timeline(intervals) {
  const t0 = intervals.length ? intervals[0].start_unix_ns : 0;
  return intervals.map((i) => (i.start_unix_ns - t0) / 1e9 + i.duration_s);
}

/**
 * The width a chart gets in a `.charts` grid (columns of 340px or more), so that its SVG is
 * drawn at its size and its text is not scaled.
 */
function chartWidth(grid, count) {
  const width = grid.clientWidth || 560, gap = parseFloat(getComputedStyle(grid).columnGap) || 0;
  const columns = Math.max(1, Math.min(count, Math.floor((width + gap) / (340 + gap))));
  return (width - gap * (columns - 1)) / columns - 22;
}

/** The three charts of one run: throughput, latency percentiles, errors by kind. */
function runCharts(intervals, width) {
  const x = timeline(intervals);
  const points = (f) => intervals.map((i, n) => [+x[n].toFixed(2), f(i)]);
  const kinds = ERROR_KINDS.filter((k) => intervals.some((i) => i.errors && i.errors[k] > 0));
  const errorSeries = kinds.length
    ? kinds.map((k) => ({ name: k, color: COLORS[ERROR_KINDS.indexOf(k) + 1], points: points((i) => i.errors[k]) }))
    : [{ name: 'no errors', color: '#9ca3af', points: points(() => 0) }];
  return [
    chart({ title: 'Requests per second', width, series: [{ name: 'req/s', color: COLORS[0], points: points((i) => i.rps) }] }),
    chart({ title: 'Latency (log scale)', width, log: true, format: formatMicroseconds,
      series: PERCENTILES.map(([key, name], n) => ({ name, color: COLORS[n], points: points((i) => i[key]) })) }),
    chart({ title: 'Errors per interval, by kind', width, series: errorSeries }),
  ];
}

// ---- Views and routing ---------------------------------------------------------------------

function show(view) {
  for (const section of document.querySelectorAll('main > section')) section.hidden = section.id !== `view-${view}`;
  for (const link of document.querySelectorAll('#nav a')) {
    link.toggleAttribute('aria-current', link.dataset.view === view || (view === 'detail' && link.dataset.view === 'history'));
  }
}

async function route() {
  if (!session.token) return show('login');
  $('#nav').hidden = $('#logout').hidden = false;
  const [view, argument] = location.hash.slice(1).split('/');
  if (view === 'history') { show('history'); return loadHistory(); }
  if (view === 'runs' && argument) { show('detail'); return openRun(argument); }
  if (view === 'compare') { show('compare'); return compare(argument ? argument.split(',') : selected); }
  show('run');
  return prepareEditor();
}

// ---- Log in --------------------------------------------------------------------------------

async function login(event) {
  event.preventDefault();
  const error = $('#login-error');
  error.textContent = '';
  session.token = $('#token').value.trim();
  try {
    await api('/v1/version');
    $('#token').value = '';
    route();
  } catch (e) {
    session.token = null;
    error.textContent = e.message;
  }
}

function logout(message = '') {
  sessionStorage.clear(); // the token and the drafts
  if (live) live.controller.abort();
  live = null;
  $('#nav').hidden = $('#logout').hidden = true;
  $('#login-error').textContent = message;
  show('login');
  $('#token').focus();
}

// ---- Configuration editor ------------------------------------------------------------------

let defaultLoaded = false, validationTimer = 0, validationSequence = 0;

async function prepareEditor() {
  if (!defaultLoaded) {
    try {
      // A draft of this tab survives a reload.
      $('#config').value = sessionStorage.getItem('kb-config') ?? await api('/v1/config/default');
      $('#label').value = sessionStorage.getItem('kb-label') ?? '';
      defaultLoaded = true;
      validate();
    } catch (e) { $('#run-message').textContent = e.message; }
  }
  if (live) drawLive(); // at the panel's width: it may have changed while hidden
  else attachToLiveRun();
}

function scheduleValidation() {
  sessionStorage.setItem('kb-config', $('#config').value);
  clearTimeout(validationTimer);
  validationTimer = setTimeout(validate, 400);
}

async function validate() {
  const sequence = ++validationSequence, box = $('#validation');
  let result;
  try {
    result = await api('/v1/config/validate', { method: 'POST', body: { config: $('#config').value, cloud: $('#cloud').value } });
  } catch (e) {
    if (sequence === validationSequence) box.replaceChildren(el('p', { class: 'error' }, e.message));
    return;
  }
  if (sequence !== validationSequence) return; // an older answer than what is shown
  const errors = result.errors.map((e) => el('li', {},
    el('button', { type: 'button', class: 'link', onclick: () => goToLine(e.line) }, `line ${e.line}`), ' ',
    el('code', {}, e.path), ` ${e.message}`, e.suggestion ? el('span', { class: 'hint' }, ` ${e.suggestion}`) : null));
  fill(box,
    el('p', { class: result.valid ? 'valid' : 'error' }, result.valid ? '✓ valid' : `✗ ${result.errors.length} error${result.errors.length === 1 ? '' : 's'}`),
    errors.length ? el('ul', { class: 'errors' }, errors) : null,
    result.notes.length ? el('ul', { class: 'notes' }, result.notes.map((n) => el('li', {}, n))) : null);
}

/** Puts the caret at the start of line n and scrolls to it. */
function goToLine(n) {
  const area = $('#config'), lines = area.value.split('\n');
  const offset = lines.slice(0, Math.max(0, n - 1)).reduce((sum, line) => sum + line.length + 1, 0);
  area.focus();
  area.setSelectionRange(offset, offset + (lines[n - 1] || '').length);
  area.scrollTop = Math.max(0, (n - 4) * parseFloat(getComputedStyle(area).lineHeight));
  showCursor();
}

function showCursor() {
  const area = $('#config');
  const line = area.value.slice(0, area.selectionStart).split('\n').length;
  $('#cursor').textContent = `(line ${line})`;
}

async function start(event) {
  event.preventDefault();
  const message = $('#run-message');
  message.textContent = 'starting…';
  try {
    const reply = await api('/v1/runs', { method: 'POST', body: { config: $('#config').value, cloud: $('#cloud').value, label: $('#label').value } });
    message.textContent = `started ${reply.run_id}`;
    watch(reply.run_id, $('#label').value);
  } catch (e) {
    message.textContent = e.message;
  }
}

async function interrupt(verb) {
  if (!live) return;
  const message = $('#run-message');
  try {
    const reply = await api(`/v1/runs/${encodeURIComponent(live.id)}/${verb}`, { method: 'POST' });
    message.textContent = `${reply.run_id}: ${reply.status}`;
  } catch (e) {
    message.textContent = e.message;
  }
}

// ---- Live view -----------------------------------------------------------------------------

let live = null;

/** Shows the run this server is running now, if there is one. */
async function attachToLiveRun() {
  try {
    const running = (await api('/v1/runs')).runs.find((run) => run.live);
    if (running && !live) watch(running.id, running.label);
  } catch { /* the history view says what is wrong */ }
}

/** Follows a run's event stream into the live panel. */
function watch(id, label) {
  if (live) live.controller.abort();
  live = { id, controller: new AbortController(), lastID: 0, intervals: [], lost: 0, finished: false };
  $('#live-run').textContent = label ? `${id} — ${label}` : id;
  for (const field of ['#joined', '#total', '#lost', '#count']) $(field).textContent = '0';
  $('#verdict').replaceChildren();
  $('#progress').replaceChildren();
  $('#stop').disabled = $('#abort').disabled = false;
  drawLive();
  follow(live);
}

/**
 * Reads the event stream with fetch (EventSource cannot send the token) and reconnects after
 * a drop with Last-Event-ID, so nothing is lost or repeated.
 */
async function follow(run) {
  while (!run.finished && !run.controller.signal.aborted) {
    try {
      const extra = run.lastID ? { 'Last-Event-ID': String(run.lastID) } : {};
      const response = await fetch(`/v1/runs/${encodeURIComponent(run.id)}/events`, { headers: headers(extra), signal: run.controller.signal });
      if (!response.ok) {
        const message = await errorMessage(response);
        if (response.status === 401) return logout(message);
        return note(run, `events: ${message}`);
      }
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          dispatch(run, buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
        }
      }
    } catch (e) {
      if (run.controller.signal.aborted) return;
      note(run, `event stream dropped (${e.message}); reconnecting`);
    }
    if (!run.finished) await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}

/** One SSE block: `id:`, `event:` and `data:` lines. */
function dispatch(run, block) {
  let id = 0, name = 'message', data = '';
  for (const line of block.split('\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const field = line.slice(0, colon), value = line.slice(colon + 1).replace(/^ /, '');
    if (field === 'id') id = Number(value);
    else if (field === 'event') name = value;
    else if (field === 'data') data += value;
  }
  if (!data || run !== live) return;
  if (id) run.lastID = id;
  const event = JSON.parse(data);
  switch (name) {
    case 'progress': case 'line': note(run, event.text); break;
    case 'agent_joined':
      $('#joined').textContent = event.joined;
      $('#total').textContent = event.total;
      break;
    case 'agent_lost':
      $('#lost').textContent = ++run.lost;
      note(run, `agent ${event.agent} lost: ${event.reason}`, 'error');
      break;
    case 'interval':
      run.intervals.push(event);
      drawLive();
      break;
    case 'finished':
      run.finished = true;
      $('#stop').disabled = $('#abort').disabled = true;
      note(run, `finished: ${event.status}`);
      $('#verdict').replaceChildren(verdictDetail(event.verdict),
        el('p', {}, el('a', { href: `#runs/${encodeURIComponent(run.id)}` }, 'Open the result')));
      break;
  }
}

function note(run, text, kind) {
  if (run !== live) return;
  const list = $('#progress');
  list.append(el('li', { class: kind }, el('time', {}, new Date().toLocaleTimeString()), ' ', text));
  while (list.children.length > 300) list.firstChild.remove();
  list.scrollTop = list.scrollHeight;
}

function drawLive() {
  $('#count').textContent = live ? live.intervals.length : 0;
  const grid = $('#live-charts');
  grid.replaceChildren(...runCharts(live ? live.intervals : [], chartWidth(grid, 3)));
}

// ---- History -------------------------------------------------------------------------------

let selected = [];

async function loadHistory() {
  const body = $('#runs tbody');
  let runs;
  try {
    runs = (await api('/v1/runs')).runs;
  } catch (e) {
    return body.replaceChildren(el('tr', {}, el('td', { colspan: 7, class: 'error' }, e.message)));
  }
  selected = selected.filter((id) => runs.some((run) => run.id === id));
  body.replaceChildren(...runs.map((run) => el('tr', {},
    el('td', {}, el('input', { type: 'checkbox', 'aria-label': `compare ${run.id}`, 'data-run': run.id,
      checked: selected.includes(run.id), onchange: (e) => select(run.id, e.target.checked) })),
    el('td', {}, el('a', { href: `#runs/${encodeURIComponent(run.id)}` }, run.id)),
    el('td', {}, run.label || ''),
    el('td', {}, run.cloud),
    el('td', {}, run.live ? el('span', { class: 'badge live' }, run.status) : (run.result_status || run.status)),
    el('td', {}, formatDate(run.started_at)),
    el('td', {}, verdictView(run.verdict)))));
  if (!runs.length) body.replaceChildren(el('tr', {}, el('td', { colspan: 7, class: 'hint' }, 'No runs yet.')));
  $('#compare-selected').disabled = selected.length < 2;
}

function select(id, on) {
  selected = selected.filter((s) => s !== id);
  if (on) selected.push(id);
  $('#compare-selected').disabled = selected.length < 2;
}

// ---- One run -------------------------------------------------------------------------------

/** A run's last stage and whole-run errors: what the comparison compares. */
function summary(result) {
  const stage = result.kb_result[result.kb_result.length - 1] || { latency_stats: [] };
  const at = (p) => (stage.latency_stats.find(([q]) => q === p) || [])[1];
  const errors = Object.values(result.errors || {}).reduce((a, b) => a + b, 0);
  return { rps: stage.http_rps, p50: at(50), p99: at(99), p999: at(99.9), errors };
}

async function openRun(id) {
  const box = $('#detail');
  box.replaceChildren(el('p', { class: 'hint' }, `loading ${id}…`));
  let run, result;
  try { run = await api(`/v1/runs/${encodeURIComponent(id)}`); } catch (e) {
    return box.replaceChildren(el('p', { class: 'error' }, e.message));
  }
  try { result = await api(`/v1/runs/${encodeURIComponent(id)}/result`); } catch (e) { result = e; }
  const message = el('p', { class: 'error', role: 'alert' });
  const base = `/v1/runs/${encodeURIComponent(id)}`;
  const file = (name, path) => el('button', { type: 'button', class: 'quiet', onclick: () => openFile(base + path, message) }, name);
  const head = [
    el('h2', {}, run.id, run.label ? el('span', { class: 'label' }, ` ${run.label}`) : null),
    el('p', { class: 'meta' }, `${run.cloud} · ${run.result_status || run.status} · started ${formatDate(run.started_at)}`,
      run.ended_at ? ` · ended ${formatDate(run.ended_at)}` : ''),
  ];
  if (result instanceof Error) {
    return fill(box, head, el('p', { class: 'error' }, result.message),
      run.live ? el('button', { type: 'button', onclick: () => { watch(run.id, run.label); location.hash = '#run'; } }, 'Watch it live') : null);
  }
  const stages = el('table', {},
    el('thead', {}, el('tr', {}, ['Stage', 'Description', 'Clients', 'Connections', 'Rate limit', 'req/s', 'Requests', 'p50', 'p90', 'p99', 'p99.9', 'Socket errors', 'Timeouts', 'Verdict']
      .map((h, n) => el('th', { scope: 'col', class: n >= 5 && n < 13 ? 'num' : undefined }, h)))),
    el('tbody', {}, result.kb_result.map((s) => {
      const at = (p) => formatMicroseconds((s.latency_stats.find(([q]) => q === p) || [])[1]);
      return el('tr', {}, el('td', {}, s.stage), el('td', {}, s.description), el('td', {}, s.total_client_vms),
        el('td', {}, s.total_connections), el('td', {}, s.http_rate_limit || 'none'), el('td', { class: 'num' }, formatNumber(s.http_rps)),
        el('td', { class: 'num' }, s.http_total_req), ...[50, 90, 99, 99.9].map((p) => el('td', { class: 'num' }, at(p))),
        el('td', { class: 'num' }, s.http_sock_err), el('td', { class: 'num' }, s.http_sock_timeout), el('td', {}, verdictView(s.verdict)));
    })));
  box.replaceChildren(...head, verdictDetail(result.verdict),
    el('p', { class: 'row' }, file('report.html', '/report.html'), file('result.hlog', '/result.hlog'), file('result JSON', '/result')), message,
    el('h3', {}, 'Stages'), el('div', { class: 'scroll' }, stages),
    el('div', { class: 'charts' }));
  const grid = box.querySelector('.charts');
  grid.append(...runCharts(result.intervals || [], chartWidth(grid, 3)));
}

// ---- Compare -------------------------------------------------------------------------------

let compared = [];

async function compare(ids) {
  const box = $('#compare');
  if (!ids || ids.length < 2) return box.replaceChildren(el('p', { class: 'hint' }, 'Tick two or more runs in the history, then Compare selected.'));
  box.replaceChildren(el('p', { class: 'hint' }, 'loading…'));
  try {
    compared = await Promise.all(ids.map(async (id) => {
      const result = await api(`/v1/runs/${encodeURIComponent(id)}/result`);
      return { id, label: result.label || '', result, summary: summary(result) };
    }));
  } catch (e) {
    return box.replaceChildren(el('p', { class: 'error' }, e.message));
  }
  drawComparison();
}

function drawComparison() {
  if (compared.length < 2) return;
  const key = $('#percentile').value, name = $('#percentile').selectedOptions[0].textContent;
  const series = (f) => compared.map((run, n) => {
    const x = timeline(run.result.intervals || []);
    return { name: `${n === 0 ? 'baseline: ' : ''}${run.label || run.id}`, color: COLORS[n % COLORS.length], width: n === 0 ? 3 : 2,
      dash: n === 0 ? undefined : '6 3', points: (run.result.intervals || []).map((i, k) => [+x[k].toFixed(2), f(i)]) };
  });
  const base = compared[0].summary;
  const metrics = [['rps', 'req/s', formatNumber, +1], ['p50', 'p50', formatMicroseconds, -1], ['p99', 'p99', formatMicroseconds, -1],
    ['p999', 'p99.9', formatMicroseconds, -1], ['errors', 'errors', formatNumber, -1]];
  const cell = (run, [metric, , format, better], n) => {
    const value = run.summary[metric], reference = base[metric];
    if (n === 0) return el('td', { class: 'num' }, format(value));
    const delta = +(reference ? (value - reference) / reference * 100 : (value ? Infinity : 0)).toFixed(1);
    const sign = Math.sign(delta) * better;
    const text = !Number.isFinite(delta) ? 'new' : delta === 0 ? '±0%' : `${delta > 0 ? '+' : ''}${delta}%`;
    return el('td', { class: 'num' }, format(value), ' ', el('span', { class: `delta ${sign > 0 ? 'better' : sign < 0 ? 'worse' : ''}` }, text));
  };
  const table = el('table', { id: 'differences' },
    el('caption', {}, 'Last stage of each run against the baseline (errors: whole run)'),
    el('thead', {}, el('tr', {}, ['Run', 'Label', ...metrics.map(([, title]) => title), 'Verdict']
      .map((title, n) => el('th', { scope: 'col', class: n >= 2 && n <= metrics.length + 1 ? 'num' : undefined }, title)))),
    el('tbody', {}, compared.map((run, n) => el('tr', { class: n === 0 ? 'baseline' : '' },
      el('th', { scope: 'row' }, el('a', { href: `#runs/${encodeURIComponent(run.id)}` }, run.id)), el('td', {}, run.label || (n === 0 ? '(baseline)' : '')),
      metrics.map((m) => cell(run, m, n)), el('td', {}, verdictView(run.result.verdict))))));
  const grid = el('div', { class: 'charts' });
  $('#compare').replaceChildren(el('div', { class: 'scroll' }, table), grid);
  const width = chartWidth(grid, 2);
  grid.append(chart({ title: 'Requests per second', width, series: series((i) => i.rps) }),
    chart({ title: `${name} latency (log scale)`, width, log: true, format: formatMicroseconds, series: series((i) => i[key]) }));
}

// ---- Wiring --------------------------------------------------------------------------------

document.addEventListener('DOMContentLoaded', () => {
  $('#login-form').addEventListener('submit', login);
  $('#logout').addEventListener('click', () => logout());
  $('#run-form').addEventListener('submit', start);
  $('#stop').addEventListener('click', () => interrupt('stop'));
  $('#abort').addEventListener('click', () => interrupt('abort'));
  $('#config').addEventListener('input', scheduleValidation);
  for (const event of ['keyup', 'click']) $('#config').addEventListener(event, showCursor);
  $('#cloud').addEventListener('change', validate);
  $('#refresh').addEventListener('click', loadHistory);
  $('#compare-selected').addEventListener('click', () => { location.hash = `#compare/${selected.join(',')}`; });
  $('#percentile').addEventListener('change', drawComparison);
  $('#label').addEventListener('input', () => sessionStorage.setItem('kb-label', $('#label').value));
  window.addEventListener('hashchange', route);
  let resizeTimer = 0;
  window.addEventListener('resize', () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => { if (live) drawLive(); drawComparison(); }, 200);
  });
  route();
});
