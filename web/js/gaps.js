// The gap map: need x access bivariate classes and the ranked list of gap areas.
// Uses the gap fields of the areas API (`gap_class`, `gap_rank` = rank by unmet need,
// `unmet_need`, `in_need`, `need`, `access_*`) when the server provides them. Pure functions: unit-tested with node --test.

const LEVEL = { low: 0, mid: 1, medium: 1, middle: 1, high: 2 };

/**
 * Parse a bivariate class such as `high-need/low-access` (also `high_need_low_access`,
 * `need:high access:low`, `3-1` need/access terciles 1..3) into [need, access] terciles 0..2.
 * Returns null for anything else.
 */
export function parseGapClass(value) {
  if (typeof value !== 'string') return null;
  const s = value.toLowerCase();
  const need = s.match(/(low|mid|medium|middle|high)[-_ ]?need|need[-_: ]?(low|mid|medium|middle|high)/);
  const access = s.match(/(low|mid|medium|middle|high)[-_ ]?access|access[-_: ]?(low|mid|medium|middle|high)/);
  if (need && access) return [LEVEL[need[1] ?? need[2]], LEVEL[access[1] ?? access[2]]];
  const nums = s.match(/^([123])\D+([123])$/);
  if (nums) return [Number(nums[1]) - 1, Number(nums[2]) - 1];
  return null;
}

/** Tercile (0, 1, 2) of each value among the finite values; null for missing ones. */
export function terciles(values) {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  const n = sorted.length;
  if (n === 0) return values.map(() => null);
  const t1 = sorted[Math.ceil(n / 3) - 1];
  const t2 = sorted[Math.ceil((2 * n) / 3) - 1];
  return values.map((v) => (!Number.isFinite(v) ? null : v <= t1 ? 0 : v <= t2 ? 1 : 2));
}

/** Name of the access field present in the properties (the server's choice of method). */
export function accessField(props) {
  for (const k of ['access', 'access_e2sfca', 'access_2sfca', 'access_score']) {
    if (typeof props[k] === 'number') return k;
  }
  return null;
}

/** Whether any feature carries gap fields. */
export function hasGapFields(features) {
  return features.some((f) => {
    const p = f.properties || {};
    return p.gap_class !== undefined && p.gap_class !== null
      || typeof p.unmet_need === 'number' || typeof p.gap_rank === 'number';
  });
}

/**
 * Bivariate [need, access] tercile pair per feature (null when unknown): from `gap_class`
 * (`high-need/low-access`, ...; `no-data` and `no-population` give null) when the server
 * sends classes, else from terciles of `need` and of the access field.
 */
export function bivariateClasses(features) {
  const fromClass = features.map((f) => parseGapClass((f.properties || {}).gap_class));
  // The server's classes win; `no-data` / `no-population` areas stay unclassified.
  if (fromClass.some((c) => c !== null)) return fromClass;
  const props = features.map((f) => f.properties || {});
  const field = props.map(accessField).find((k) => k) ?? null;
  const need = terciles(props.map((p) => (typeof p.need === 'number' ? p.need : NaN)));
  const access = field ? terciles(props.map((p) => (typeof p[field] === 'number' ? p[field] : NaN))) : props.map(() => null);
  return features.map((_, i) => (need[i] === null || access[i] === null ? null : [need[i], access[i]]));
}

/**
 * Areas ranked by unmet need (people in need who lack access): by the server's `gap_rank`
 * ascending when present, else by `unmet_need` descending.
 * Returns [{ feature, rank, score }] (score = unmet need), areas without either left out.
 */
export function rankGaps(features) {
  const rows = features
    .map((f) => ({ feature: f, rank: f.properties?.gap_rank, score: f.properties?.unmet_need }))
    .filter((r) => Number.isFinite(r.rank) || Number.isFinite(r.score));
  rows.sort((a, b) => {
    if (Number.isFinite(a.rank) && Number.isFinite(b.rank) && a.rank !== b.rank) return a.rank - b.rank;
    return (Number.isFinite(b.score) ? b.score : -Infinity) - (Number.isFinite(a.score) ? a.score : -Infinity);
  });
  return rows.map((r, i) => ({ ...r, rank: Number.isFinite(r.rank) ? r.rank : i + 1 }));
}
