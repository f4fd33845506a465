// Popups: the area profile (indicators, provision, rank, parent area) and a service's details.
import { formatValue, needRank, findItem } from './indicators.js';
import { areaName } from './names.js';
import { formatDistance, formatMinutes, formatNumber, rankText, decileText, ordinal } from './format.js';

export function escapeHtml(s) {
  return String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
}

/**
 * A value in words for people: distances in metres or km, times in minutes with the travel
 * mode, access per person as services per 10,000 people in reach, thousands separators.
 */
export function valueText(v, unit = '', mode = '') {
  if (typeof v !== 'number' || !Number.isFinite(v)) return 'no data';
  if (unit === 'm') return formatDistance(v);
  if (unit === 'minutes' || unit === 'min') return formatMinutes(v, mode);
  if (unit === 'services per person') return `${formatNumber(v * 10000, 2)} per 10,000 people in reach`;
  if (unit === 'people') return `${formatNumber(v)} people`;
  return formatValue(v, unit);
}

function rows(items, props, currentId, mode) {
  return items
    .filter((i) => typeof props[i.id] === 'number' && Number.isFinite(props[i.id]))
    .map((i) => `<tr${i.id === currentId ? ' class="current"' : ''}><th scope="row">${escapeHtml(i.label)}</th><td>${escapeHtml(valueText(props[i.id], i.unit, mode))}</td></tr>`)
    .join('');
}

/**
 * HTML of an area's profile. `ctx`: { levelLabel, parent: {name, code, levelLabel} | null,
 * groups (indicator catalogue), indicator (current item), values (current indicator values of
 * the level), mode (travel mode), gapRank, trend (props -> HTML of the series sparkline) }.
 */
export function areaProfileHtml(props, ctx) {
  const parent = ctx.parent
    ? ` · in <strong>${escapeHtml(ctx.parent.name || ctx.parent.code)}</strong> (${escapeHtml(ctx.parent.levelLabel)})`
    : props.parent_code ? ` · parent ${escapeHtml(props.parent_code)}` : '';
  let headline = '';
  if (ctx.indicator) {
    const v = props[ctx.indicator.id];
    let where = '';
    if (ctx.indicator.kind === 'decile' && Number.isFinite(v)) {
      const same = ctx.values.filter((x) => Number.isFinite(x) && Math.round(x) === Math.round(v)).length;
      where = decileText(v, same, ctx.levelPlural);
    } else {
      const r = needRank(ctx.values, v, ctx.indicator.direction);
      const tied = r ? ctx.values.filter((x) => x === v).length : 0;
      where = r ? rankText({ rank: r.rank, tied, of: r.of, plural: ctx.levelPlural }) : '';
    }
    headline = `<p><strong>${escapeHtml(ctx.indicator.label)}:</strong> ${escapeHtml(valueText(v, ctx.indicator.unit, ctx.mode))}`
      + (where ? `<br>${escapeHtml(where)}` : '') + '</p>';
  }
  // Need over time: the series' scores per vintage as a sparkline (trend.js), above the groups.
  const trend = ctx.trend ? ctx.trend(props) : '';
  const sections = trend ? [trend] : [];
  for (const g of ctx.groups) {
    // Counts of zero and the population (already in the header) are left out; long groups fold.
    const items = g.items.filter((i) => i.id !== 'population'
      && !(i.kind === 'count' && props[i.id] === 0 && i.id !== 'services_total'));
    const body = rows(items, props, ctx.indicator?.id, ctx.mode);
    if (!body) continue;
    const open = g.group === 'Need' || g.group === 'Access and gaps' || items.some((i) => i.id === ctx.indicator?.id);
    sections.push(`<details${open ? ' open' : ''}><summary>${escapeHtml(g.group)}</summary><table>${body}</table></details>`);
  }
  if (props.gap_class !== undefined && props.gap_class !== null) {
    const cls = String(props.gap_class).replace(/-/g, ' ').replace('/', ', ');
    sections.push(`<h4>Gap class</h4><p>${escapeHtml(cls)}${Number.isFinite(props.gap_rank) ? ` · ${escapeHtml(ordinal(props.gap_rank))} by unmet need` : ''}</p>`);
  }
  const pop = typeof props.population === 'number' ? ` · population ${escapeHtml(formatNumber(props.population))}` : '';
  return `<div class="popup"><h3>${escapeHtml(areaName(props))}</h3>`
    + `<p class="meta">${escapeHtml(ctx.levelLabel)} ${escapeHtml(props.code)}${parent}${pop}</p>${headline}${sections.join('')}</div>`;
}

const SERVICE_SKIP = new Set(['name', 'category', 'category_label', 'tier', 'id', 'subcategory', 'source_file']);

/**
 * HTML of a service point's details. `areaName(level, code)` names the areas it falls in
 * (the `<level>_code` properties), or returns null to show the code.
 */
export function serviceHtml(props, categoryLabel, tierLabel, areaName = () => null) {
  const extra = Object.entries(props)
    .filter(([k, v]) => !SERVICE_SKIP.has(k) && v !== null && v !== '' && typeof v !== 'object')
    .map(([k, v]) => {
      const level = k.match(/^(.+)_code$/);
      const label = level ? level[1] : k.replace(/_/g, ' ');
      const value = level ? (areaName(level[1], v) ?? v) : v;
      return `<tr><th scope="row">${escapeHtml(label)}</th><td>${escapeHtml(value)}</td></tr>`;
    })
    .join('');
  return `<div class="popup"><h3>${escapeHtml(props.name || categoryLabel)}</h3>`
    + `<p class="meta">${escapeHtml(categoryLabel)}${props.subcategory ? ` (${escapeHtml(props.subcategory)})` : ''} · ${escapeHtml(tierLabel)}</p>`
    + (extra ? `<table>${extra}</table>` : '') + '</div>';
}

export { findItem };

/**
 * The service points under a click, below an area's profile: one button each (`data-service`
 * is the index in `services`), so a click opens the area first and a service only on request.
 */
export function servicesHereHtml(services) {
  if (!services.length) return '';
  const items = services.slice(0, 8).map((p, i) =>
    `<li><button type="button" data-service="${i}">${escapeHtml(p.name || p.category_label || p.category)}</button></li>`).join('');
  const more = services.length > 8 ? `<p class="meta">and ${services.length - 8} more: zoom in to pick them apart.</p>` : '';
  return `<div class="services-here"><h4>Service points here</h4><ul>${items}</ul>${more}</div>`;
}
