// KloudBuster web UI, views, history, one run, compare and the wiring. Plain JavaScript over the REST API of `kloudbuster serve`
// (docs/openapi.yaml); index.html loads base.js, charts.js, live.js and app.js in that order.
// Every text that comes from the server reaches the page through textContent or setAttribute,
// never through innerHTML.
'use strict';

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
  $('#live-group').addEventListener('change', () => { if (live) drawLive(); });
  $('#label').addEventListener('input', () => sessionStorage.setItem('kb-label', $('#label').value));
  window.addEventListener('hashchange', route);
  let resizeTimer = 0;
  window.addEventListener('resize', () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => { if (live) drawLive(); drawComparison(); }, 200);
  });
  route();
});
