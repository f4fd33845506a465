// Legends for the choropleth, the decile map and the bivariate gap map (DOM).
import { BIVARIATE, NO_DATA } from './palettes.js';
import { formatValue, legendDecimals } from './indicators.js';

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'style') e.style.cssText = v;
    else if (k === 'class') e.className = v;
    else e.setAttribute(k, v);
  }
  e.append(...children.filter((c) => c !== null && c !== undefined));
  return e;
}

function item(colour, text, count) {
  return el('li', {}, el('span', { class: 'swatch', style: `background:${colour}` }), el('span', {}, text),
    count === undefined ? null : el('span', { class: 'count', title: 'areas' }, String(count)));
}

/** Legend of a classed choropleth: one swatch per class with its data range and count. */
export function classLegend({ title, subtitle, classes, colours, unit, noData }) {
  const ul = el('ul', { class: 'legend-items' });
  const d = legendDecimals([...classes.lows, ...classes.highs].sort((a, b) => a - b), unit);
  classes.breaks.forEach((_, i) => {
    const lo = classes.lows[i];
    const hi = classes.highs[i];
    const text = lo === null ? 'no areas' : lo === hi ? formatValue(lo, unit, d) : `${formatValue(lo, unit, d)} – ${formatValue(hi, unit, d)}`;
    ul.append(item(colours[i], text, classes.counts[i]));
  });
  if (noData > 0) ul.append(item(NO_DATA, 'No data', noData));
  return el('div', {}, el('div', { class: 'legend-title' }, title), el('p', { class: 'legend-sub' }, subtitle), ul);
}

/** Legend of national deciles (1 = most deprived). */
export function decileLegend({ title, colours, counts, noData }) {
  const ul = el('ul', { class: 'legend-items' });
  colours.forEach((c, i) => {
    const text = i === 0 ? '1 (most deprived 10%)' : i === 9 ? '10 (least deprived 10%)' : String(i + 1);
    ul.append(item(c, text, counts[i]));
  });
  if (noData > 0) ul.append(item(NO_DATA, 'No data', noData));
  return el('div', {}, el('div', { class: 'legend-title' }, title),
    el('p', { class: 'legend-sub' }, 'National deciles of England, not ranks within the district.'), ul);
}

/** Legend of the 3x3 bivariate need x access map, with counts per cell. */
export function bivariateLegend({ counts, accessLabel, noData, things = 'area(s)' }) {
  const grid = el('div', { class: 'bivariate', role: 'img', 'aria-label': 'Bivariate legend: unmet need (people in need who lack access) increases upwards, access increases to the right; high unmet need with low access (top left) is the gap.' });
  const names = ['low', 'mid', 'high'];
  for (let need = 2; need >= 0; need--) {
    grid.append(el('span', { class: 'ylab' }, need === 2 ? 'high need' : need === 0 ? 'low need' : ''));
    for (let access = 0; access <= 2; access++) {
      const n = counts[need][access];
      grid.append(el('span', {
        class: `cell${need === 2 && access === 0 ? ' gap' : ''}`,
        style: `background:${BIVARIATE[need][access]}`,
        title: `${names[need]} need, ${names[access]} access: ${n} ${things}`,
      }));
    }
  }
  grid.append(el('span', {}), el('span', { class: 'xlab' }, 'low'), el('span', { class: 'xlab' }, ''), el('span', { class: 'xlab' }, 'high'),
    el('span', {}), el('span', { class: 'xlab axis' }, 'access →'));
  return el('div', {}, el('div', { class: 'legend-title' }, 'Unmet need × access (terciles)'),
    el('p', { class: 'legend-sub' }, `Outlined cell: high need, low access: the gap. Access: ${accessLabel}.`), grid,
    noData > 0 ? el('p', { class: 'axis-note' }, `${noData} ${things} without a score (grey).`) : null);
}

export { el };
