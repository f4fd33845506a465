// The change view's legend and its list of the areas improving most and getting worse (DOM).
import { el } from '../legend.js';
import { formatNumber } from '../format.js';
import { CHANGE_COLOURS, CHANGE_NO_DATA, rankChanges, changeExpression, withChangeClasses } from './change.js';

/** Legend: five classes (much worse .. much improved) with their area counts. */
export function changeLegend({ counts, noData, much, scenarioName, plural }) {
  const ul = el('ul', { class: 'legend-items' });
  const muchText = (x) => (Number.isFinite(x) ? ` (${formatNumber(Math.round(x))} or more)` : '');
  const text = [
    `Much worse: unmet need up${muchText(much.worse)}`, 'Worse', 'Unchanged', 'Improved',
    `Much improved: unmet need down${muchText(much.improved)}`,
  ];
  // Best first, as people read a legend from the top.
  for (let i = 4; i >= 0; i--) {
    ul.append(el('li', {}, el('span', { class: 'swatch', style: `background:${CHANGE_COLOURS[i]}` }),
      el('span', {}, text[i]), el('span', { class: 'count', title: 'areas' }, String(counts[i]))));
  }
  if (noData > 0) {
    ul.append(el('li', {}, el('span', { class: 'swatch', style: `background:${CHANGE_NO_DATA}` }), el('span', {}, 'No data'),
      el('span', { class: 'count' }, String(noData))));
  }
  return el('div', {}, el('div', { class: 'legend-title' }, `Change with “${scenarioName}”`),
    el('p', { class: 'legend-sub' }, `${plural[0].toUpperCase()}${plural.slice(1)} by their change in unmet need (people in need without access) against the baseline. Blue = better, red = worse.`), ul);
}

/**
 * The areas that change, best first: buttons that zoom to the area (`onPick(code)`).
 * `name(code)` gives the area's name.
 */
export function changeList(rows, { name, onPick, limit = 25 }) {
  const ranked = rankChanges(rows);
  if (ranked.length === 0) return el('p', { class: 'status' }, 'No area changes with this scenario.');
  const list = el('ol', { class: 'gap-list change-list', 'aria-label': 'Areas that change, most improved first, then those getting worse' });
  for (const r of ranked.slice(0, limit)) {
    const d = r.change;
    const words = Number.isFinite(d) && Math.round(d) !== 0
      ? `${formatNumber(Math.round(Math.abs(d)))} ${d < 0 ? 'fewer' : 'more'}`
      : r.direction > 0 ? 'better' : 'worse';
    const b = el('button', { type: 'button', class: r.direction > 0 ? 'better' : 'worse', title: 'change in people in need who lack access' },
      el('span', {}, r.row.name ?? name(r.code) ?? r.code), el('span', { class: 'score' }, words));
    b.addEventListener('click', () => onPick(r.code));
    list.append(el('li', {}, b));
  }
  return list;
}

/**
 * Draw the change view: `features` of the current level coloured by their change class, the
 * legend and the list. `view`: { comparison (from ScenarioPanel.comparisonFor), scenarioName,
 * plural, setAreaData, paintAreas, legend, list, name(code), onPick(code) }.
 */
export function renderChange(features, view) {
  const c = view.comparison;
  const { classes, counts, noData, much } = c.classes;
  // Re-tiling a large level is slow: build the coloured copy once per answer and level.
  if (!c.drawn || c.drawn.features !== features) {
    c.drawn = { features, data: { type: 'FeatureCollection', features: withChangeClasses(features, classes) } };
  }
  view.setAreaData(c.drawn.data);
  view.paintAreas(changeExpression());
  view.legend.replaceChildren(changeLegend({ counts, noData, much, scenarioName: view.scenarioName, plural: view.plural }));
  const rows = Array.isArray(view.comparison.data?.rows) ? view.comparison.data.rows : [];
  view.list.replaceChildren(el('p', { class: 'legend-sub' }, 'Areas that change, most improved first. Click to zoom.'),
    changeList(rows, { name: view.name, onPick: view.onPick }));
}
