// The scenario summary in plain words, for a committee paper: who is newly within reach (and
// who is no longer) per threshold and by IMD national decile; the change in unmet need and in
// high-need/low-access areas; the areas improving most and any getting worse; services whose
// catchment becomes more over-subscribed. From the `summary` member of
// `GET /api/scenarios/{id}/compare` (`crate::scenario::Summary`: `thresholds[]` with
// `gained_population`, `lost_population`, `gained_children`, `lost_children`, `share`
// {baseline, scenario, change}, `by_decile[]`; `unmet_need` Delta; `gap_areas` [before, after];
// `improved`, `worse`, `unchanged`; `most_improved[]`, `worse_areas[]`, `oversubscribed[]`).
// Pure functions (no DOM): unit-tested with node --test.
import { formatNumber, modeWord } from '../format.js';

function num(x) { return typeof x === 'number' && Number.isFinite(x) ? x : null; }

function count(n, one, many) {
  const r = Math.round(n);
  return `${formatNumber(r)} ${r === 1 ? one : many}`;
}

/** "1 resident" / "12,345 residents" (whole people). */
export function residents(n) { return count(n, 'resident', 'residents'); }

/** A threshold label in words: `20min` -> "20 minutes", `1.6km` and `1600m` -> "1.6 km", `800m` -> "800 m". */
export function thresholdWords(label, mode = '') {
  const m = String(label ?? '').trim().match(/^(\d+(?:\.\d+)?)\s*(min|minutes?|km|m)$/i);
  if (!m) return String(label ?? '');
  const v = Number(m[1]);
  const unit = m[2].toLowerCase();
  if (unit.startsWith('min')) {
    const word = modeWord(mode);
    return `${formatNumber(v, Number.isInteger(v) ? 0 : 1)} ${v === 1 ? 'minute' : 'minutes'}${word ? ` (${word})` : ''}`;
  }
  const metres = unit === 'km' ? v * 1000 : v;
  return metres >= 1000 ? `${formatNumber(metres / 1000, metres % 1000 ? 1 : 0)} km` : `${formatNumber(metres)} m`;
}

/** A category label as a phrase: "a GP surgery", "a family hub / children's centre", "an optician". */
export function aCategory(label) {
  const l = String(label ?? '').trim();
  if (!l) return 'a site';
  const word = /^[A-Z0-9]{2,}\b/.test(l) ? l : `${l[0].toLowerCase()}${l.slice(1)}`;
  return `${/^[aeiou]/i.test(word) && !/^u[^n]/i.test(word) ? 'an' : 'a'} ${word}`;
}

function percent(x) { return num(x) === null ? 'unknown' : `${formatNumber(100 * x, 1)}%`; }

/** "Bowling and Barkerend (1,234 fewer)" for an area note (unmet need change in people). */
function areaNote(a) {
  const d = num(a.unmet_need?.change);
  if (d === null || Math.round(d) === 0) return a.name ?? a.code;
  return `${a.name ?? a.code} (${formatNumber(Math.round(Math.abs(d)))} ${d < 0 ? 'fewer' : 'more'} in unmet need)`;
}

/**
 * The summary as sentences. `what`: the category in words ("family hub / children's centre"),
 * `plural`: the level's plural ("wards"), `mode`: the travel mode of minute thresholds.
 */
export function summaryLines(summary, { what = 'a site', plural = 'areas', mode = '' } = {}) {
  const s = summary ?? {};
  const lines = [];
  for (const t of s.thresholds ?? []) {
    const within = `within ${thresholdWords(t.threshold, mode)} of ${what}`;
    const gained = Math.round(num(t.gained_population) ?? 0);
    const lost = Math.round(num(t.lost_population) ?? 0);
    const who = (n, kids) => `${residents(n)} (${count(num(kids) ?? 0, 'child', 'children')}) ${n === 1 ? 'is' : 'are'}`;
    let line;
    if (gained === 0 && lost === 0) line = `${within[0].toUpperCase()}${within.slice(1)}: nobody gains or loses access.`;
    else if (lost === 0) line = `${who(gained, t.gained_children)} newly ${within}; nobody loses that.`;
    else if (gained === 0) line = `Nobody is newly ${within}; ${who(lost, t.lost_children)} no longer.`;
    else line = `${who(gained, t.gained_children)} newly ${within}; ${who(lost, t.lost_children)} no longer.`;
    if (num(t.share?.baseline) !== null && num(t.share?.scenario) !== null) {
      line += ` Share of residents within reach: ${percent(t.share.baseline)} now, ${percent(t.share.scenario)} with the scenario.`;
    }
    lines.push(line);
  }
  const u = s.unmet_need ?? {};
  if (num(u.baseline) !== null && num(u.scenario) !== null) {
    const d = u.scenario - u.baseline;
    const how = Math.round(d) === 0 ? 'does not change' : `${d < 0 ? 'falls' : 'rises'} by ${count(Math.abs(d), 'person', 'people')}`;
    lines.push(`Unmet need (people in need who lack access) ${how}: ${formatNumber(Math.round(u.baseline))} now, ${formatNumber(Math.round(u.scenario))} with the scenario.`);
  }
  if (Array.isArray(s.gap_areas) && s.gap_areas.length === 2) {
    const [b, a] = s.gap_areas;
    lines.push(`High-need, low-access ${plural}: ${formatNumber(b)} now, ${formatNumber(a)} with the scenario.`
      + (num(s.improved) !== null ? ` ${formatNumber(s.improved)} improve, ${formatNumber(s.worse ?? 0)} get worse, ${formatNumber(s.unchanged ?? 0)} are unchanged.` : ''));
  }
  if ((s.most_improved ?? []).length) lines.push(`Improving most: ${s.most_improved.map(areaNote).join(', ')}.`);
  lines.push((s.worse_areas ?? []).length ? `Getting worse: ${s.worse_areas.map(areaNote).join(', ')}.` : `No ${plural.replace(/s$/, '')} gets worse.`);
  const over = s.oversubscribed ?? [];
  if (over.length) {
    const shown = over.slice(0, 10).map((r) => {
      const b = num(r.ratio?.baseline);
      const a = num(r.ratio?.scenario);
      return b !== null && a !== null ? `${r.name} (${formatNumber(b * 10000, 2)} → ${formatNumber(a * 10000, 2)} per 10,000 people in reach)` : r.name;
    });
    lines.push(`More over-subscribed (less capacity per person in the catchment): ${shown.join(', ')}${over.length > 10 ? ` and ${formatNumber(over.length - 10)} more` : ''}.`);
  } else {
    lines.push('No service becomes more over-subscribed.');
  }
  return lines;
}

/**
 * The equity table of each threshold with a change: rows by national decile (1 = most
 * deprived), [{ threshold, rows: [{ decile ('1'..'10' or 'unknown'), gained, gainedChildren, lost }] }].
 */
export function decileTables(summary, { mode = '' } = {}) {
  const out = [];
  for (const t of summary?.thresholds ?? []) {
    const rows = (t.by_decile ?? [])
      .map((d) => ({
        d: num(d.decile),
        gained: num(d.gained_population) ?? 0,
        gainedChildren: num(d.gained_children) ?? 0,
        lost: num(d.lost_population) ?? 0,
      }))
      .filter((r) => Math.round(r.gained) !== 0 || Math.round(r.lost) !== 0)
      .sort((a, b) => (a.d ?? 99) - (b.d ?? 99))
      .map((r) => ({ decile: r.d === null ? 'unknown' : String(r.d), gained: r.gained, gainedChildren: r.gainedChildren, lost: r.lost }));
    if (rows.length) out.push({ threshold: thresholdWords(t.threshold, mode), rows });
  }
  return out;
}
