// The "change" view: each area improved, worse or unchanged in the scenario against the
// baseline, from the rows of `GET /api/scenarios/{id}/compare`, in five classes of a
// diverging colour-blind-safe palette (ColorBrewer RdBu: blue = better, red = worse).
// Pure functions (no DOM): unit-tested with node --test.

/** RdBu, 5 classes, from much worse to much better; unchanged is the light middle. */
export const CHANGE_COLOURS = ['#ca0020', '#f4a582', '#f7f7f7', '#92c5de', '#0571b0'];
export const CHANGE_CLASSES = ['much worse', 'worse', 'unchanged', 'improved', 'much improved'];
export const CHANGE_NO_DATA = '#d9d9d9';
const EPS = 1e-9;

function num(x) { return typeof x === 'number' && Number.isFinite(x) ? x : null; }

const SIDES = { base: ['baseline', 'base', 'before'], scenario: ['scenario', 'after'] };

/**
 * A field of one side of a compare row: `row.baseline.unmet_need`, `row.unmet_need_baseline`
 * or `row.baseline_unmet_need` (and `scenario` likewise).
 */
export function sideValue(row, side, field) {
  for (const s of SIDES[side]) {
    const inner = row?.[s];
    if (inner && typeof inner === 'object' && inner[field] !== undefined) return inner[field];
    if (row?.[`${field}_${s}`] !== undefined) return row[`${field}_${s}`];
    if (row?.[`${s}_${field}`] !== undefined) return row[`${s}_${field}`];
  }
  return undefined;
}

/** The area code of a compare row. */
export function rowCode(row) { return row?.code ?? row?.area ?? row?.area_code ?? null; }

/**
 * Change in unmet need of a row (scenario minus baseline; negative = fewer people in need
 * without access), from `change.unmet_need`, `unmet_need_change`, `delta_unmet_need` or the
 * two sides. Null when unknown.
 */
export function unmetChange(row) {
  const direct = num(row?.change?.unmet_need) ?? num(row?.delta?.unmet_need)
    ?? num(row?.unmet_need_change) ?? num(row?.delta_unmet_need);
  if (direct !== null) return direct;
  const a = num(sideValue(row, 'base', 'unmet_need'));
  const b = num(sideValue(row, 'scenario', 'unmet_need'));
  return a !== null && b !== null ? b - a : null;
}

const WORDS = { improved: 1, better: 1, worse: -1, worsened: -1, unchanged: 0, same: 0 };

/**
 * Direction of a row: 1 improved, -1 worse, 0 unchanged, null unknown. The server's own
 * word (`outcome`, `direction`, `status` or a string `change`) wins; else the change in unmet
 * need, then in access (higher is better) and in the time to the nearest service (lower is better).
 */
export function direction(row) {
  for (const k of ['outcome', 'direction', 'status', 'change']) {
    const w = row?.[k];
    if (typeof w === 'string' && WORDS[w.toLowerCase()] !== undefined) return WORDS[w.toLowerCase()];
  }
  const d = unmetChange(row);
  if (d !== null && Math.abs(d) > EPS) return d < 0 ? 1 : -1;
  for (const [field, sign] of [['access', 1], ['nearest_min', -1], ['nearest_m', -1]]) {
    const a = num(sideValue(row, 'base', field));
    const b = num(sideValue(row, 'scenario', field));
    if (a !== null && b !== null && Math.abs(b - a) > EPS * Math.max(1, Math.abs(a))) return Math.sign(b - a) * sign;
  }
  return d === null && num(sideValue(row, 'base', 'access')) === null ? null : 0;
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return null;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Change class per code: Map code -> 0..4 (index into CHANGE_CLASSES), plus the counts and the
 * thresholds of "much": an area improves (or worsens) "much" when its change in unmet need is at
 * least the median change among the areas that moved that way.
 */
export function changeClasses(rows) {
  const dirs = rows.map(direction);
  const size = rows.map((r) => Math.abs(unmetChange(r) ?? 0));
  const much = {};
  for (const d of [1, -1]) {
    const sizes = size.filter((_, i) => dirs[i] === d && size[i] > EPS);
    much[d] = median(sizes);
  }
  const classes = new Map();
  const counts = [0, 0, 0, 0, 0];
  let noData = 0;
  rows.forEach((r, i) => {
    const code = rowCode(r);
    const d = dirs[i];
    if (code === null) return;
    if (d === null) { noData++; return; }
    let c = 2;
    if (d !== 0) c = 2 + d * (much[d] !== null && size[i] >= much[d] && size[i] > EPS ? 2 : 1);
    classes.set(code, c);
    counts[c]++;
  });
  return { classes, counts, noData, much: { improved: much[1], worse: much[-1] } };
}

/** `match` expression on the precomputed `_change` class (0..4; -1 = no data). */
export function changeExpression() {
  const m = ['match', ['get', '_change']];
  CHANGE_COLOURS.forEach((c, i) => m.push(i, c));
  m.push(CHANGE_NO_DATA);
  return m;
}

/** The features with their `_change` class set (areas not compared get -1). */
export function withChangeClasses(features, classes) {
  return features.map((f) => ({ ...f, properties: { ...f.properties, _change: classes.get(f.properties?.code) ?? -1 } }));
}

/**
 * Areas ordered by how much they improve (largest drop in unmet need first), then those that
 * get worse (largest rise first): [{ code, change, direction }].
 */
export function rankChanges(rows) {
  const out = rows.map((r) => ({ code: rowCode(r), change: unmetChange(r), direction: direction(r), row: r }))
    .filter((x) => x.code !== null && x.direction !== null && x.direction !== 0);
  return out.sort((a, b) => (b.direction - a.direction) || (Math.abs(b.change ?? 0) - Math.abs(a.change ?? 0)));
}
