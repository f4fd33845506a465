// Squares of where people live (issue 13): the gap map from every postcode unit, summarised on
// 250 m, 500 m or 1 km squares of the British National Grid (`/api/grid.geojson`). The server
// aggregates and withholds squares with too few residents or postcode units (the `grid` member
// counts them); this module only asks, colours (the gap map's bivariate classes), lists and
// describes. Pure functions first (unit-tested under node), then the map parts.

import { bivariateClasses, rankGaps } from './gaps.js';
import { bivariateExpression } from './layers.js';

/** Square sizes offered in the page, metres (the server's `grid.sizes_m`). */
export const SQUARE_SIZES = Object.freeze(['250', '500', '1000']);

/** `500` -> '500 m', `1000` -> '1 km'. */
export function sizeWords(size) {
  const m = Number(size);
  return m >= 1000 && m % 1000 === 0 ? `${m / 1000} km` : `${m} m`;
}

/** Whether the server offers squares (a `[postcodes]` file) and the page is not a published copy. */
export function squaresOffered(raw, isStatic) {
  return !isStatic && raw?.grid?.available === true;
}

/**
 * Query of `/api/grid.geojson` for the gap map's choice: the service filter, method, travel,
 * catchment and scenario of the areas request, the square size, and the need indicator only
 * when it is published where the squares count need (`needLevel`, the level of the squares'
 * populations; else the server's default need for the category).
 */
export function squaresQuery(areaParams, size, { indicatorLevels = null, needLevel = null } = {}) {
  const q = { cell: String(size) };
  for (const [k, v] of Object.entries(areaParams)) if (!['series', 'change_from', 'change_to', 'indicator'].includes(k)) q[k] = v;
  const { indicator } = areaParams;
  if (indicator && (!Array.isArray(indicatorLevels) || (needLevel && indicatorLevels.includes(needLevel)))) q.indicator = indicator;
  return q;
}

/** The squares with their `_bivariate` cell (need * 3 + access; -1 unclassified). */
export function classifySquares(doc) {
  const features = doc?.features ?? [];
  const cells = bivariateClasses(features);
  const counts = [[0, 0, 0], [0, 0, 0], [0, 0, 0]];
  let noData = 0;
  const out = features.map((f, i) => {
    const c = cells[i];
    if (c) counts[c[0]][c[1]]++; else noData++;
    return { ...f, properties: { ...f.properties, _bivariate: c ? c[0] * 3 + c[1] : -1 } };
  });
  return { data: { type: 'FeatureCollection', features: out }, counts, noData };
}

const count = (n) => Number(n ?? 0).toLocaleString('en-GB', { maximumFractionDigits: 0 });

/**
 * The legend's sentence on what the squares are and what was withheld:
 * "576 squares of 500 m, from 13,506 postcode units. 322 squares with fewer than 100 residents
 * or 3 postcode units (6,543 residents) are not shown, so that no square gives one postcode's figure."
 */
export function squaresNote(doc) {
  const g = doc?.grid;
  if (!g) return '';
  const shown = `${count(g.published)} squares of ${sizeWords(g.size_m)}, measured from where people live (postcode units).`;
  if (!g.withheld) return shown;
  return `${shown} ${count(g.withheld)} squares with fewer than ${count(g.min_population)} residents or ${count(g.min_postcodes)} postcode units (${count(g.withheld_residents)} residents) are not shown, so that no square gives one postcode's figure.`;
}

/** The squares ranked by unmet need (the server's `gap_rank` among squares), largest first. */
export function rankSquares(doc, limit = 25) {
  return rankGaps(doc?.features ?? []).slice(0, limit);
}

/** Popup HTML of a square: its grid reference, residents, nearest time, unmet need, class. */
export function squareHtml(p, { escapeHtml, formatValue, what }) {
  const row = (k, v) => `<tr><th scope="row">${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`;
  const rows = [
    row('Residents (modelled)', formatValue(p.population, '', 0)),
    Number.isFinite(p.nearest_min) ? row(`Nearest ${what}`, `${formatValue(p.nearest_min, '', 1)} min`) : '',
    Number.isFinite(p.nearest_m) ? row('Straight-line distance', `${formatValue(p.nearest_m, '', 0)} m`) : '',
    Number.isFinite(p.in_need) ? row('People in need', formatValue(p.in_need, '', 0)) : '',
    Number.isFinite(p.unmet_need) ? row('Unmet need (people)', formatValue(p.unmet_need, '', 0)) : '',
    p.gap_class ? row('Gap class', String(p.gap_class).replace('/', ', ').replace(/-/g, ' ')) : '',
    Number.isFinite(p.gap_rank) ? row('Rank by unmet need', `${p.gap_rank} among the squares`) : '',
    row('Postcode units', formatValue(p.postcodes, '', 0)),
  ].join('');
  return `<h3>${escapeHtml(p.name ?? p.code ?? 'Square')}</h3><table class="profile">${rows}</table>`
    + '<p class="popup-note">Residents are shared equally among the postcode units of each LSOA.</p>';
}

// ------------------------------------------------------------------ map

const EMPTY = { type: 'FeatureCollection', features: [] };

/** Add the squares' source and layers, under the area boundaries so they stay readable. */
export function addSquaresLayers(map) {
  if (map.getSource('squares')) return;
  map.addSource('squares', { type: 'geojson', data: EMPTY });
  const before = map.getLayer('areas-line') ? 'areas-line' : undefined;
  map.addLayer({
    id: 'squares-fill', type: 'fill', source: 'squares', layout: { visibility: 'none' },
    paint: { 'fill-color': bivariateExpression(), 'fill-opacity': 0.92 },
  }, before);
  map.addLayer({
    id: 'squares-line', type: 'line', source: 'squares', layout: { visibility: 'none' },
    paint: { 'line-color': '#ffffff', 'line-width': ['interpolate', ['linear'], ['zoom'], 10, 0.2, 14, 1] },
  }, before);
}

/** Draw `data` (from `classifySquares`) and show the layers. */
export function showSquares(map, data) {
  map.getSource('squares')?.setData(data);
  for (const id of ['squares-fill', 'squares-line']) if (map.getLayer(id)) map.setLayoutProperty(id, 'visibility', 'visible');
}

/** Hide the layers (only when shown: a layout change costs a frame). */
export function hideSquares(map) {
  for (const id of ['squares-fill', 'squares-line']) {
    if (map.getLayer(id) && map.getLayoutProperty(id, 'visibility') !== 'none') map.setLayoutProperty(id, 'visibility', 'none');
  }
}
