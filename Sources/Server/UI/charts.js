// KloudBuster web UI, charts: inline SVG line charts. Plain JavaScript over the REST API of `kloudbuster serve`
// (docs/openapi.yaml); index.html loads base.js, charts.js, live.js and app.js in that order.
// Every text that comes from the server reaches the page through textContent or setAttribute,
// never through innerHTML.
'use strict';

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

/**
 * The three charts of one run: throughput, latency percentiles, errors by kind. A group's
 * intervals may lack percentiles (large runs keep only its counters): those points are left out.
 */
function runCharts(intervals, width, scope = '') {
  const x = timeline(intervals);
  const points = (f) => intervals.map((i, n) => [+x[n].toFixed(2), f(i)]).filter((p) => p[1] != null);
  const kinds = ERROR_KINDS.filter((k) => intervals.some((i) => i.errors && i.errors[k] > 0));
  const errorSeries = kinds.length
    ? kinds.map((k) => ({ name: k, color: COLORS[ERROR_KINDS.indexOf(k) + 1], points: points((i) => i.errors[k]) }))
    : [{ name: 'no errors', color: '#9ca3af', points: points(() => 0) }];
  return [
    chart({ title: `Requests per second${scope}`, width, series: [{ name: 'req/s', color: COLORS[0], points: points((i) => i.rps) }] }),
    chart({ title: `Latency (log scale)${scope}`, width, log: true, format: formatMicroseconds,
      series: PERCENTILES.map(([key, name], n) => ({ name, color: COLORS[n], points: points((i) => i[key]) })) }),
    chart({ title: `Errors per interval, by kind${scope}`, width, series: errorSeries }),
  ];
}
