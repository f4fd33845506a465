import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseGapClass, terciles, bivariateClasses, rankGaps, hasGapFields } from '../../../web/js/gaps.js';

test('gap classes parse in the forms the gaps analysis may use', () => {
  assert.deepEqual(parseGapClass('high-need/low-access'), [2, 0]);
  assert.deepEqual(parseGapClass('low-need/high-access'), [0, 2]);
  assert.deepEqual(parseGapClass('mid-need/mid-access'), [1, 1]);
  assert.deepEqual(parseGapClass('high_need_low_access'), [2, 0]);
  assert.deepEqual(parseGapClass('3-1'), [2, 0]);
  assert.equal(parseGapClass('something'), null);
  assert.equal(parseGapClass(null), null);
});

test('terciles split evenly and skip missing values', () => {
  assert.deepEqual(terciles([1, 2, 3, 4, 5, 6, NaN]), [0, 0, 1, 1, 2, 2, null]);
});

test('bivariate classes fall back to need and access terciles', () => {
  const fs = [1, 2, 3, 4, 5, 6].map((v) => ({ properties: { need: v, access_2sfca: 7 - v } }));
  assert.deepEqual(bivariateClasses(fs), [[0, 2], [0, 2], [1, 1], [1, 1], [2, 0], [2, 0]]);
  const given = [{ properties: { gap_class: 'high-need/low-access', need: 1, access_2sfca: 1 } },
    { properties: { gap_class: 'no-data', need: 2, access_2sfca: 3 } }, { properties: { gap_class: 'no-population' } }];
  assert.deepEqual(bivariateClasses(given), [[2, 0], null, null], 'server classes win, no-data stays grey');
});

test('ranking uses gap_rank, else unmet need (largest first)', () => {
  const fs = [{ properties: { code: 'a', unmet_need: 120 } }, { properties: { code: 'b', unmet_need: 3200 } },
    { properties: { code: 'c' } }];
  assert.deepEqual(rankGaps(fs).map((r) => [r.feature.properties.code, r.rank]), [['b', 1], ['a', 2]]);
  const ranked = [{ properties: { code: 'x', gap_rank: 2, unmet_need: 5 } }, { properties: { code: 'y', gap_rank: 1, unmet_need: 1 } }];
  assert.deepEqual(rankGaps(ranked).map((r) => r.feature.properties.code), ['y', 'x']);
  assert.equal(hasGapFields(fs), true);
  assert.equal(hasGapFields([{ properties: { code: 'z' } }]), false);
});
