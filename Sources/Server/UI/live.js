// KloudBuster web UI, the live view: a run's event stream into counters, charts and the group table. Plain JavaScript over the REST API of `kloudbuster serve`
// (docs/openapi.yaml); index.html loads base.js, charts.js, live.js and app.js in that order.
// Every text that comes from the server reaches the page through textContent or setAttribute,
// never through innerHTML.
'use strict';

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
  live = { id, controller: new AbortController(), lastID: 0, intervals: [], lost: 0, finished: false, groups: [] };
  $('#live-group').replaceChildren(el('option', { value: '' }, 'all groups'));
  $('#live-group-row').hidden = $('#live-groups').hidden = true;
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
      for (const group of event.groups || []) {
        if (run.groups.includes(group.group)) continue;
        run.groups.push(group.group);
        $('#live-group').append(el('option', { value: group.group }, group.group));
        $('#live-group-row').hidden = false;
      }
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

/** One group's share of each interval, shaped like the intervals themselves. */
function groupIntervals(intervals, name) {
  return intervals.flatMap((i) => {
    const group = (i.groups || []).find((g) => g.group === name);
    return group ? [{ ...group, start_unix_ns: i.start_unix_ns, duration_s: i.duration_s }] : [];
  });
}

function drawLive() {
  $('#count').textContent = live ? live.intervals.length : 0;
  const grid = $('#live-charts'), group = $('#live-group').value;
  const intervals = !live ? [] : group ? groupIntervals(live.intervals, group) : live.intervals;
  grid.replaceChildren(...runCharts(intervals, chartWidth(grid, 3), group ? ` — ${group}` : ''));
  const last = live && live.intervals.length ? live.intervals[live.intervals.length - 1].groups || [] : [];
  $('#live-groups').hidden = last.length === 0;
  $('#live-groups tbody').replaceChildren(...last.map((g) => el('tr', {},
    el('td', {}, g.group), el('td', {}, String(g.agents)), el('td', {}, formatNumber(g.rps)),
    ...['p50_us', 'p99_us', 'p999_us', 'max_us'].map((k) => el('td', {}, g[k] == null ? '—' : formatMicroseconds(g[k]))),
    el('td', {}, String(ERROR_KINDS.reduce((sum, k) => sum + ((g.errors || {})[k] || 0), 0))))));
}
