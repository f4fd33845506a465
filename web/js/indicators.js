// The catalogue of mappable fields for a level: the manifest's indicators plus fields the
// areas API adds (decile-1 population shares, provision, access and gap scores).
// Pure functions: unit-tested with node --test.
import { ordinal } from './format.js';

/** 'worse' when a higher value means more need, 'better' when less, 'neutral' otherwise. */
export function orientation(direction) {
  if (direction === 'higher_is_worse') return 'worse';
  if (direction === 'higher_is_better') return 'better';
  return 'neutral';
}

function hasNumbers(features, id) {
  return features.some((f) => typeof f.properties?.[id] === 'number' && Number.isFinite(f.properties[id]));
}

/**
 * Mappable fields as groups [{ group, items: [{ id, label, unit, kind, direction, available, note }] }].
 * `available` is false when no area of the level has a value (the option is shown disabled), or
 * when the indicator is not offered at `level` (published for a coarser level; `note` then says
 * e.g. "published for constituencies").
 */
export function catalogue(meta, features, level = null) {
  const props = new Set();
  for (const f of features.slice(0, 50)) for (const k of Object.keys(f.properties || {})) props.add(k);
  const catLabel = Object.fromEntries(meta.categories.map((c) => [c.id, c.label]));
  const tierLabel = Object.fromEntries(meta.tiers.map((t) => [t.id, t.label]));
  const item = (id, label, unit, kind, direction) => ({ id, label, unit, kind, direction, available: hasNumbers(features, id) });

  const need = meta.indicators.map((i) => {
    const it = item(i.id, i.label, i.unit ?? '', i.kind ?? 'rate', i.direction ?? 'higher_is_worse');
    if (level && Array.isArray(i.levels) && !i.levels.includes(level)) {
      it.available = false;
      it.note = i.published_for ?? 'not published at this level';
    }
    return it;
  });
  const deciles = meta.indicators
    .filter((i) => i.kind === 'decile' && props.has(`${i.id}1_pop_share`))
    .map((i) => item(`${i.id}1_pop_share`, `${i.label.replace(/\s*\(.*\)$/, '')}: share of people in national decile 1`, 'share', 'share', 'higher_is_worse'));
  const provision = [];
  if (props.has('population')) provision.push(item('population', 'Population', 'people', 'count', 'neutral'));
  for (const [id, label, unit] of [['services_per_10k', 'Services per 10,000 people', 'per 10,000'],
    ['services_children_per_1k', "Children's services per 1,000 children", 'per 1,000 children'],
    ['services_total', 'Services (count)', 'services'],
    ['services_selected', 'Selected services (count)', 'services'],
    ['services_selected_per_10k', 'Selected services per 10,000 people', 'per 10,000']]) {
    if (props.has(id)) provision.push(item(id, label, unit, 'count', 'higher_is_better'));
  }
  for (const p of [...props].sort()) {
    const tier = p.match(/^services_tier_(.+)$/);
    const cat = p.match(/^services_(.+)$/);
    if (p.startsWith('services_selected')) continue;
    if (tier) provision.push(item(p, `${tierLabel[tier[1]] ?? `Tier ${tier[1]}`} (count)`, 'services', 'count', 'higher_is_better'));
    else if (cat && catLabel[cat[1]]) provision.push(item(p, `${catLabel[cat[1]]} (count)`, 'services', 'count', 'higher_is_better'));
  }
  const access = [];
  const known = {
    unmet_need: ['Unmet need (people in need who lack access)', 'people', 'higher_is_worse'],
    unmet_need_per_1k: ['Unmet need per 1,000 residents served', 'per 1,000', 'higher_is_worse'],
    in_need: ['People in need', 'people', 'higher_is_worse'],
    gap_rank: ['Rank by unmet need (1 = most)', 'rank', 'higher_is_better'],
    need: ['Need (standardised)', 'z', 'higher_is_worse'],
    access: ['Access', 'score', 'higher_is_better'],
    access_2sfca: ['Access (2SFCA)', 'services per person', 'higher_is_better'],
    access_e2sfca: ['Access (E2SFCA)', 'services per person', 'higher_is_better'],
    nearest_m: ['Distance to nearest service', 'm', 'higher_is_worse'],
    nearest_min: ['Time to nearest service', 'minutes', 'higher_is_worse'],
  };
  for (const [id, [label, unit, direction]] of Object.entries(known)) {
    if (props.has(id)) access.push(item(id, label, unit, 'rate', direction));
  }
  for (const p of [...props].sort()) {
    const kth = p.match(/^nearest(\d+)_(m|min)$/);
    if (kth) access.push(item(p, `${kth[2] === 'm' ? 'Distance' : 'Time'} to the ${ordinal(Number(kth[1]))} nearest service`, kth[2] === 'm' ? 'm' : 'minutes', 'rate', 'higher_is_worse'));
    const cov = p.match(/^coverage_(.+)$/);
    if (cov) access.push(item(p, `Population covered within ${cov[1].replace(/_/g, ' ').replace(/^(\d+)m$/, '$1 m').replace(/^(\d+)min$/, '$1 minutes')}`, 'share', 'share', 'higher_is_better'));
  }
  return [
    { group: 'Need', items: need },
    { group: 'Most deprived 10% nationally', items: deciles },
    { group: 'Provision', items: provision },
    { group: 'Access and gaps', items: access },
  ].filter((g) => g.items.length > 0);
}

/**
 * Indicators not offered at this level, grouped by note:
 * [{ note: 'published for constituencies', labels: [...] }] (for the legend).
 */
export function notOffered(groups) {
  const byNote = new Map();
  for (const g of groups) for (const i of g.items) {
    if (!i.note) continue;
    if (!byNote.has(i.note)) byNote.set(i.note, []);
    byNote.get(i.note).push(i.label);
  }
  return [...byNote].map(([note, labels]) => ({ note, labels }));
}

/** Find an item of a catalogue by id. */
export function findItem(groups, id) {
  for (const g of groups) for (const i of g.items) if (i.id === id) return i;
  return null;
}

/** Format a value for people: thousands separators, sensible decimals, shares as %. */
export function formatValue(v, unit = '', decimals = null) {
  if (typeof v !== 'number' || !Number.isFinite(v)) return 'no data';
  if (unit === 'share') return `${(v * 100).toFixed(decimals ?? (v < 0.1 && v > 0 ? 1 : 0))}%`;
  const abs = Math.abs(v);
  const digits = decimals ?? (Number.isInteger(v) ? 0 : abs >= 1000 ? 0 : abs >= 100 ? 1 : abs >= 1 ? 1 : 3);
  return v.toLocaleString('en-GB', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/**
 * Rank of `value` among `values` with rank 1 = most need (highest when higher is worse,
 * lowest when higher is better). Ties share the best rank. Null when missing or neutral.
 */
export function needRank(values, value, direction) {
  if (typeof value !== 'number' || !Number.isFinite(value)) return null;
  const o = orientation(direction);
  if (o === 'neutral') return null;
  const finite = values.filter((v) => typeof v === 'number' && Number.isFinite(v));
  const worse = finite.filter((v) => (o === 'worse' ? v > value : v < value)).length;
  return { rank: worse + 1, of: finite.length };
}

/**
 * Decimals that tell the class bounds of a legend apart: one fewer digit than the smallest
 * gap between successive bounds needs, between 0 and 3 (shares are in percentage points).
 */
export function legendDecimals(bounds, unit = '') {
  const xs = bounds.filter((v) => typeof v === 'number' && Number.isFinite(v)).map((v) => (unit === 'share' ? v * 100 : v));
  if (xs.length === 0) return 0;
  if (xs.every(Number.isInteger)) return 0;
  let gap = Infinity;
  for (let i = 1; i < xs.length; i++) if (xs[i] > xs[i - 1]) gap = Math.min(gap, xs[i] - xs[i - 1]);
  const span = Math.max(...xs) - Math.min(...xs);
  const step = Number.isFinite(gap) ? gap : span || Math.abs(xs[0]) || 1;
  return Math.max(span >= 100 && step >= 1 ? 0 : 1, Math.min(3, Math.ceil(-Math.log10(step))));
}
