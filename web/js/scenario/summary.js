// The scenario summary in plain words, for a committee paper: who is newly within reach (and
// who is no longer), by IMD national decile; the change in unmet need and in high-need /
// low-access areas; the areas improving most and any getting worse; over-subscribed services.
// From the `summary` member of `GET /api/scenarios/{id}/compare`.
// Pure functions (no DOM): unit-tested with node --test.
import { formatNumber } from '../format.js';

function num(x) { return typeof x === 'number' && Number.isFinite(x) ? x : null; }

/** The first finite number among `keys` of `o`. */
function pick(o, ...keys) {
  for (const k of keys) {
    const v = num(o?.[k]);
    if (v !== null) return v;
  }
  return null;
}

/** "1 person" / "12,345 people" (rounded to whole people). */
export function people(n) {
  const r = Math.round(n);
  return `${formatNumber(r)} ${r === 1 ? 'person' : 'people'}`;
}

function children(n) {
  const r = Math.round(n);
  return `${formatNumber(r)} ${r === 1 ? 'child' : 'children'}`;
}

function areas(n, word = 'area') {
  return `${formatNumber(n)} ${n === 1 ? word : `${word}s`}`;
}

/** "by 1,234 people" for a signed change, with the direction in words. */
function changeWords(delta, unit = people) {
  if (delta === null) return '';
  if (Math.abs(delta) < 0.5) return 'does not change';
  return `${delta < 0 ? 'falls' : 'rises'} by ${unit(Math.abs(delta))}`;
}

/** A threshold in words: "within 20 minutes", "within 1.6 km", or the server's label. */
export function thresholdWords(t) {
  if (typeof t === 'string') return /^within /.test(t) ? t : `within ${t}`;
  if (!t || typeof t !== 'object') return 'within reach';
  if (typeof t.label === 'string' && t.label) return thresholdWords(t.label);
  const min = pick(t, 'minutes', 'min');
  if (min !== null) return `within ${formatNumber(min)} ${min === 1 ? 'minute' : 'minutes'}`;
  const m = pick(t, 'metres', 'm');
  if (m !== null) return m < 1000 ? `within ${formatNumber(m)} m` : `within ${formatNumber(m / 1000, m % 1000 ? 1 : 0)} km`;
  return 'within reach';
}

/** The per-decile gains of one threshold: "decile 1 (most deprived): 1,200 people". */
function decileWords(rows) {
  if (!Array.isArray(rows)) return '';
  const parts = rows
    .map((r) => ({ d: pick(r, 'decile', 'imd_decile'), n: pick(r, 'population_gained', 'population_newly_within', 'gained', 'population') }))
    .filter((r) => r.d !== null && r.n !== null && Math.round(r.n) !== 0)
    .sort((a, b) => a.d - b.d)
    .map((r) => `decile ${r.d}${r.d === 1 ? ' (most deprived)' : r.d === 10 ? ' (least deprived)' : ''}: ${formatNumber(Math.round(r.n))}`);
  return parts.length ? `By IMD national decile, ${parts.join('; ')}.` : '';
}

/** One sentence per threshold about the people newly within reach and no longer within it. */
function reachLines(summary) {
  const list = Array.isArray(summary.thresholds) ? summary.thresholds : [summary];
  const lines = [];
  for (const t of list) {
    const gained = pick(t, 'population_gained', 'population_newly_within', 'newly_within');
    if (gained === null) continue;
    const kids = pick(t, 'children_gained', 'children_newly_within');
    const lost = pick(t, 'population_lost', 'population_no_longer_within', 'no_longer_within') ?? 0;
    const kidsLost = pick(t, 'children_lost', 'children_no_longer_within') ?? 0;
    const where = thresholdWords(t.threshold ?? t.label ?? t);
    let s = `${people(gained)}${kids !== null ? ` (${children(kids)})` : ''} newly ${where} of a site`;
    s += Math.round(lost) > 0 ? `; ${people(lost)}${kidsLost > 0 ? ` (${children(kidsLost)})` : ''} no longer ${where}.` : '; nobody loses access.';
    const deciles = decileWords(t.by_decile ?? t.deciles);
    lines.push(deciles ? `${s} ${deciles}` : s);
  }
  return lines;
}

function namesOf(rows, names) {
  return rows.map((r) => {
    const name = r.name ?? names?.(r.code) ?? r.code;
    const d = pick(r, 'unmet_need_change', 'change', 'delta');
    return d === null ? name : `${name} (${formatNumber(Math.round(Math.abs(d)))} ${d < 0 ? 'fewer' : 'more'})`;
  });
}

/**
 * The summary as a list of sentences, numbers with thousands separators and units.
 * `names(code)` gives an area's name when the summary only has codes.
 */
export function summaryParts(summary, { names = null } = {}) {
  const s = summary ?? {};
  const lines = [...reachLines(s)];
  const before = pick(s, 'unmet_need_before', 'unmet_need_baseline');
  const after = pick(s, 'unmet_need_after', 'unmet_need_scenario');
  const delta = pick(s, 'unmet_need_change') ?? (before !== null && after !== null ? after - before : null);
  if (delta !== null) {
    lines.push(`Unmet need (people in need without access) ${changeWords(delta)}${before !== null && after !== null ? `, from ${formatNumber(Math.round(before))} to ${formatNumber(Math.round(after))}` : ''}.`);
  }
  const hb = pick(s, 'high_need_low_access_before', 'gap_areas_before');
  const ha = pick(s, 'high_need_low_access_after', 'gap_areas_after');
  if (hb !== null && ha !== null) {
    lines.push(hb === ha
      ? `High-need, low-access areas: still ${areas(ha)}.`
      : `High-need, low-access areas: ${formatNumber(hb)} before, ${formatNumber(ha)} with the scenario (${ha < hb ? `${formatNumber(hb - ha)} fewer` : `${formatNumber(ha - hb)} more`}).`);
  }
  const best = s.improved_most ?? s.most_improved ?? s.improving ?? [];
  if (best.length) lines.push(`Improving most: ${namesOf(best, names).join(', ')}.`);
  const worse = s.worse ?? s.getting_worse ?? s.worsened ?? [];
  lines.push(worse.length ? `Getting worse: ${namesOf(worse, names).join(', ')}.` : 'No area gets worse.');
  const over = s.over_subscribed ?? s.oversubscribed ?? [];
  if (over.length) {
    lines.push(`Over-subscribed (more people per site than before): ${over.map((o) => o.name ?? o.id).join(', ')}.`);
  }
  return lines;
}
