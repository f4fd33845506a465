// Classification of indicator values into classes for a choropleth.
//
// Every method returns a `Classes` object:
//   { method, breaks, thresholds, counts, min, max }
// - `breaks[i]` is the upper bound (inclusive) of class i; the last equals `max`.
//   Classes are right-closed: class i holds breaks[i-1] < v <= breaks[i].
// - `thresholds[i]` (length classes-1) is the smallest value that falls in class i+1,
//   for a MapLibre `step` expression (which is left-closed): it reproduces the
//   right-closed classes exactly for every value in the data.
// Pure functions, no DOM: unit-tested with `node --test` (tests/browser/unit).

/** Finite numbers of `values`, sorted ascending. */
export function cleanSorted(values) {
  return values.filter((v) => typeof v === 'number' && Number.isFinite(v)).sort((a, b) => a - b);
}

/** Number of distinct values in a sorted array. */
function distinctCount(sorted) {
  let n = 0;
  for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) n++;
  return n;
}

/**
 * Fisher-Jenks natural breaks: the partition of the sorted values into `k` contiguous
 * classes with the least total within-class sum of squared deviations (the classic
 * Jenks 1977 dynamic programme). Returns the class upper bounds (length k, the last
 * is the maximum). `k` is lowered to the number of distinct values when needed.
 */
export function jenksBreaks(values, k) {
  const data = cleanSorted(values);
  const n = data.length;
  if (n === 0) return [];
  k = Math.max(1, Math.min(k, distinctCount(data)));
  if (k === 1) return [data[n - 1]];
  // lower[l][j]: 1-based index of the first value of the last class when the first l
  // values are split into j classes; variance[l][j]: the least total SSD for that.
  const lower = Array.from({ length: n + 1 }, () => new Int32Array(k + 1));
  const variance = Array.from({ length: n + 1 }, () => new Float64Array(k + 1).fill(Infinity));
  for (let j = 1; j <= k; j++) {
    lower[1][j] = 1;
    variance[1][j] = 0;
  }
  for (let l = 2; l <= n; l++) {
    let sum = 0;
    let sumSq = 0;
    let w = 0;
    let ssd = 0;
    for (let m = 1; m <= l; m++) {
      const first = l - m + 1; // 1-based index of the first value of the last class
      const v = data[first - 1];
      w++;
      sum += v;
      sumSq += v * v;
      ssd = Math.max(0, sumSq - (sum * sum) / w);
      const before = first - 1;
      if (before !== 0) {
        for (let j = 2; j <= k; j++) {
          const candidate = ssd + variance[before][j - 1];
          if (variance[l][j] >= candidate) {
            lower[l][j] = first;
            variance[l][j] = candidate;
          }
        }
      }
    }
    lower[l][1] = 1;
    variance[l][1] = ssd;
  }
  const breaks = new Array(k);
  breaks[k - 1] = data[n - 1];
  let end = n;
  for (let j = k; j >= 2; j--) {
    const first = lower[end][j];
    breaks[j - 2] = data[first - 2];
    end = first - 1;
  }
  return breaks;
}

/** Quantile breaks: class upper bounds at the i/k quantiles (nearest rank), de-duplicated. */
export function quantileBreaks(values, k) {
  const data = cleanSorted(values);
  const n = data.length;
  if (n === 0) return [];
  const out = [];
  for (let i = 1; i <= k; i++) {
    const idx = Math.min(n - 1, Math.max(0, Math.ceil((i * n) / k) - 1));
    const b = data[idx];
    if (out.length === 0 || b > out[out.length - 1]) out.push(b);
  }
  if (out[out.length - 1] !== data[n - 1]) out.push(data[n - 1]);
  return out;
}

/** Equal-interval breaks: k classes of equal width between the minimum and the maximum. */
export function equalIntervalBreaks(values, k) {
  const data = cleanSorted(values);
  const n = data.length;
  if (n === 0) return [];
  const min = data[0];
  const max = data[n - 1];
  if (min === max) return [max];
  const out = [];
  for (let i = 1; i < k; i++) out.push(min + ((max - min) * i) / k);
  out.push(max);
  return out;
}

/** Index of the class holding `v` (right-closed), or -1 for a missing value. */
export function classOf(breaks, v) {
  if (typeof v !== 'number' || !Number.isFinite(v) || breaks.length === 0) return -1;
  for (let i = 0; i < breaks.length; i++) if (v <= breaks[i]) return i;
  return breaks.length - 1;
}

export const METHODS = {
  quantile: { label: 'Quantiles', breaks: quantileBreaks },
  jenks: { label: 'Natural breaks (Jenks)', breaks: jenksBreaks },
  equal: { label: 'Equal interval', breaks: equalIntervalBreaks },
};

/** Classify `values` with `method` ('quantile' | 'jenks' | 'equal') into at most `k` classes. */
export function classify(values, method, k) {
  const m = METHODS[method] ?? METHODS.quantile;
  const data = cleanSorted(values);
  const breaks = m.breaks(data, k);
  const counts = new Array(breaks.length).fill(0);
  const lows = new Array(breaks.length).fill(null);
  const highs = new Array(breaks.length).fill(null);
  for (const v of data) {
    const c = classOf(breaks, v);
    counts[c]++;
    if (lows[c] === null) lows[c] = v;
    highs[c] = v;
  }
  // Smallest data value above each break: a left-closed `step` threshold.
  const thresholds = [];
  for (let i = 0; i < breaks.length - 1; i++) {
    const above = data.find((v) => v > breaks[i]);
    thresholds.push(above === undefined ? breaks[i] : above);
  }
  return {
    method: METHODS[method] ? method : 'quantile',
    breaks,
    thresholds,
    counts,
    lows,
    highs,
    min: data.length ? data[0] : null,
    max: data.length ? data[data.length - 1] : null,
    n: data.length,
  };
}

/** Goodness of variance fit of a set of breaks (1 = perfect), for tests and the legend. */
export function gvf(values, breaks) {
  const data = cleanSorted(values);
  if (data.length === 0) return 1;
  const mean = data.reduce((a, b) => a + b, 0) / data.length;
  const sdam = data.reduce((a, v) => a + (v - mean) ** 2, 0);
  if (sdam === 0) return 1;
  const groups = breaks.map(() => []);
  for (const v of data) groups[classOf(breaks, v)].push(v);
  let sdcm = 0;
  for (const g of groups) {
    if (g.length === 0) continue;
    const m = g.reduce((a, b) => a + b, 0) / g.length;
    sdcm += g.reduce((a, v) => a + (v - m) ** 2, 0);
  }
  return 1 - sdcm / sdam;
}
