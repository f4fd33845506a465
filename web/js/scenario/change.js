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

// A compare row (`crate::scenario::AreaChange`): { code, name, population, nearest_min, access,
// unmet_need: { baseline, scenario, change }, coverage[], gap_class: [baseline, scenario],
// gap_rank: [baseline, scenario], status: 'improved' | 'worse' | 'unchanged' }.

/** Change in unmet need of a row (scenario minus baseline; negative = fewer people in need without access), or null. */
export function unmetChange(row) {
  const u = row?.unmet_need;
  const c = num(u?.change);
  if (c !== null) return c;
  return num(u?.baseline) !== null && num(u?.scenario) !== null ? u.scenario - u.baseline : null;
}

const STATUS = { improved: 1, worse: -1, unchanged: 0 };

/** Direction of a row from the server's `status`: 1 improved, -1 worse, 0 unchanged, null unknown. */
export function direction(row) {
  return STATUS[row?.status] ?? null;
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
    const code = (r?.code ?? null);
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
  const out = rows.map((r) => ({ code: (r?.code ?? null), change: unmetChange(r), direction: direction(r), row: r }))
    .filter((x) => x.code !== null && x.direction !== null && x.direction !== 0);
  return out.sort((a, b) => (b.direction - a.direction) || (Math.abs(b.change ?? 0) - Math.abs(a.change ?? 0)));
}
