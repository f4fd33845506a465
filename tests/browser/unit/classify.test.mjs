// Unit tests for web/js/classify.js: natural breaks against PySAL mapclassify and jenkspy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  jenksBreaks, quantileBreaks, equalIntervalBreaks, classify, classOf, gvf,
} from '../../../web/js/classify.js';

const reference = JSON.parse(readFileSync(new URL('./jenks_reference.json', import.meta.url)));

function ssd(values, breaks) {
  let total = 0;
  let lo = -Infinity;
  for (const b of breaks) {
    const g = values.filter((v) => v > lo && v <= b);
    if (g.length) {
      const m = g.reduce((a, c) => a + c, 0) / g.length;
      total += g.reduce((a, c) => a + (c - m) ** 2, 0);
    }
    lo = b;
  }
  return total;
}

for (const c of reference.cases) {
  test(`jenks matches mapclassify.FisherJenks: ${c.name} (k=${c.k}, n=${c.values.length})`, () => {
    const breaks = jenksBreaks(c.values, c.k);
    assert.equal(breaks.length, c.k);
    // Same optimum: identical breaks, or (with ties in the optimum) the same total SSD.
    const same = breaks.every((b, i) => Math.abs(b - c.mapclassify_bins[i]) < 1e-9);
    if (!same) {
      assert.ok(Math.abs(ssd(c.values, breaks) - c.ssd) <= 1e-9 * Math.max(1, c.ssd),
        `breaks ${breaks} differ from ${c.mapclassify_bins} and SSD ${ssd(c.values, breaks)} != ${c.ssd}`);
    }
    assert.deepEqual(c.jenkspy_bins.length, c.k);
  });
}

test('jenks textbook example gives the known classes', () => {
  assert.deepEqual(jenksBreaks([1, 2, 4, 5, 7, 9, 10, 20], 3), [5, 10, 20]);
  assert.deepEqual(jenksBreaks([10, 1, 20, 2, 4, 9, 5, 7], 3), [5, 10, 20], 'order does not matter');
});

test('jenks beats or equals quantiles and equal interval on variance fit', () => {
  for (const c of reference.cases) {
    const j = gvf(c.values, jenksBreaks(c.values, c.k));
    assert.ok(j >= gvf(c.values, quantileBreaks(c.values, c.k)) - 1e-12);
    assert.ok(j >= gvf(c.values, equalIntervalBreaks(c.values, c.k)) - 1e-12);
  }
});

test('fewer distinct values than classes, empty input and missing values', () => {
  assert.deepEqual(jenksBreaks([3, 3, 3, 7], 5), [3, 7]);
  assert.deepEqual(jenksBreaks([], 5), []);
  assert.deepEqual(jenksBreaks([null, NaN, 4, undefined, Infinity], 3), [4]);
  assert.deepEqual(quantileBreaks([2, 2, 2, 2], 4), [2]);
  assert.deepEqual(equalIntervalBreaks([5, 5], 4), [5]);
  assert.equal(classify([], 'jenks', 5).n, 0);
});

test('quantiles and equal interval', () => {
  const v = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  assert.deepEqual(quantileBreaks(v, 5), [2, 4, 6, 8, 10]);
  assert.deepEqual(equalIntervalBreaks([0, 10], 4), [2.5, 5, 7.5, 10]);
  const c = classify(v, 'quantile', 5);
  assert.deepEqual(c.counts, [2, 2, 2, 2, 2]);
  assert.deepEqual(c.thresholds, [3, 5, 7, 9]);
});

test('step thresholds reproduce the right-closed classes on every data value', () => {
  for (const c of reference.cases) {
    for (const method of ['quantile', 'jenks', 'equal']) {
      const k = classify(c.values, method, c.k);
      for (const v of c.values) {
        let step = 0;
        while (step < k.thresholds.length && v >= k.thresholds[step]) step++;
        assert.equal(step, classOf(k.breaks, v), `${method} ${c.name} value ${v}`);
      }
      assert.equal(k.counts.reduce((a, b) => a + b, 0), c.values.length);
    }
  }
});

test('classOf handles missing values', () => {
  assert.equal(classOf([1, 2], null), -1);
  assert.equal(classOf([1, 2], NaN), -1);
  assert.equal(classOf([1, 2], 1), 0);
  assert.equal(classOf([1, 2], 1.5), 1);
});
