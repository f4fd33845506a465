// Need over time (issue 13): the vintage A -> B control, the change map (need rose / no change /
// need fell on a diverging colour-blind-safe palette), the emerging gaps and the profile sparkline.
// The server computes the change (`change_from`, `change_to`, `series` on the area routes); this
// module only chooses, colours and lists. Pure functions first (unit-tested under node), then
// the DOM parts.

/** ColorBrewer PuOr (colour-blind safe): orange = need rose, near white = no change, purple = fell. */
export const CHANGE_COLOURS = Object.freeze({
  'need-rose': '#e66101',
  'no-change': '#f7f7f7',
  'need-fell': '#5e3c99',
  'no-data': '#d9d9d9',
});

export const CHANGE_CAVEAT = 'Ranks of different editions are not compared; deciles are relative to England in each edition.';

/** The first series of `/api/meta` (`change.series`), or null when the manifest has none. */
export function firstSeries(raw) {
  const s = raw?.change?.series;
  return Array.isArray(s) && s.length > 0 ? s[0] : null;
}

/** Vintage labels of a series, oldest first. */
export function vintages(series) {
  return (series?.vintages ?? []).map((v) => String(v.vintage));
}

/**
 * The vintages A -> B to show: those of the state when the series has them and they differ,
 * else the oldest and the newest.
 */
export function chosenVintages(series, from, to) {
  const all = vintages(series);
  if (all.length < 2) return null;
  const a = all.includes(from) ? from : all[0];
  let b = all.includes(to) ? to : all[all.length - 1];
  if (a === b) b = all.find((v) => v !== a);
  return { from: a, to: b };
}

/** The map title of the trend view: "Need over time: IMD 2015 to 2025". */
export function trendTitle(raw, state) {
  const series = firstSeries(raw);
  const v = chosenVintages(series, state.trendFrom, state.trendTo);
  return v ? `Need over time: ${series.id.toUpperCase()} ${v.from} to ${v.to}` : '';
}

/** The change parameters of the areas request (`series`, `change_from`, `change_to`). */
export function changeParams(series, from, to) {
  const v = chosenVintages(series, from, to);
  return v ? { series: series.id, change_from: v.from, change_to: v.to } : {};
}

/** The MapLibre fill colour of the change class. */
export function changeExpression() {
  return ['match', ['get', 'change_class'],
    'need-rose', CHANGE_COLOURS['need-rose'],
    'no-change', CHANGE_COLOURS['no-change'],
    'need-fell', CHANGE_COLOURS['need-fell'],
    CHANGE_COLOURS['no-data']];
}

/** Areas per class. */
export function classCounts(features) {
  const counts = { 'need-rose': 0, 'no-change': 0, 'need-fell': 0, 'no-data': 0 };
  for (const f of features) {
    const c = f.properties?.change_class;
    counts[c in counts ? c : 'no-data']++;
  }
  return counts;
}

/** Emerging gaps (`emerging_gap` = 1), need rose most first (`change_rank`). */
export function emergingGaps(features) {
  return features
    .filter((f) => f.properties?.emerging_gap === 1)
    .sort((a, b) => (a.properties.change_rank ?? Infinity) - (b.properties.change_rank ?? Infinity));
}

/** The score of each vintage of `series` for one area: [{ vintage, value }] (value null when missing). */
export function seriesScores(series, props) {
  return (series?.vintages ?? [])
    .filter((v) => v.score)
    .map((v) => ({ vintage: String(v.vintage), value: Number.isFinite(props?.[v.score]) ? props[v.score] : null }));
}

const fmt = (v) => (Math.round(v * 10) / 10).toLocaleString('en-GB', { minimumFractionDigits: 1, maximumFractionDigits: 1 });

/**
 * An inline SVG sparkline of the scores per vintage (x by vintage year, y by score, higher = more
 * need upwards), with the first and last values written beside it. Empty without two values.
 */
export function sparklineSvg(points, { width = 150, height = 36, label = 'score' } = {}) {
  const known = points.filter((p) => Number.isFinite(p.value));
  if (known.length < 2) return '';
  const xs = known.map((p) => Number.parseFloat(p.vintage));
  const ys = known.map((p) => p.value);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  const [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  const pad = 4;
  const w = width - 2 * pad;
  const h = height - 2 * pad - 10;
  const px = (x) => pad + (x1 > x0 ? ((x - x0) / (x1 - x0)) * w : w / 2);
  const py = (y) => pad + (y1 > y0 ? (1 - (y - y0) / (y1 - y0)) * h : h / 2);
  const line = known.map((p, i) => `${px(xs[i]).toFixed(1)},${py(p.value).toFixed(1)}`).join(' ');
  const dots = known.map((p, i) => `<circle cx="${px(xs[i]).toFixed(1)}" cy="${py(p.value).toFixed(1)}" r="2.2"/>`).join('');
  const words = known.map((p) => `${p.vintage} ${fmt(p.value)}`).join(', ');
  const ticks = known.map((p, i) => `<text x="${px(xs[i]).toFixed(1)}" y="${height - 1}" text-anchor="${i === 0 ? 'start' : i === known.length - 1 ? 'end' : 'middle'}">${p.vintage}</text>`).join('');
  return `<svg class="sparkline" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${label}: ${words}">`
    + `<polyline points="${line}" fill="none" stroke="currentColor" stroke-width="1.5"/>${dots}${ticks}</svg>`
    + `<span class="sparkline-values">${words}</span>`;
}

/** The profile popup's section: the sparkline of the series' scores for this area. */
export function sparklineSection(series, props, escapeHtml) {
  if (!series) return '';
  const svg = sparklineSvg(seriesScores(series, props), { label: `${series.id.toUpperCase()} score` });
  if (!svg) return '';
  const deciles = Number.isFinite(props.change_decile_from) && Number.isFinite(props.change_decile_to)
    ? `National decile ${props.change_decile_from} → ${props.change_decile_to}: ` : '';
  const cls = props.change_class ? `<p class="meta">${escapeHtml(deciles + String(props.change_class).replace(/-/g, ' '))}</p>` : '';
  return `<h4>${escapeHtml(series.id.toUpperCase())} score over time</h4><div class="trend-spark">${svg}</div>${cls}`;
}

// ------------------------------------------------------------------ DOM

/**
 * Fill the vintage selects and wire them: `onChange({ trendFrom, trendTo })`. Hides the view
 * radio and the controls when the manifest has no series.
 */
export function setupTrendControls({ raw, state, onChange, $ }) {
  const series = firstSeries(raw);
  const radio = document.querySelector('input[name=view][value=trend]')?.closest('label');
  if (radio) radio.hidden = !series;
  if (!series) return;
  for (const id of ['trend-from', 'trend-to']) {
    const sel = $(id);
    sel.replaceChildren(...vintages(series).map((v) => new Option(v, v)));
    sel.addEventListener('change', () => onChange({ trendFrom: $('trend-from').value, trendTo: $('trend-to').value }));
  }
  syncTrendControls({ raw, state, $ });
}

/** Show the vintage controls in the trend view, with the state's vintages selected. */
export function syncTrendControls({ raw, state, $ }) {
  const box = $('trend-controls');
  if (!box) return;
  const series = firstSeries(raw);
  box.hidden = !(series && state.view === 'trend');
  const v = chosenVintages(series, state.trendFrom, state.trendTo);
  if (!v) return;
  $('trend-from').value = v.from;
  $('trend-to').value = v.to;
}

function ensureOutlineLayer(map) {
  if (map.getSource('emerging')) return;
  map.addSource('emerging', { type: 'geojson', data: { type: 'FeatureCollection', features: [] } });
  map.addLayer({ id: 'emerging-line', type: 'line', source: 'emerging', paint: { 'line-color': '#000000', 'line-width': 3, 'line-dasharray': [2, 1] } });
}

/** Clear the emerging-gap outlines (when leaving the trend view). */
export function clearTrend(map) {
  map.getSource('emerging')?.setData({ type: 'FeatureCollection', features: [] });
}

/**
 * Draw the change map. `ctx`: { map, raw, state, plural, categoryLabel, setAreaData, paintAreas,
 * legend, list, el, areaName, onPick, areas }.
 */
export function renderTrend(features, ctx) {
  const { el } = ctx;
  const series = firstSeries(ctx.raw);
  const v = chosenVintages(series, ctx.state.trendFrom, ctx.state.trendTo);
  ctx.setAreaData(ctx.areas);
  ensureOutlineLayer(ctx.map);
  const offered = series?.levels ?? [];
  if (!series || !v || !features.some((f) => f.properties?.change_class)) {
    ctx.paintAreas(CHANGE_COLOURS['no-data']);
    clearTrend(ctx.map);
    const text = !series ? 'This dataset has no indicator series over time.'
      : `Need over time is shown for ${offered.join(', ') || 'no level'}; choose one of those levels.`;
    ctx.legend.replaceChildren(el('p', {}, text));
    ctx.list.replaceChildren(el('p', { class: 'status' }, text));
    return;
  }
  ctx.paintAreas(changeExpression());
  const counts = classCounts(features);
  const published = features.some((f) => Number.isFinite(f.properties?.change_decile));
  const rule = published
    ? 'Need rose: the national decile moved down (more deprived); fell: moved up.'
    : `Need rose: the share of residents in national deciles 1-2 rose by at least ${(ctx.raw.change.share_tolerance ?? 0.05) * 100} percentage points; fell: fell by as much.`;
  const rows = [['need-rose', 'Need rose'], ['no-change', 'No change'], ['need-fell', 'Need fell'], ['no-data', 'No data']]
    .filter(([id]) => id !== 'no-data' || counts[id] > 0)
    .map(([id, label]) => el('li', { 'data-class': id },
      el('span', { class: 'swatch', style: `background:${CHANGE_COLOURS[id]}` }), el('span', {}, label),
      el('span', { class: 'count', title: 'areas' }, counts[id].toLocaleString('en-GB'))));
  const title = trendTitle(ctx.raw, ctx.state);
  const emerging = emergingGaps(features);
  const hasCategory = features.some((f) => f.properties?.emerging_gap !== undefined);
  ctx.map.getSource('emerging').setData({ type: 'FeatureCollection', features: emerging.map((f) => ({ type: 'Feature', geometry: f.geometry, properties: { code: f.properties.code } })) });
  ctx.legend.replaceChildren(
    el('div', { class: 'legend-title' }, title),
    el('ul', { class: 'legend-items trend-legend' }, ...rows),
    ...(hasCategory ? [el('p', { class: 'axis-note' }, `Dashed outline: emerging gap (need rose and access to ${ctx.categoryLabel} in the lowest third).`)] : []),
    el('p', { class: 'axis-note' }, rule),
    el('p', { class: 'axis-note trend-caveat' }, ctx.raw.change.caveat ?? CHANGE_CAVEAT),
  );
  if (!hasCategory) {
    ctx.list.replaceChildren(el('p', { class: 'status' }, 'Choose a service category (under Services) to list emerging gaps: areas whose need rose and whose access is poor.'));
    return;
  }
  const list = el('ol', { class: 'gap-list', 'aria-label': 'Emerging gaps, need rose most first' });
  for (const f of emerging.slice(0, 25)) {
    const button = el('button', { type: 'button' }, el('span', {}, ctx.areaName(f.properties)));
    button.addEventListener('click', () => ctx.onPick(f));
    list.append(el('li', {}, button));
  }
  ctx.list.replaceChildren(
    el('p', { class: 'legend-sub' }, emerging.length
      ? `${emerging.length} emerging gap(s): ${ctx.plural} whose need rose ${v.from} to ${v.to} and whose access to ${ctx.categoryLabel} is in the lowest third. Need rose most first; click to zoom.`
      : `No emerging gaps: no ${ctx.plural} whose need rose ${v.from} to ${v.to} have access to ${ctx.categoryLabel} in the lowest third.`),
    list,
  );
}
