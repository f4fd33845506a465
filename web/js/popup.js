// Popups: the area profile (indicators, provision, rank, parent area) and a service's details.
import { formatValue, needRank, findItem } from './indicators.js';

export function escapeHtml(s) {
  return String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
}

function ordinal(n) {
  const s = ['th', 'st', 'nd', 'rd'];
  const v = n % 100;
  return `${n}${s[(v - 20) % 10] || s[v] || s[0]}`;
}

function rows(items, props, currentId) {
  return items
    .filter((i) => typeof props[i.id] === 'number' && Number.isFinite(props[i.id]))
    .map((i) => `<tr${i.id === currentId ? ' class="current"' : ''}><th scope="row">${escapeHtml(i.label)}</th><td>${escapeHtml(formatValue(props[i.id], i.unit))}</td></tr>`)
    .join('');
}

/**
 * HTML of an area's profile. `ctx`: { levelLabel, parent: {name, code, levelLabel} | null,
 * groups (indicator catalogue), indicator (current item), values (current indicator values of
 * the level), gapRank }.
 */
export function areaProfileHtml(props, ctx) {
  const parent = ctx.parent
    ? ` · in <strong>${escapeHtml(ctx.parent.name || ctx.parent.code)}</strong> (${escapeHtml(ctx.parent.levelLabel)})`
    : props.parent_code ? ` · parent ${escapeHtml(props.parent_code)}` : '';
  let headline = '';
  if (ctx.indicator) {
    const v = props[ctx.indicator.id];
    const r = needRank(ctx.values, v, ctx.indicator.direction);
    headline = `<p><strong>${escapeHtml(ctx.indicator.label)}:</strong> ${escapeHtml(formatValue(v, ctx.indicator.unit))}`
      + (r ? `<br>Ranked ${ordinal(r.rank)} of ${r.of} ${escapeHtml(ctx.levelPlural)} (1st = most need)` : '') + '</p>';
  }
  const sections = [];
  for (const g of ctx.groups) {
    // Counts of zero and the population (already in the header) are left out; long groups fold.
    const items = g.items.filter((i) => i.id !== 'population'
      && !(i.kind === 'count' && props[i.id] === 0 && i.id !== 'services_total'));
    const body = rows(items, props, ctx.indicator?.id);
    if (!body) continue;
    const open = g.group === 'Need' || g.group === 'Access and gaps' || items.some((i) => i.id === ctx.indicator?.id);
    sections.push(`<details${open ? ' open' : ''}><summary>${escapeHtml(g.group)}</summary><table>${body}</table></details>`);
  }
  if (props.gap_class !== undefined && props.gap_class !== null) {
    sections.push(`<h4>Gap class</h4><p>${escapeHtml(props.gap_class)}${Number.isFinite(props.gap_rank) ? ` · rank ${props.gap_rank}` : ''}</p>`);
  }
  const pop = typeof props.population === 'number' ? ` · population ${escapeHtml(formatValue(props.population))}` : '';
  return `<div class="popup"><h3>${escapeHtml(props.name || props.code)}</h3>`
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
