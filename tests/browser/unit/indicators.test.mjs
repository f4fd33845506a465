import { test } from 'node:test';
import assert from 'node:assert/strict';
import { catalogue, findItem, formatValue, needRank, legendDecimals, notOffered } from '../../../web/js/indicators.js';

const meta = {
  indicators: [{ id: 'imd_score', label: 'IMD score', kind: 'score', direction: 'higher_is_worse' },
    { id: 'imd_decile', label: 'IMD decile (1 = most deprived)', kind: 'decile', direction: 'higher_is_better' }],
  categories: [{ id: 'gp', label: 'GP surgery', tier: '1' }],
  tiers: [{ id: '1', label: 'Tier 1' }],
};

test('catalogue lists manifest indicators and the fields the API adds', () => {
  const fs = [{ properties: { imd_score: 10, imd_decile: null, imd_decile1_pop_share: 0.2, services_gp: 2, services_tier_1: 3, services_per_10k: 4, unmet_need: 120.5 } }];
  const groups = catalogue(meta, fs);
  assert.equal(findItem(groups, 'imd_score').available, true);
  assert.equal(findItem(groups, 'imd_decile').available, false, 'no values at this level');
  assert.match(findItem(groups, 'imd_decile1_pop_share').label, /decile 1/);
  assert.equal(findItem(groups, 'services_gp').label, 'GP surgery (count)');
  assert.equal(findItem(groups, 'services_tier_1').label, 'Tier 1 (count)');
  assert.ok(findItem(groups, 'unmet_need'));
});

test('indicators published for a coarser level are greyed with a note', () => {
  const m = { ...meta, indicators: [...meta.indicators, { id: 'crime_rate', label: 'Crime per 1,000', kind: 'rate', direction: 'higher_is_worse', levels: ['constituency'], published_for: 'published for constituencies' }] };
  const fs = [{ properties: { imd_score: 10, crime_rate: 80 } }];
  const ward = catalogue(m, fs, 'ward');
  assert.equal(findItem(ward, 'crime_rate').available, false);
  assert.equal(findItem(ward, 'crime_rate').note, 'published for constituencies');
  assert.equal(findItem(ward, 'imd_score').available, true, 'no level list: offered');
  assert.deepEqual(notOffered(ward), [{ note: 'published for constituencies', labels: ['Crime per 1,000'] }]);
  assert.equal(findItem(catalogue(m, fs, 'constituency'), 'crime_rate').available, true);
});

test('ranks put the most need first', () => {
  assert.deepEqual(needRank([1, 5, 3], 5, 'higher_is_worse'), { rank: 1, of: 3 });
  assert.deepEqual(needRank([1, 5, 3], 5, 'higher_is_better'), { rank: 3, of: 3 });
  assert.equal(needRank([1, 2], null, 'higher_is_worse'), null);
});

test('values are formatted for people', () => {
  assert.equal(formatValue(15676.546), '15,677');
  assert.equal(formatValue(0.25, 'share'), '25%');
  assert.equal(formatValue(null), 'no data');
  assert.equal(formatValue(7), '7');
});

test('legend decimals tell the bounds apart and stay consistent', () => {
  assert.equal(legendDecimals([0.9, 6.8, 7, 13.1, 13.3, 19.7]), 1);
  assert.equal(formatValue(7, '', 1), '7.0');
  assert.equal(legendDecimals([1, 2, 3]), 0);
  assert.equal(legendDecimals([10.903, 10.95, 19.3]), 2);
  assert.equal(legendDecimals([0, 0.000461, 0.2, 0.3], 'share'), 2, 'percentage points');
  assert.equal(legendDecimals([120.5, 130.2, 500.7]), 0);
});
